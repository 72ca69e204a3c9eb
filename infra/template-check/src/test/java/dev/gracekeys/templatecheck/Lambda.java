package dev.gracekeys.templatecheck;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler;
import dev.gracekeys.functions.backfill.BackfillHandler;
import dev.gracekeys.functions.describe.DescribeHandler;
import dev.gracekeys.functions.expiresweep.ExpireSweepHandler;
import dev.gracekeys.functions.revokeold.RevokeOldHandler;
import dev.gracekeys.functions.rotate.RotateHandler;
import dev.gracekeys.functions.rotatesecret.RotateSecretHandler;
import dev.gracekeys.functions.setstatus.SetStatusHandler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eight functions of DESIGN.md, their handler classes, and what a contract run does with each:
 * its sample events from {@code events/<name>/}, chosen so that together they take every path
 * that reaches AWS (each kind of write in a transaction, each index, S3, the events each function
 * publishes, token delivery, a verify during a pepper rotation), since the checks
 * are only as good as the calls they see. Each run asserts its outcome, so a run that failed early
 * cannot pass for one that made no calls.
 */
enum Lambda {

    VERIFY_AUTHORIZER("verify-authorizer", VerifyAuthorizerHandler.class) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples(); // under the pepper that is now the previous one
            // Not found under the current pepper, found under the previous: allowed, and its last
            // use is written (none recorded yet). The token item is never moved (no re-keying).
            assertEquals(true, run.invoke("verify-authorizer/http-v2-current.json").get("isAuthorized"));
            int before = run.calls().size();
            assertEquals(true, run.invoke("verify-authorizer/http-v2-current.json").get("isAuthorized"));
            assertEquals(List.of("dynamodb:GetItem", "dynamodb:GetItem"), run.calls().subList(before, run.calls().size())
                    .stream().map(AwsCallRecorder.Call::action).toList(),
                    "a miss under the current pepper, a hit under the previous; last use is throttled");
            assertEquals(true, run.invoke("verify-authorizer/http-v2-previous.json").get("isAuthorized"));
            assertEquals(false, run.invoke("verify-authorizer/http-v2-expired-previous.json").get("isAuthorized"));
        }

        @Override
        boolean duringPepperRotation() {
            return true;
        }
    },

    ROTATE("rotate", RotateHandler.class, DomainEvent.CLIENT_CREATED, DomainEvent.TOKEN_ROTATED,
            DomainEvent.PREVIOUS_TOKEN_REVOKED) {
        @Override
        void exercise(FunctionRun run) {
            run.invoke("rotate/create.json");                                  // puts client and token
            // + moves current; delivers the new token to a secret under DeliverySecretsPrefix: stages
            // it (PutSecretValue), then moves AWSCURRENT to it (DescribeSecret, UpdateSecretVersionStage)
            Map<String, Object> rotated = run.invoke("rotate/rotate.json", Map.of("deliverToSecretId", DELIVERY_SECRET));
            assertEquals("SAMPLE01", rotated.get("clientId"));
            assertEquals(DELIVERY_SECRET, rotated.get("deliveredTo"));
            assertTrue(((String) rotated.get("message")).contains("The new token is delivered"), () -> "rotate: " + rotated);
            JsonNode delivered = json(run.aws().delivered().get(0));
            assertEquals("SAMPLE01", delivered.path("clientId").asText());
            assertEquals(rotated.get("tokenId"), delivered.path("tokenId").asText());
            assertEquals(rotated.get("token"), delivered.path("token").asText());
            // + deletes; the client remembers its delivery secret
            Map<String, Object> revoked = run.invoke("rotate/rotate-revoke-at-once.json");
            assertEquals(null, revoked.get("previous"));
            assertEquals(DELIVERY_SECRET, revoked.get("deliveredTo"));
            List<String> oneDelivery = List.of("PutSecretValue", "DescribeSecret", "UpdateSecretVersionStage",
                    "UpdateSecretVersionStage"); // stage; find AWSCURRENT; move it; drop AWSPENDING
            assertEquals(java.util.stream.Stream.of(oneDelivery, oneDelivery).flatMap(List::stream).toList(),
                    run.aws().secretsOperations());
            assertEquals(2, run.aws().delivered().size());
        }
    },

    REVOKE_OLD("revoke-old", RevokeOldHandler.class, DomainEvent.PREVIOUS_TOKEN_REVOKED) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples();
            assertEquals(false, run.invoke("revoke-old/reschedule.json").get("revoked")); // updates the item
            assertEquals(true, run.invoke("revoke-old/revoke-now.json").get("revoked"));  // deletes it
        }
    },

    DESCRIBE("describe", DescribeHandler.class) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples();
            assertEquals("SAMPLE01", run.invoke("describe/client.json").get("clientId"));
            assertEquals(2, ((java.util.List<?>) run.invoke("describe/list.json").get("clients")).size());
        }
    },

    SET_STATUS("set-status", SetStatusHandler.class, DomainEvent.CLIENT_STATUS_CHANGED) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples();
            assertEquals(false, run.invoke("set-status/deactivate.json").get("active"));
            // Past SAMPLE01's 24 h grace, reactivating also deletes the previous token that expired.
            run.kit.clock.advance(Duration.ofHours(25));
            assertEquals(true, run.invoke("set-status/reactivate.json").get("active"));
        }
    },

    BACKFILL("backfill", BackfillHandler.class, DomainEvent.BACKFILL_COMPLETED) {
        @Override
        void exercise(FunctionRun run) {
            assertEquals(1, run.invoke("backfill/dry-run.json").get("imported"));
            assertEquals(2, run.invoke("backfill/records.json").get("imported"));
            Map<String, Object> fromS3 = run.invoke("backfill/s3.json"); // the loopback S3's two records
            assertEquals(2, fromS3.get("imported"), () -> "s3 import: " + fromS3);
        }
    },

    EXPIRE_SWEEP("expire-sweep", ExpireSweepHandler.class, DomainEvent.PREVIOUS_TOKEN_EXPIRED,
            DomainEvent.PREVIOUS_TOKEN_EXPIRING_SOON) {
        @Override
        void exercise(FunctionRun run) {
            run.kit.seedSamples(); // SAMPLE02's previous token has expired; SAMPLE01's expires within 24 h
            Map<String, Object> swept = run.invoke("expire-sweep/scheduled.json");
            assertEquals(1, swept.get("expired"), () -> "sweep: " + swept);
            assertEquals(1, swept.get("expiringSoon"), () -> "sweep: " + swept);
            assertEquals(0, run.invoke("expire-sweep/empty.json").get("expired"));
        }
    },

    ROTATE_SECRET("rotate-secret", RotateSecretHandler.class, DomainEvent.TOKEN_ROTATED) {
        @Override
        void exercise(FunctionRun run) {
            // SAMPLE04 delivers to ROTATION_SECRET; Secrets Manager has started a rotation (the stub T).
            String old = createDelivering(run, "SAMPLE04", ROTATION_SECRET);
            String oldTokenId = dev.gracekeys.core.token.TokenFormat.defaults().tokenIdOf(old);
            run.aws().startRotation(ROTATION_SECRET, ROTATION_TOKEN);
            // Each step reads the secret (DescribeSecret, GetSecretValue); createSecret writes the
            // pending token (PutSecretValue), setSecret stores it beside the current one, testSecret
            // verifies it, finishSecret moves AWSCURRENT (UpdateSecretVersionStage) and promotes it.
            for (String step : List.of("rotate-secret/create-secret.json", "rotate-secret/set-secret.json",
                    "rotate-secret/test-secret.json", "rotate-secret/finish-secret.json")) {
                run.invoke(step);
            }
            JsonNode current = json(run.aws().valueWith(ROTATION_SECRET, "AWSCURRENT"));
            assertEquals("SAMPLE04", current.path("clientId").asText());
            assertTrue(!oldTokenId.equals(current.path("tokenId").asText()), "AWSCURRENT holds the new token");
            assertTrue(run.kit.core().verifier().verify(current.path("token").asText()).allowed());
            assertTrue(run.kit.core().verifier().verify(old).allowed(), "the old token keeps its grace window");
        }
    };

    /** The secret rotate-secret's run rotates (events/rotate-secret/), under DeliverySecretsPrefix's default. */
    static final String ROTATION_SECRET = "gracekeys/sample04";
    /** The rotation the samples name (their ClientRequestToken). */
    static final String ROTATION_TOKEN = "5f0c7d1e-3b8a-4c2f-9e61-0a7b4d2c8f35";

    /**
     * Creates {@code clientId} delivering to {@code secretId}, as rotate with create and
     * deliverToSecretId does, outside the function's run (its calls are not the function's): the
     * run's loopback Secrets Manager gets the secret with the client's current token as AWSCURRENT.
     * Answers that token.
     */
    static String createDelivering(FunctionRun run, String clientId, String secretId) {
        dev.gracekeys.core.GraceKeys seeding = dev.gracekeys.store.dynamodb.DynamoDbGraceKeys.builder(
                        dev.gracekeys.core.GraceKeysConfig.fromEnv(run.kit.settings()), run.kit.table.client())
                .pepper(dev.gracekeys.core.testing.Fixture.PEPPER).clock(run.kit.clock)
                .delivery(new dev.gracekeys.core.ops.TokenDelivery() {
                    @Override
                    public String stage(String secret, String client, dev.gracekeys.core.token.IssuedToken token) {
                        String tokenId = token.tokenId();
                        run.aws().rotationSecret(secret, "{\"clientId\":\"" + client + "\",\"tokenId\":\"" + tokenId
                                + "\",\"token\":\"" + token.value() + "\"}");
                        return "v1";
                    }

                    @Override
                    public void promote(String secret, String versionId) {
                    }
                })
                .build();
        seeding.tokens().rotate(new dev.gracekeys.core.ops.Requests.RotateRequest(clientId, null, true, null, secretId));
        // Rotated once more with a 60 s grace, and the clock moved past it: the client holds an
        // expired previous token the sweep has not removed yet, which finishSecret's promotion
        // deletes (a DeleteItem). A live one would refuse the rotation (GraceWindowOpenException:
        // a scheduled rotation never cuts a grace window short).
        String token = seeding.tokens().rotate(new dev.gracekeys.core.ops.Requests.RotateRequest(clientId, 60L, null,
                null)).token();
        run.kit.clock.advance(java.time.Duration.ofSeconds(61));
        return token;
    }

    /** The LegacyKeyPattern the runs deploy with, so backfill's samples (legacy-sample-key-...) import. */
    static final String SAMPLE_LEGACY_KEYS = "legacy-[a-z0-9-]{16,64}";

    /** The secret rotate delivers to in its run: under DeliverySecretsPrefix's default. */
    static final String DELIVERY_SECRET = "gracekeys/sample";

    /** The function's name in DESIGN.md, of its module under functions/, and of its jar. */
    final String lambdaName;
    final Class<?> handlerClass;
    /** The events (detail-types) its run must publish; none for the two that never publish. */
    final Set<String> publishes;

    Lambda(String lambdaName, Class<?> handlerClass, String... publishes) {
        this.lambdaName = lambdaName;
        this.handlerClass = handlerClass;
        this.publishes = Set.of(publishes);
    }

    /** Invokes the function's samples; assertions inside fail the test if one did not do its job. */
    abstract void exercise(FunctionRun run);

    /**
     * Whether it hashes tokens and so needs the pepper: verify-authorizer, rotate, backfill,
     * rotate-secret (its setSecret stores the pending token's hash, its testSecret verifies). The
     * others are deployed without the pepper secret and run here without any pepper.
     */
    boolean hashesTokens() {
        return this == VERIFY_AUTHORIZER || this == ROTATE || this == BACKFILL || this == ROTATE_SECRET;
    }

    /**
     * Whether the run holds a new pepper as current and the samples' as previous (a pepper rotation
     * under way), so that the verify finds tokens under the previous pepper's key (nothing re-keys).
     */
    boolean duringPepperRotation() {
        return false;
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** rotate to RotateFunction, verify-authorizer to VerifyAuthorizerFunction. */
    String logicalId() {
        StringBuilder id = new StringBuilder();
        for (String part : lambdaName.split("-")) {
            id.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
        }
        return id.append("Function").toString();
    }

    /** The jar {@code ./mvnw package} builds, which the template's CodeUri must name. */
    String codeUri() {
        return "functions/" + lambdaName + "/target/" + lambdaName + ".jar";
    }
}
