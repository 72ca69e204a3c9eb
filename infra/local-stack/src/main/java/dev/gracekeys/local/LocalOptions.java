package dev.gracekeys.local;

import java.nio.file.Path;

/**
 * The local stack's command line.
 *
 * @param dataDir       where DynamoDB Local's data, the generated pepper and events.jsonl live
 * @param inMemory      keep DynamoDB's data in memory (the pepper and events still go to dataDir)
 * @param authorizerTtl seconds API Gateway would cache an authorizer answer; 0 = no cache
 * @param clockControl  serve POST /_local/clock on the HTTP API to move the stack's clock (tests)
 * @param identitySource the header the HTTP API passes to the authorizer and caches by:
 *                      {@code authorization} or {@code x-api-key}
 * @param authorizerInstances independent verify-authorizer instances (each with its own context,
 *                      pepper ring and clients, like Lambda's containers); pushes are spread over them
 */
public record LocalOptions(Path dataDir, boolean inMemory, int dynamodbPort, int lambdaPort, int httpPort,
                           int authorizerTtl, boolean clockControl, String identitySource, int authorizerInstances) {

    public static final String AUTHORIZATION = "authorization";
    public static final String X_API_KEY = "x-api-key";

    public LocalOptions {
        if (!AUTHORIZATION.equals(identitySource) && !X_API_KEY.equals(identitySource)) {
            throw new IllegalArgumentException("--identity-source takes authorization or x-api-key, got '"
                    + identitySource + "'");
        }
        if (authorizerInstances < 1 || authorizerInstances > 16) {
            throw new IllegalArgumentException("--authorizer-instances takes a whole number 1..16, got "
                    + authorizerInstances);
        }
    }

    /** The identity source {@code authorization}, one authorizer instance. */
    public LocalOptions(Path dataDir, boolean inMemory, int dynamodbPort, int lambdaPort, int httpPort,
                        int authorizerTtl, boolean clockControl) {
        this(dataDir, inMemory, dynamodbPort, lambdaPort, httpPort, authorizerTtl, clockControl, AUTHORIZATION, 1);
    }

    public LocalOptions withIdentitySource(String header) {
        return new LocalOptions(dataDir, inMemory, dynamodbPort, lambdaPort, httpPort, authorizerTtl, clockControl,
                header, authorizerInstances);
    }

    public LocalOptions withAuthorizerInstances(int n) {
        return new LocalOptions(dataDir, inMemory, dynamodbPort, lambdaPort, httpPort, authorizerTtl, clockControl,
                identitySource, n);
    }

    /** The template's AuthorizerIdentitySource value for this header (the authorizer's IDENTITY_SOURCE). */
    public String identitySourceSetting() {
        return AUTHORIZATION.equals(identitySource) ? "$request.header.Authorization" : "$request.header.x-api-key";
    }

    public static final String USAGE = """
            usage: infra/run-local [options]

            Starts GraceKeys on this machine, on 127.0.0.1:
              DynamoDB Local (official, from Maven Central)       --dynamodb-port, default 8000
              Lambda Invoke API serving every function by name    --lambda-port,   default 3001
              HTTP API: POST /push behind verify-authorizer       --http-port,     default 3000
            The real handler classes run in this JVM. Ctrl-C (or SIGTERM) stops everything.

            options:
              --data-dir DIR        data folder (default .gracekeys): DynamoDB data, the generated
                                    pepper, events.jsonl; kept across restarts
              --in-memory           keep DynamoDB's data in memory (gone when the stack stops)
              --dynamodb-port N     (default 8000)
              --lambda-port N       (default 3001)
              --http-port N         (default 3000)
              --authorizer-ttl S    cache authorizer answers S seconds, like API Gateway's result
                                    TTL (default 0: every push is verified). Cached under the
                                    identity source's value alone, as API Gateway does
              --identity-source H   authorization (default, "Authorization: Bearer <token>", as in
                                    the template) or x-api-key: the header the HTTP API requires,
                                    passes to the authorizer and caches by
              --authorizer-instances N
                                    run N independent verify-authorizer instances (1-16, default 1),
                                    each with its own caches, like Lambda's containers; pushes are
                                    spread over them in turn
              --no-build            (run-local only) do not build missing jars first
              -h, --help            this text

            environment:
              PEPPER                base64 pepper (at least 32 bytes) instead of the generated one
              TOKEN_PREFIX, DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS, MAX_PREVIOUS_TOKENS, ...
                                    the functions' settings, as in the README
            """;

    public static LocalOptions defaults() {
        return new LocalOptions(Path.of(".gracekeys"), false, 8000, 3001, 3000, 0, false, AUTHORIZATION, 1);
    }

    /** Parses the arguments; {@code null} means help was asked for. */
    public static LocalOptions parse(String... args) {
        Path dataDir = Path.of(".gracekeys");
        boolean inMemory = false;
        int dynamo = 8000;
        int lambda = 3001;
        int http = 3000;
        int ttl = 0;
        boolean clock = false;
        String identity = AUTHORIZATION;
        int instances = 1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--in-memory" -> inMemory = true;
                case "--clock-control" -> clock = true;
                case "--data-dir" -> dataDir = Path.of(value(args, ++i, a));
                case "--dynamodb-port" -> dynamo = port(value(args, ++i, a), a);
                case "--lambda-port" -> lambda = port(value(args, ++i, a), a);
                case "--http-port" -> http = port(value(args, ++i, a), a);
                case "--authorizer-ttl" -> ttl = number(value(args, ++i, a), a, 0, 3600);
                case "--identity-source" -> {
                    identity = value(args, ++i, a).toLowerCase(java.util.Locale.ROOT);
                    if (!identity.equals(AUTHORIZATION) && !identity.equals(X_API_KEY)) {
                        throw new IllegalArgumentException(a + " takes authorization or x-api-key, got '"
                                + args[i] + "'");
                    }
                }
                case "--authorizer-instances" -> instances = number(value(args, ++i, a), a, 1, 16);
                default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
            }
        }
        return new LocalOptions(dataDir, inMemory, dynamo, lambda, http, ttl, clock, identity, instances);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value (see --help)");
        }
        return args[i];
    }

    private static int port(String v, String option) {
        return number(v, option, 0, 65535);
    }

    private static int number(String v, String option, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(option + " takes a whole number " + min + ".." + max + ", got '" + v + "'");
    }
}
