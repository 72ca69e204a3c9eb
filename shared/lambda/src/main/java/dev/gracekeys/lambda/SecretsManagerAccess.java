package dev.gracekeys.lambda;

import jakarta.inject.Singleton;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.util.function.Supplier;

/**
 * The container's one Secrets Manager client, built at its first use rather than at start-up: the
 * pepper source and token delivery share it, and a function that never reaches Secrets Manager
 * (a local stack with an inline pepper, a rotate without delivery) never builds it.
 */
@Singleton
public final class SecretsManagerAccess implements Supplier<SecretsManagerClient> {

    private final AwsClients clients;
    private final SdkHttpClient http;
    private volatile SecretsManagerClient client;

    public SecretsManagerAccess(AwsClients clients, SdkHttpClient http) {
        this.clients = clients;
        this.http = http;
    }

    @Override
    public SecretsManagerClient get() {
        SecretsManagerClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = clients.secretsManager(http);
                    client = c;
                }
            }
        }
        return c;
    }
}
