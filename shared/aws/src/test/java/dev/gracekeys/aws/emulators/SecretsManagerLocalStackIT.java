package dev.gracekeys.aws.emulators;

import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;

/** {@link SecretsManagerAdapters} against LocalStackContainers in Docker; skipped (not failed) where no Docker engine answers. */
@Testcontainers(disabledWithoutDocker = true)
class SecretsManagerLocalStackIT extends SecretsManagerAdapters {

    @Container
    static final LocalStackContainer LOCALSTACK = LocalStackContainers.container();

    @Override
    <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder) {
        return LocalStackContainers.configure(builder, LOCALSTACK);
    }
}
