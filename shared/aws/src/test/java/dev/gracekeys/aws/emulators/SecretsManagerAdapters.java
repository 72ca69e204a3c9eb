package dev.gracekeys.aws.emulators;

import dev.gracekeys.core.ops.TokenDeliveryException;
import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.core.token.IssuedToken;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.PepperSource;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.aws.secretsmanager.SecretsManagerPepperSource;
import dev.gracekeys.aws.secretsmanager.SecretsManagerTokenDelivery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Secrets Manager adapters against an emulated Secrets Manager, through the real SDK client:
 * the pepper source reads the secret's {@code AWSCURRENT} and {@code AWSPREVIOUS} versions as a
 * pepper rotation (put-secret-value) moves them, and token delivery stages a new version, then
 * promotes it to {@code AWSCURRENT}. One contract, run against each emulator DESIGN.md names:
 * {@link SecretsManagerMotoIT} (moto's server) and {@link SecretsManagerLocalStackIT} (LocalStackContainers in
 * Docker), each skipped where its emulator is missing. Emulator tests: what only a fault can show
 * (AccessDenied) is in {@code SecretsManagerWireTest}, against a loopback server.
 */
abstract class SecretsManagerAdapters {

    private SecretsManagerClient secrets;

    private final SecureRandom random = new SecureRandom();

    /** An SDK client builder pointed at the emulator, with its region and credentials. */
    abstract <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder);

    @BeforeEach
    void client() {
        secrets = configure(SecretsManagerClient.builder()).build();
    }

    @AfterEach
    void close() {
        if (secrets != null) {
            secrets.close();
        }
    }

    // ---- the pepper --------------------------------------------------------------------------

    /**
     * A new secret has one version, AWSCURRENT: that is the pepper, with no previous one. After a
     * put-secret-value (docs/deployment.md, "Rotating the pepper") the new value is AWSCURRENT and
     * the old one AWSPREVIOUS, and both are read; after the next, the first pepper is gone.
     */
    @Test
    void pepperSource_readsAwsCurrent_andAfterARotationAwsPreviousToo() {
        String first = newPepper();
        String secretId = "gracekeys-pepper-" + UUID.randomUUID();
        secrets.createSecret(r -> r.name(secretId).secretString(first));
        SecretsManagerPepperSource source = new SecretsManagerPepperSource(secrets, secretId);

        PepperSource.Peppers initial = source.load();
        assertEquals(Pepper.fromBase64(first), initial.current());
        assertNull(initial.previous(), "a secret never rotated has no AWSPREVIOUS");

        String second = newPepper();
        secrets.putSecretValue(r -> r.secretId(secretId).secretString(second)); // as the runbook does
        PepperSource.Peppers rotated = source.load();
        assertEquals(Pepper.fromBase64(second), rotated.current());
        assertEquals(Pepper.fromBase64(first), rotated.previous());

        String third = newPepper();
        secrets.putSecretValue(r -> r.secretId(secretId).secretString(third));
        PepperSource.Peppers again = source.load();
        assertEquals(Pepper.fromBase64(third), again.current());
        assertEquals(Pepper.fromBase64(second), again.previous(), "the first pepper is no longer honoured");
    }

    /**
     * Running containers pick a pepper rotation up at their next refresh, without a restart: until
     * PEPPER_REFRESH_SECONDS have passed they hash with the pepper they loaded, then with the new one,
     * and still look tokens up under the old one.
     */
    @Test
    void pepperRing_picksARotationUp_afterTheRefreshInterval() {
        String first = newPepper();
        String secretId = "gracekeys-pepper-" + UUID.randomUUID();
        secrets.createSecret(r -> r.name(secretId).secretString(first));
        MutableClock clock = new MutableClock();
        PepperRing ring = new PepperRing(new SecretsManagerPepperSource(secrets, secretId), clock,
                Duration.ofSeconds(300), Runnable::run);
        String token = new SecureTokenGenerator(TokenFormat.defaults()).next().value();
        TokenHasher firstHasher = new TokenHasher(Pepper.fromBase64(first));
        assertEquals(firstHasher.keyOfToken(token), ring.view().current().keyOfToken(token));

        String second = newPepper();
        secrets.putSecretValue(r -> r.secretId(secretId).secretString(second));
        clock.advance(Duration.ofSeconds(299));
        assertEquals(firstHasher.keyOfToken(token), ring.view().current().keyOfToken(token), "not refreshed yet");

        clock.advance(Duration.ofSeconds(1));
        ring.view(); // past the refresh time: starts the refresh (here, on this thread) and answers with the old view
        PepperRing.View after = ring.view();
        assertEquals(new TokenHasher(Pepper.fromBase64(second)).keyOfToken(token), after.current().keyOfToken(token));
        assertNotNull(after.previous());
        assertEquals(firstHasher.keyOfToken(token), after.previous().keyOfToken(token));
        assertEquals(firstHasher, after.forNewTokens(clock.instant()),
                "a pepper just made current hashes new tokens only after every container has loaded it");
        assertEquals(new TokenHasher(Pepper.fromBase64(second)), after.forNewTokens(clock.instant().plus(ring.settle())));
    }

    // ---- token delivery ----------------------------------------------------------------------

    /**
     * stage + promote: the new token is AWSCURRENT, as {@code {"clientId","tokenId","token"}}; the
     * value consumers read before is AWSPREVIOUS; no version is left AWSPENDING.
     */
    @Test
    void delivery_stageThenPromote_makesTheNewTokenCurrent_andTheOldOnePrevious() {
        String secretId = "gracekeys/" + UUID.randomUUID();
        String old = "{\"clientId\":\"GRACE01\",\"tokenId\":\"gk_old000\",\"token\":\"the-old-token\"}";
        secrets.createSecret(r -> r.name(secretId).secretString(old));
        SecretsManagerTokenDelivery delivery = new SecretsManagerTokenDelivery(() -> secrets);
        IssuedToken token = new SecureTokenGenerator(TokenFormat.defaults()).next();

        String version = delivery.stage(secretId, "GRACE01", token);
        delivery.promote(secretId, version);

        Map<String, JsonNode> current = JsonNode.parser().parse(value(secretId, "AWSCURRENT")).asObject();
        assertEquals(List.of("clientId", "tokenId", "token"), List.copyOf(current.keySet()));
        assertEquals("GRACE01", current.get("clientId").text());
        assertEquals(token.tokenId(), current.get("tokenId").text());
        assertEquals(token.value(), current.get("token").text());
        assertEquals(old, value(secretId, "AWSPREVIOUS"));
        Map<String, List<String>> stages = secrets.describeSecret(r -> r.secretId(secretId)).versionIdsToStages();
        assertEquals(List.of("AWSCURRENT"), stages.get(version));
        assertFalse(stages.values().stream().anyMatch(s -> s.contains("AWSPENDING")), "left pending: " + stages);
    }

    /** Staged only (the rotation not stored yet): consumers still read the old token. */
    @Test
    void delivery_stageAlone_leavesAwsCurrentUnchanged() {
        String secretId = "gracekeys/" + UUID.randomUUID();
        String old = "{\"clientId\":\"GRACE02\",\"tokenId\":\"gk_old000\",\"token\":\"the-old-token\"}";
        secrets.createSecret(r -> r.name(secretId).secretString(old));
        IssuedToken token = new SecureTokenGenerator(TokenFormat.defaults()).next();

        String version = new SecretsManagerTokenDelivery(() -> secrets).stage(secretId, "GRACE02", token);

        assertEquals(old, value(secretId, "AWSCURRENT"));
        assertTrue(value(secretId, "AWSPENDING").contains(token.value()));
        assertEquals(List.of("AWSPENDING"), secrets.describeSecret(r -> r.secretId(secretId)).versionIdsToStages().get(version));
    }

    /** A secret that does not exist: a clear error that never quotes the token. */
    @Test
    void delivery_toAMissingSecret_failsWithoutQuotingTheToken() {
        IssuedToken token = new SecureTokenGenerator(TokenFormat.defaults()).next();
        TokenDeliveryException e = assertThrows(TokenDeliveryException.class, () ->
                new SecretsManagerTokenDelivery(() -> secrets).stage("gracekeys/missing-" + UUID.randomUUID(), "GRACE03", token));
        assertTrue(e.getMessage().contains("ResourceNotFoundException") && e.getMessage().contains("gracekeys/missing-")
                && e.getMessage().contains("nothing was rotated"), e.getMessage());
        assertFalse(e.getMessage().contains(token.value()));
    }

    /** versionWith: the version carrying a stage; null for a stage on no version, and for a missing secret. */
    @Test
    void delivery_versionWith_namesTheVersionCarryingAStage_orNullForNoneAndForAMissingSecret() {
        String secretId = "gracekeys/" + UUID.randomUUID();
        String current = secrets.createSecret(r -> r.name(secretId)
                .secretString("{\"clientId\":\"GRACE04\",\"tokenId\":\"gk_old000\",\"token\":\"the-old-token\"}"))
                .versionId();
        SecretsManagerTokenDelivery delivery = new SecretsManagerTokenDelivery(() -> secrets);
        assertEquals(current, delivery.versionWith(secretId, "AWSCURRENT"));
        assertNull(delivery.versionWith(secretId, "AWSPENDING"));
        String staged = delivery.stage(secretId, "GRACE04", new SecureTokenGenerator(TokenFormat.defaults()).next());
        assertEquals(staged, delivery.versionWith(secretId, "AWSPENDING"));
        assertNull(delivery.versionWith("gracekeys/missing-" + UUID.randomUUID(), "AWSCURRENT"));
    }

    /**
     * discard undoes a staging that was not stored: AWSPENDING goes back to the version a scheduled
     * rotation had it on (the staging took it), or, with none, comes off; AWSCURRENT is untouched.
     * Never throws, even for a missing secret.
     */
    @Test
    void delivery_discard_givesAwsPendingBackToTheVersionThatHadIt_orTakesItOff() {
        String secretId = "gracekeys/" + UUID.randomUUID();
        String old = "{\"clientId\":\"GRACE05\",\"tokenId\":\"gk_old000\",\"token\":\"the-old-token\"}";
        String current = secrets.createSecret(r -> r.name(secretId).secretString(old)).versionId();
        String rotation = UUID.randomUUID().toString(); // a scheduled rotation's createSecret
        secrets.putSecretValue(r -> r.secretId(secretId).clientRequestToken(rotation).versionStages("AWSPENDING")
                .secretString("{\"clientId\":\"GRACE05\",\"tokenId\":\"gk_new000\",\"token\":\"the-new-token\"}"));
        SecretsManagerTokenDelivery delivery = new SecretsManagerTokenDelivery(() -> secrets);

        String staged = delivery.stage(secretId, "GRACE05", new SecureTokenGenerator(TokenFormat.defaults()).next());
        assertEquals(staged, delivery.versionWith(secretId, "AWSPENDING"), "the staging took the label");
        delivery.discard(secretId, staged, rotation);
        Map<String, List<String>> stages = secrets.describeSecret(r -> r.secretId(secretId)).versionIdsToStages();
        assertEquals(List.of("AWSPENDING"), stages.get(rotation), "back on the rotation's version: " + stages);
        assertTrue(stages.getOrDefault(staged, List.of()).isEmpty(), "off the staged one: " + stages);
        assertEquals(List.of("AWSCURRENT"), stages.get(current));

        String again = delivery.stage(secretId, "GRACE05", new SecureTokenGenerator(TokenFormat.defaults()).next());
        delivery.discard(secretId, again, null);
        stages = secrets.describeSecret(r -> r.secretId(secretId)).versionIdsToStages();
        assertFalse(stages.values().stream().anyMatch(s -> s.contains("AWSPENDING")), "taken off: " + stages);
        assertEquals(old, value(secretId, "AWSCURRENT"));

        delivery.discard("gracekeys/missing-" + UUID.randomUUID(), again, null); // best effort: no exception
    }

    /** promote whose AWSPENDING another request took meanwhile: still delivered, no error. */
    @Test
    void delivery_promote_whoseLabelWasTakenMeanwhile_stillDelivers() {
        String secretId = "gracekeys/" + UUID.randomUUID();
        secrets.createSecret(r -> r.name(secretId)
                .secretString("{\"clientId\":\"GRACE06\",\"tokenId\":\"gk_old000\",\"token\":\"the-old-token\"}"));
        SecretsManagerTokenDelivery delivery = new SecretsManagerTokenDelivery(() -> secrets);
        IssuedToken token = new SecureTokenGenerator(TokenFormat.defaults()).next();
        String staged = delivery.stage(secretId, "GRACE06", token);
        String other = delivery.stage(secretId, "GRACE06", new SecureTokenGenerator(TokenFormat.defaults()).next());
        assertEquals(other, delivery.versionWith(secretId, "AWSPENDING"));

        delivery.promote(secretId, staged);
        assertTrue(value(secretId, "AWSCURRENT").contains(token.value()), "delivered");
    }

    private String value(String secretId, String stage) {
        return secrets.getSecretValue(r -> r.secretId(secretId).versionStage(stage)).secretString();
    }

    private String newPepper() {
        byte[] bytes = new byte[48]; // as `openssl rand -base64 48`
        random.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
