package dev.gracekeys.local;

import java.nio.file.Path;

/**
 * The local stack's command line.
 *
 * @param dataDir       where DynamoDB Local's data, the generated pepper and events.jsonl live
 * @param inMemory      keep DynamoDB's data in memory (the pepper and events still go to dataDir)
 * @param authorizerTtl seconds API Gateway would cache an authorizer answer; 0 = no cache
 * @param clockControl  serve POST /_local/clock on the HTTP API to move the stack's clock (tests)
 */
public record LocalOptions(Path dataDir, boolean inMemory, int dynamodbPort, int lambdaPort, int httpPort,
                           int authorizerTtl, boolean clockControl) {

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
                                    TTL (default 0: every push is verified)
              --no-build            (run-local only) do not build missing jars first
              -h, --help            this text

            environment:
              PEPPER                base64 pepper (at least 32 bytes) instead of the generated one
              TOKEN_PREFIX, DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS, MAX_PREVIOUS_TOKENS, ...
                                    the functions' settings, as in the README
            """;

    public static LocalOptions defaults() {
        return new LocalOptions(Path.of(".gracekeys"), false, 8000, 3001, 3000, 0, false);
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
                default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
            }
        }
        return new LocalOptions(dataDir, inMemory, dynamo, lambda, http, ttl, clock);
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
