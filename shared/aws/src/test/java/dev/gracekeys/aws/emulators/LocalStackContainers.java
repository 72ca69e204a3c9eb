package dev.gracekeys.aws.emulators;

import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.containers.localstack.LocalStackContainer.EnabledService;
import org.testcontainers.containers.localstack.LocalStackContainer.Service;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * LocalStackContainers for this package's {@code *LocalStackIT} tests: Secrets Manager, EventBridge and SQS
 * in one container, and SDK clients for it built as the functions build theirs (the URLConnection
 * HTTP client, an explicit region and credentials), pointed at the container. The tests using it are annotated
 * {@code @Testcontainers(disabledWithoutDocker = true)}: where no Docker engine answers they are
 * reported as skipped, and no container is ever created.
 */
final class LocalStackContainers {

    /** A LocalStackContainers release with Secrets Manager version stages and EventBridge custom buses. */
    static final DockerImageName IMAGE = DockerImageName.parse("localstack/localstack:3.8");

    private LocalStackContainers() {
    }

    static LocalStackContainer container() {
        return new LocalStackContainer(IMAGE)
                .withServices(Service.SECRETSMANAGER, EnabledService.named("events"), Service.SQS);
    }

    /** An SDK client builder pointed at the container, with its region and credentials. */
    static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder,
                                                                                     LocalStackContainer localStack) {
        return builder.endpointOverride(localStack.getEndpoint())
                .region(Region.of(localStack.getRegion()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(localStack.getAccessKey(), localStack.getSecretKey())))
                .httpClient(UrlConnectionHttpClient.create());
    }
}
