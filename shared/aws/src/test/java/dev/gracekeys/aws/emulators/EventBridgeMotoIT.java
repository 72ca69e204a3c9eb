package dev.gracekeys.aws.emulators;

import dev.gracekeys.testkit.MotoServer;
import dev.gracekeys.testkit.MotoServerExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;

/** {@link EventBridgeAdapters} against moto's server; skipped (not failed) where moto is not installed. */
@ExtendWith(MotoServerExtension.class)
class EventBridgeMotoIT extends EventBridgeAdapters {

    private final MotoServer moto;

    EventBridgeMotoIT(MotoServer moto) {
        this.moto = moto;
    }

    @Override
    <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder) {
        return moto.configure(builder);
    }
}
