package dev.gracekeys.functions.backfill;

import dev.gracekeys.lambda.AwsClients;
import dev.gracekeys.lambda.Settings;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.s3.S3Client;

/** Backfill's S3 client, built the same way as every other client ({@link AwsClients#configure}). */
@Factory
class S3Factory {

    static final String S3_ENDPOINT = "S3_ENDPOINT";

    @Singleton
    S3Client s3(AwsClients clients, SdkHttpClient http, Settings settings) {
        return clients.configure(S3Client.builder(), http, S3_ENDPOINT)
                .forcePathStyle(settings.get(S3_ENDPOINT) != null) // local emulators serve path-style only
                .build();
    }
}
