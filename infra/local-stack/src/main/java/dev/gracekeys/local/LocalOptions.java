package dev.gracekeys.local;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The local stack's command line.
 *
 * @param dataDir       where DynamoDB Local's data, the generated pepper and events.jsonl live
 * @param inMemory      keep DynamoDB's data in memory (the pepper and events still go to dataDir)
 * @param authorizerTtl seconds API Gateway would cache an authorizer answer; 0 = no cache. The
 *                      functions get it as AUTHORIZER_CACHE_TTL_SECONDS (as template.yaml passes
 *                      AuthorizerResultTtlSeconds), so last use is counted as the cache requires
 * @param clockControl  serve POST /_local/clock on the HTTP API to move the stack's clock (tests)
 * @param identitySource the header the HTTP API passes to the authorizer and caches by:
 *                      {@code authorization} or {@code x-api-key}
 * @param authorizerInstances independent verify-authorizer instances (each with its own context,
 *                      pepper ring and clients, like Lambda's containers); pushes are spread over them
 * @param awsEndpoint   an AWS emulator on this machine (e.g. moto's server) the functions' Secrets
 *                      Manager, EventBridge and S3 clients talk to; {@code null}: none (the default)
 */
public record LocalOptions(Path dataDir, boolean inMemory, int dynamodbPort, int lambdaPort, int httpPort,
                           int authorizerTtl, boolean clockControl, String identitySource, int authorizerInstances,
                           URI awsEndpoint) {

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
        if (awsEndpoint != null) {
            awsEndpoint = awsEndpoint(awsEndpoint.toString());
        }
    }

    /** No AWS emulator. */
    public LocalOptions(Path dataDir, boolean inMemory, int dynamodbPort, int lambdaPort, int httpPort,
                        int authorizerTtl, boolean clockControl, String identitySource, int authorizerInstances) {
        this(dataDir, inMemory, dynamodbPort, lambdaPort, httpPort, authorizerTtl, clockControl, identitySource,
                authorizerInstances, null);
    }

    /** The identity source {@code authorization}, one authorizer instance, no AWS emulator. */
    public LocalOptions(Path dataDir, boolean inMemory, int dynamodbPort, int lambdaPort, int httpPort,
                        int authorizerTtl, boolean clockControl) {
        this(dataDir, inMemory, dynamodbPort, lambdaPort, httpPort, authorizerTtl, clockControl, AUTHORIZATION, 1);
    }

    public LocalOptions withIdentitySource(String header) {
        return new LocalOptions(dataDir, inMemory, dynamodbPort, lambdaPort, httpPort, authorizerTtl, clockControl,
                header, authorizerInstances, awsEndpoint);
    }

    public LocalOptions withAuthorizerInstances(int n) {
        return new LocalOptions(dataDir, inMemory, dynamodbPort, lambdaPort, httpPort, authorizerTtl, clockControl,
                identitySource, n, awsEndpoint);
    }

    /** @param endpoint an AWS emulator on this machine (see {@link #awsEndpoint(String)}), or null for none */
    public LocalOptions withAwsEndpoint(URI endpoint) {
        return new LocalOptions(dataDir, inMemory, dynamodbPort, lambdaPort, httpPort, authorizerTtl, clockControl,
                identitySource, authorizerInstances, endpoint);
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
              --in-memory           keep DynamoDB's data in memory (gone when the stack stops);
                                    the generated pepper and events.jsonl still go to the data
                                    folder: add --data-dir "$(mktemp -d)" to leave nothing behind
              --dynamodb-port N     (default 8000)
              --lambda-port N       (default 3001)
              --http-port N         (default 3000)
              --authorizer-ttl S    cache authorizer answers S seconds, like API Gateway's result
                                    TTL (default 0: every push is verified). Cached under the
                                    identity source's value alone, as API Gateway does. The
                                    functions get it as AUTHORIZER_CACHE_TTL_SECONDS, so describe
                                    and revoke-old count last use as on AWS with that TTL
              --identity-source H   authorization (default, "Authorization: Bearer <token>", as in
                                    the template) or x-api-key: the header the HTTP API requires,
                                    passes to the authorizer and caches by
              --authorizer-instances N
                                    run N independent verify-authorizer instances (1-16, default 1),
                                    each with its own caches, like Lambda's containers; pushes are
                                    spread over them in turn
              --aws-endpoint URL    an AWS emulator on this machine, e.g. moto's server at
                                    http://127.0.0.1:5000 (loopback only: 127.0.0.1, [::1] or
                                    localhost). Every function's Secrets Manager, EventBridge and
                                    S3 clients call it, with dummy credentials in us-east-1, never
                                    AWS. Then PEPPER_SECRET_ID (below) is read from it,
                                    deliverToSecretId writes there, and backfill's {"s3":...}
                                    reads its buckets. The secret and bus must exist: the stack
                                    checks them at start (docs/operations.md shows how)
              --no-build            (run-local only) do not build missing jars first
              -h, --help            this text

            environment:
              PEPPER                base64 pepper (at least 32 bytes) instead of the generated one
              PEPPER_SECRET_ID      with --aws-endpoint only: the emulator's secret holding the
                                    base64 pepper (else ignored: the pepper is PEPPER or generated)
              EVENT_BUS_NAME        with --aws-endpoint only: the emulator's EventBridge bus the
                                    events go to (printed too; events.jsonl is then not written).
                                    Unset, or without --aws-endpoint: events go to events.jsonl
              TOKEN_PREFIX, DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS, MAX_PREVIOUS_TOKENS, ...
                                    the functions' settings, as in the README
            """;

    public static LocalOptions defaults() {
        return new LocalOptions(Path.of(".gracekeys"), false, 8000, 3001, 3000, 0, false, AUTHORIZATION, 1, null);
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
        URI awsEndpoint = null;
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
                case "--aws-endpoint" -> awsEndpoint = awsEndpoint(value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
            }
        }
        return new LocalOptions(dataDir, inMemory, dynamo, lambda, http, ttl, clock, identity, instances, awsEndpoint);
    }

    /**
     * An AWS emulator's URL, normalized to {@code scheme://host:port}: http or https, no user, path,
     * query or fragment, and a host on this machine, since nothing the local stack talks to may be
     * elsewhere: 127.0.0.0/8 or ::1 written as an address, or {@code localhost} when it resolves to
     * loopback addresses only. Other host names are refused without a lookup (a name can resolve
     * elsewhere later).
     *
     * @throws IllegalArgumentException saying what is wrong and what would do
     */
    public static URI awsEndpoint(String url) {
        String example = " (e.g. http://127.0.0.1:5000 for moto_server -H 127.0.0.1 -p 5000)";
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--aws-endpoint takes a URL" + example + ", got '" + url + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("--aws-endpoint takes an http:// or https:// URL" + example + ", got '"
                    + url + "'");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
                || uri.getRawFragment() != null || !(uri.getRawPath() == null || uri.getRawPath().isEmpty()
                || uri.getRawPath().equals("/"))) {
            throw new IllegalArgumentException("--aws-endpoint takes scheme, host and port only" + example + ", got '"
                    + url + "'");
        }
        String host = uri.getHost();
        if (!isLoopback(host)) {
            throw new IllegalArgumentException("--aws-endpoint must be on this machine: 127.0.0.1, [::1] or localhost"
                    + example + ", got host '" + host + "'. The local stack never talks to anything elsewhere:"
                    + " to use AWS itself, deploy the stack (docs/deployment.md)");
        }
        return URI.create(scheme + "://" + host + (uri.getPort() == -1 ? "" : ":" + uri.getPort()));
    }

    private static boolean isLoopback(String host) {
        try {
            if (host.equalsIgnoreCase("localhost")) {
                InetAddress[] all = InetAddress.getAllByName(host);
                for (InetAddress a : all) {
                    if (!a.isLoopbackAddress()) {
                        return false;
                    }
                }
                return all.length > 0;
            }
            boolean ipv4 = host.matches("\\d{1,3}(\\.\\d{1,3}){3}")
                    && Arrays.stream(host.split("\\.")).allMatch(octet -> Integer.parseInt(octet) <= 255);
            boolean ipv6 = host.startsWith("[") && host.endsWith("]");
            // An address literal is parsed, never looked up.
            return (ipv4 || ipv6) && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
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
