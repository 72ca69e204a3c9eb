package dev.gracekeys.local;

import dev.gracekeys.testkit.MutableClock;
import com.sun.net.httpserver.HttpServer;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.testkit.DynamoDbLocal;
import dev.gracekeys.lambda.AwsClients;
import dev.gracekeys.lambda.PepperSettings;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The whole system on one machine. {@link #start} brings up DynamoDB Local (table, indexes and TTL
 * from {@link TableSchema}), every function's handler, the Lambda Invoke API and the HTTP API;
 * {@link #close} stops them in reverse order.
 */
public final class LocalSystem implements AutoCloseable {

    public static final String TABLE = "gracekeys-local";
    /** The functions' setting for the authorizer cache TTL, which the stack sets from --authorizer-ttl. */
    static final String AUTHORIZER_CACHE_TTL = "AUTHORIZER_CACHE_TTL_SECONDS";

    private final DynamoDbLocal dynamo;
    private final LocalFunctions functions;
    private final LambdaInvokeApi lambdaApi;
    private final HttpApi httpApi;
    private final Path dataDir;
    private final Path eventsFile;
    private final AwsEmulator emulator;

    private LocalSystem(DynamoDbLocal dynamo, LocalFunctions functions, LambdaInvokeApi lambdaApi, HttpApi httpApi,
                       Path dataDir, Path eventsFile, AwsEmulator emulator) {
        this.dynamo = dynamo;
        this.functions = functions;
        this.lambdaApi = lambdaApi;
        this.httpApi = httpApi;
        this.dataDir = dataDir;
        this.eventsFile = eventsFile;
        this.emulator = emulator;
    }

    /**
     * @param environment the functions' settings (the process environment for run-local); with
     *                    {@link LocalOptions#awsEndpoint()}, its {@code PEPPER_SECRET_ID} and
     *                    {@code EVENT_BUS_NAME} name the emulator's secret and bus
     * @throws PortInUseException when a port is taken (nothing is left running)
     * @throws AwsEndpointException when the AWS emulator does not answer or lacks the pepper secret
     *                    or the bus (nothing is left running)
     */
    public static LocalSystem start(LocalOptions options, Map<String, String> environment, PrintStream out) throws IOException {
        Path dataDir = options.dataDir().toAbsolutePath();
        Files.createDirectories(dataDir);
        checkFree(options.dynamodbPort(), "DynamoDB Local", "--dynamodb-port", true);
        checkFree(options.lambdaPort(), "the Lambda Invoke API", "--lambda-port", false);
        checkFree(options.httpPort(), "the HTTP API", "--http-port", false);

        // The emulator first: a missing secret or bus is reported before anything is started.
        Map<String, String> settings = settings(environment, options.awsEndpoint() != null);
        AwsEmulator emulator = options.awsEndpoint() == null ? null : AwsEmulator.connect(options.awsEndpoint(), settings);
        DynamoDbLocal dynamo = null;
        LocalFunctions functions = null;
        LambdaInvokeApi lambdaApi = null;
        try {
            dynamo = DynamoDbLocal.start(options.dynamodbPort(), options.inMemory() ? null : dataDir.resolve("dynamodb"));
            createTableIfMissing(dynamo.endpoint());
            Path eventsFile = dataDir.resolve("events.jsonl");
            MutableClock clock = MutableClock.onSystemTime();
            settings.put("DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
            if (emulator == null) {
                noAws(settings);
            }
            if (emulator == null || emulator.pepperSecretId() == null) {
                settings.put(PepperSettings.PEPPER, pepper(environment, dataDir));
            }
            settings.put("IDENTITY_SOURCE", options.identitySourceSetting());
            // As template.yaml passes AuthorizerResultTtlSeconds: describe and revoke-old widen last use by
            // the TTL this stack's HTTP API really caches for, whatever the environment says.
            settings.put(AUTHORIZER_CACHE_TTL, String.valueOf(options.authorizerTtl()));
            EventPublisher events = new JsonLinesEventPublisher(eventsFile, out);
            if (emulator != null) {
                events = emulator.events(events, out);
            }
            functions = new LocalFunctions(settings, clock, events, out, options.authorizerInstances());
            lambdaApi = new LambdaInvokeApi(bind(options.lambdaPort(), "the Lambda Invoke API", "--lambda-port"), functions);
            HttpApi httpApi = new HttpApi(bind(options.httpPort(), "the HTTP API", "--http-port"), functions, clock,
                    options.authorizerTtl(), options.clockControl(), options.identitySource());
            return new LocalSystem(dynamo, functions, lambdaApi, httpApi, dataDir, eventsFile, emulator);
        } catch (IOException | RuntimeException e) {
            if (lambdaApi != null) {
                lambdaApi.close();
            }
            if (functions != null) {
                functions.close();
            }
            if (dynamo != null) {
                dynamo.close();
            }
            if (emulator != null) {
                emulator.close();
            }
            throw e;
        }
    }

    public URI dynamoEndpoint() {
        return dynamo.endpoint();
    }

    public URI lambdaEndpoint() {
        return URI.create("http://127.0.0.1:" + lambdaApi.port());
    }

    public URI httpEndpoint() {
        return URI.create("http://127.0.0.1:" + httpApi.port());
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Where events are appended, unless they go to an emulator's bus ({@link #eventBus()}). */
    public Path eventsFile() {
        return eventsFile;
    }

    /** The AWS emulator the Secrets Manager, EventBridge and S3 clients call (--aws-endpoint). */
    public Optional<URI> awsEndpoint() {
        return Optional.ofNullable(emulator).map(AwsEmulator::endpoint);
    }

    /** The emulator's secret the pepper comes from, if any (else PEPPER or the generated file). */
    public Optional<String> pepperSecretId() {
        return Optional.ofNullable(emulator).map(AwsEmulator::pepperSecretId);
    }

    /** The emulator's EventBridge bus events go to, if any (else {@link #eventsFile()}). */
    public Optional<String> eventBus() {
        return Optional.ofNullable(emulator).map(AwsEmulator::bus);
    }

    /** Invocations of each verify-authorizer instance so far (--authorizer-instances). */
    public long[] authorizerCalls() {
        return functions.authorizerCalls();
    }

    /** Pushes the HTTP API answered from its authorizer cache (--authorizer-ttl). */
    public long authorizerCacheHits() {
        return httpApi.cacheHits();
    }

    Iterable<String> functionNames() {
        return functions.names();
    }

    @Override
    public void close() {
        httpApi.close();
        lambdaApi.close();
        try {
            functions.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                dynamo.close();
            } finally {
                if (emulator != null) {
                    emulator.close();
                }
            }
        }
    }

    /**
     * What the functions read: the caller's environment, pointed at this stack (the DynamoDB
     * endpoint and the pepper are added once known).
     *
     * @param emulator whether an AWS emulator is given: only then is {@code PEPPER_SECRET_ID} kept,
     *                 to name the emulator's secret (a local pepper would then only mislead)
     */
    private static Map<String, String> settings(Map<String, String> environment, boolean emulator) {
        Map<String, String> s = new HashMap<>(environment);
        // On AWS these select the role's credentials; here they would mislead (and could reach AWS).
        s.remove(AwsClients.CONTAINER_CREDENTIALS_URI);
        s.remove("AWS_LAMBDA_FUNCTION_NAME");
        String secretId = s.get(PepperSettings.PEPPER_SECRET_ID);
        if (!emulator || secretId == null || secretId.isBlank()) {
            // Without an emulator, the secret would be read from AWS itself.
            s.remove(PepperSettings.PEPPER_SECRET_ID);
        } else {
            s.remove(PepperSettings.PEPPER);
            s.remove(PepperSettings.PEPPER_PREVIOUS);
        }
        s.put("TABLE_NAME", TABLE);
        s.put(AwsClients.REGION, "us-east-1");
        return s;
    }

    /**
     * Without {@code --aws-endpoint} there is no Secrets Manager, EventBridge or S3 here, and a
     * client left without an endpoint would go to the real AWS with the developer's own credentials
     * (a {@code deliverToSecretId} would write a token into their account). So each of those clients
     * is pointed at {@link #NO_AWS}, a closed loopback port, which also gives it dummy credentials:
     * a call fails at once and never leaves the machine. Token delivery says why instead
     * ({@link LocalFunctions}).
     */
    static void noAws(Map<String, String> settings) {
        for (String name : AwsEmulator.ENDPOINT_SETTINGS) {
            settings.putIfAbsent(name, NO_AWS);
        }
    }

    /** Where the AWS clients point without an emulator: the discard port on loopback, nothing listens. */
    static final String NO_AWS = "http://127.0.0.1:9";

    /**
     * {@code PEPPER} from the environment, else the data folder's {@code pepper} file, generated on
     * first start (owner-only permissions). Kept across restarts, so issued tokens stay valid.
     */
    static String pepper(Map<String, String> environment, Path dataDir) throws IOException {
        String given = environment.get("PEPPER");
        if (given != null && !given.isBlank()) {
            Pepper.fromBase64(given); // fail now, with its message, if unusable
            return given.trim();
        }
        Path file = dataDir.resolve("pepper");
        if (Files.isRegularFile(file)) {
            String stored = Files.readString(file).trim();
            Pepper.fromBase64(stored);
            return stored;
        }
        byte[] bytes = new byte[48];
        new SecureRandom().nextBytes(bytes);
        String generated = Base64.getEncoder().encodeToString(bytes);
        Files.writeString(file, generated + "\n");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing more to do
        }
        return generated;
    }

    private static void createTableIfMissing(URI endpoint) {
        try (DynamoDbClient client = DynamoDbLocal.client(endpoint)) {
            try {
                client.describeTable(r -> r.tableName(TABLE));
            } catch (ResourceNotFoundException e) {
                client.createTable(TableSchema.createTable(TABLE));
                client.updateTimeToLive(TableSchema.enableTtl(TABLE));
            }
        }
    }

    private static void checkFree(int port, String what, String option, boolean allInterfaces) {
        if (port == 0) {
            return;
        }
        try (ServerSocket s = allInterfaces ? new ServerSocket(port) : new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new PortInUseException(port, what, option);
        }
    }

    private static HttpServer bind(int port, String what, String option) throws IOException {
        try {
            return LambdaInvokeApi.bind(port);
        } catch (BindException e) {
            throw new PortInUseException(port, what, option);
        }
    }

    /** The AWS emulator (--aws-endpoint) does not answer, or lacks what the settings name. */
    public static final class AwsEndpointException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AwsEndpointException(String message) {
            super(message);
        }
    }

    /** A port the stack needs is taken. */
    public static final class PortInUseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PortInUseException(int port, String what, String option) {
            super("port " + port + " for " + what + " is already in use: stop whatever listens there (is another"
                    + " local stack running?), or choose another port with " + option);
        }
    }
}
