package dev.gracekeys.lambda;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.net.URI;
import java.util.List;
import java.time.Duration;

/**
 * The one place that builds AWS clients: once per container (singletons), with the
 * URLConnection HTTP client (no Apache or Netty on the classpath: smaller jars, faster cold
 * starts), the region from {@code AWS_REGION}, and an explicit credentials provider (on Lambda the
 * environment's, which skips the default chain's probing).
 *
 * <p>{@code DYNAMODB_ENDPOINT}, {@code SECRETSMANAGER_ENDPOINT} point a client elsewhere (DynamoDB
 * Local, LocalStack); with an endpoint override and no AWS credentials, dummy ones are used, since
 * local emulators accept any.
 */
@Factory
public class AwsClients {

    public static final String REGION = "AWS_REGION";
    public static final String DYNAMODB_ENDPOINT = "DYNAMODB_ENDPOINT";
    public static final String SECRETSMANAGER_ENDPOINT = "SECRETSMANAGER_ENDPOINT";
    public static final String EVENTBRIDGE_ENDPOINT = "EVENTBRIDGE_ENDPOINT";
    /** Set by Lambda when it serves credentials from an endpoint (always with SnapStart). */
    public static final String CONTAINER_CREDENTIALS_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    public static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";

    private final Settings settings;
    private final List<ExecutionInterceptor> interceptors;

    /**
     * @param interceptors SDK interceptors to attach to every client: none in production; tests
     *                     register one to record the operations a function really calls
     */
    public AwsClients(Settings settings, List<ExecutionInterceptor> interceptors) {
        this.settings = settings;
        this.interceptors = List.copyOf(interceptors);
    }

    @Singleton
    SdkHttpClient httpClient() {
        return newHttpClient();
    }

    static SdkHttpClient newHttpClient() {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(10))
                .build();
    }

    /**
     * Every DynamoDB call is bounded (3 s an attempt, 10 s in all, retries included), so an
     * unreachable or black-holed table fails an ops call with StoreUnavailableException instead of
     * holding it until the Lambda timeout. The verify sets its own, shorter budget per request.
     */
    @Singleton
    DynamoDbClient dynamoDb(SdkHttpClient http) {
        if (settings.isProcessEnvironment() && interceptors.isEmpty()) {
            DynamoDbClient early = EarlyDynamoDb.take();
            if (early != null) {
                return early;
            }
        }
        return buildDynamoDb(http);
    }

    DynamoDbClient buildDynamoDb(SdkHttpClient http) {
        return configure(DynamoDbClient.builder(), http, DYNAMODB_ENDPOINT,
                o -> o.apiCallAttemptTimeout(Duration.ofSeconds(3)).apiCallTimeout(Duration.ofSeconds(10)))
                .build();
    }

    /**
     * Secrets Manager and EventBridge clients are not beans: the Lambda runtime creates every
     * singleton at start-up, and a function that never reads a secret or publishes (the authorizer
     * with an inline pepper, or any function without {@code EVENT_BUS_NAME}) must not pay for
     * building a client it never uses (each costs hundreds of classes and tens of milliseconds of
     * cold start). {@link SecretsManagerAccess} builds its client at the first use.
     */
    public SecretsManagerClient secretsManager(SdkHttpClient http) {
        // Bounded like the DynamoDB client: a pepper refresh runs beside the pushes, never in their
        // way, but a hung call must not hold a refresh (or a token delivery) for the SDK's defaults.
        return configure(SecretsManagerClient.builder(), http, SECRETSMANAGER_ENDPOINT,
                o -> o.apiCallAttemptTimeout(Duration.ofSeconds(2)).apiCallTimeout(Duration.ofSeconds(5)))
                .build();
    }

    /**
     * An EventBridge client, built now; only {@link EventBridgePublisher#create} calls this, so the
     * EventBridge SDK is loaded only by functions that publish (the authorizer's jar leaves it out).
     */
    public EventBridgeClient eventBridge(SdkHttpClient http) {
        return configure(EventBridgeClient.builder(), http, EVENTBRIDGE_ENDPOINT).build();
    }

    /** Applies region, endpoint, credentials and HTTP client to any SDK client builder. */
    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, SdkHttpClient http,
                                                                                     String endpointSetting) {
        return configure(builder, http, endpointSetting, o -> { });
    }

    /**
     * As above, with more client settings. One override configuration carries them all (a second
     * {@code overrideConfiguration} call would replace the first, interceptors included).
     */
    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(
            B builder, SdkHttpClient http, String endpointSetting,
            java.util.function.Consumer<ClientOverrideConfiguration.Builder> more) {
        String endpoint = settings.get(endpointSetting);
        builder.region(Region.of(settings.getOrDefault(REGION, "us-east-1")))
                .httpClient(http)
                .credentialsProvider(credentials(endpoint != null));
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
        }
        builder.overrideConfiguration(o -> {
            interceptors.forEach(o::addExecutionInterceptor);
            more.accept(o);
        });
        return builder;
    }

    /**
     * On Lambda, the function role's credentials, from where Lambda puts them: with SnapStart the
     * runtime serves them from the container credentials endpoint (the access-key variables are not
     * set then), otherwise in the access-key variables. Naming the provider skips the default chain's
     * probing on every cold start. Locally, dummy keys against an endpoint override, else the
     * default chain (a developer's profile).
     */
    private AwsCredentialsProvider credentials(boolean local) {
        if (settings.get(CONTAINER_CREDENTIALS_URI) != null) {
            return ContainerCredentialsProvider.builder().build();
        }
        if (settings.get("AWS_LAMBDA_FUNCTION_NAME") != null && settings.get(ACCESS_KEY_ID) != null) {
            return EnvironmentVariableCredentialsProvider.create();
        }
        if (local) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
