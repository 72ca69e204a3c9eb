package dev.gracekeys.core;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.metrics.Metric;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.RotationSecret;
import dev.gracekeys.core.ops.SecretRotation;
import dev.gracekeys.core.ops.SecretRotation.Step;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.testing.InMemorySecretsManager;
import dev.gracekeys.core.verify.Verdict;
import dev.gracekeys.core.verify.Verdict.DenyReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Scheduled rotation through Secrets Manager's four steps (rotate-secret, {@link SecretRotation}),
 * with the real core, a test clock and Secrets Manager's versions and stages in memory
 * ({@link InMemorySecretsManager}), over the store a subclass gives: the in-memory store
 * ({@link ScheduledRotationTest}, with the fault and consumer scenarios) and DynamoDB Local
 * ({@code ScheduledRotationIT}). Every scenario checks the stored state's invariants.
 */
abstract class ScheduledRotationSemantics {

    protected static final String CLIENT = "GRACE01";
    protected static final String SECRET = "gracekeys/GRACE01";

    /** A fixture over the store under test, with the tests' default settings changed by {@code settings}. */
    protected abstract Fixture fixture(UnaryOperator<GraceKeysConfig> settings);

    /** One client delivering to {@link #SECRET}, a core whose rotate-secret works on an in-memory Secrets Manager. */
    protected final class World {
        final Fixture f;
        final InMemorySecretsManager sm = new InMemorySecretsManager();
        final List<String> rotations = Collections.synchronizedList(new ArrayList<>());
        final GraceKeys core;
        final String firstToken;
        private final Metrics metrics = (metric, dimension, value, properties) -> {
            if (metric == Metric.ROTATIONS) {
                rotations.add(properties.get("tokenId"));
            }
        };

        World(UnaryOperator<GraceKeysConfig> settings) {
            f = fixture(settings);
            sm.createSecret(SECRET, null);
            core = f.coreBuilder().rotationSecret(sm).delivery(sm.delivery()).metrics(metrics).build();
            firstToken = core.tokens().rotate(new RotateRequest(CLIENT, null, true, null, SECRET)).token();
            rotations.clear();
            f.events.clear();
        }

        void step(Step step, String t) {
            core.secretRotation().run(step, SECRET, t);
        }

        /** Another core over the same store and Secrets Manager with changed settings (a redeploy between steps). */
        GraceKeys coreWith(UnaryOperator<GraceKeysConfig> settings) {
            return f.backing.coreBuilder(settings.apply(f.config)).pepper(Fixture.PEPPER).events(f.events)
                    .clock(f.clock).rotationSecret(sm).delivery(sm.delivery()).metrics(metrics).build();
        }

        /** Runs {@code steps} of a new rotation; returns its rotation token. */
        String rotation(Step... steps) {
            String t = sm.startRotation(SECRET);
            for (Step s : steps) {
                step(s, t);
            }
            return t;
        }

        String fullRotation() {
            return rotation(Step.values());
        }

        /** A new rotation through testSecret, ready for finishSecret; returns its rotation token. */
        String readyToFinish() {
            return rotation(Step.CREATE_SECRET, Step.SET_SECRET, Step.TEST_SECRET);
        }

        /** The token a consumer reading AWSCURRENT gets now. */
        String current() {
            return tokenOf(sm.currentValue(SECRET));
        }

        /** The token version {@code t} holds (null if none). */
        String tokenAt(String t) {
            return tokenOf(sm.value(SECRET, t, RotationSecret.PENDING));
        }

        Verdict verify(String token) {
            return core.verifier().verify(token);
        }

        ClientView describe() {
            return core.tokens().describe(CLIENT);
        }

        /** Everything that could change: the store, the secret's versions, the events, the metrics. */
        List<Object> state() {
            return List.of(f.snapshot(), sm.snapshot(), f.events.events(), List.copyOf(rotations));
        }
    }

    protected World world() {
        return new World(UnaryOperator.identity());
    }

    /** {@code c} with DEFAULT_GRACE_SECONDS = {@code grace}. */
    protected static GraceKeysConfig withGrace(GraceKeysConfig c, Duration grace) {
        return new GraceKeysConfig(c.tableName(), c.tokenPrefix(), c.legacyKeyPattern(), c.maxPreviousTokens(), grace,
                c.maxGrace(), c.lastUseInterval(), c.verifyTimeout(), c.ttlDelay(), c.authorizerCacheTtl());
    }

    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");

    protected static String tokenOf(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = TOKEN.matcher(value);
        return m.find() ? m.group(1) : null;
    }

    // ---- the whole rotation ----------------------------------------------------------------------

    // The four steps: the new token verifies as pending from setSecret on, beside the current one;
    // finishSecret moves AWSCURRENT and then promotes: old token previous for the default grace.
    @Test
    void wholeRotation_pendingVerifiesFromSetSecret_finishMovesTheStageAndStartsTheGraceWindow() {
        World w = world();
        String oldVersion = w.sm.versionWith(SECRET, RotationSecret.CURRENT);
        String t = w.sm.startRotation(SECRET);

        w.step(Step.CREATE_SECRET, t);
        String next = w.tokenAt(t);
        assertNotNull(next);
        assertEquals(DenyReason.UNKNOWN, w.verify(next).reason(), "createSecret writes nothing to DynamoDB");
        assertEquals(w.firstToken, w.current());

        w.f.clock.advance(Duration.ofMinutes(1));
        Instant stagedAt = w.f.clock.instant();
        w.step(Step.SET_SECRET, t);
        Verdict pending = w.verify(next);
        assertTrue(pending.allowed());
        assertEquals(TokenSlot.PENDING, pending.slot());
        assertEquals(CLIENT, pending.clientId());
        assertNull(pending.previousExpiresAt());
        assertEquals(TokenSlot.CURRENT, w.verify(w.firstToken).slot());
        ClientView view = w.describe();
        assertEquals(stagedAt.plus(hours(24)), view.pending().expiresAt());
        assertEquals(stagedAt, view.pending().createdAt());
        assertNull(view.previous(), "no grace clock before finishSecret");
        assertEquals(List.of(), w.f.violations());

        w.step(Step.TEST_SECRET, t);
        assertEquals(w.firstToken, w.current(), "testSecret moves nothing");

        w.f.clock.advance(Duration.ofMinutes(1));
        Instant finishedAt = w.f.clock.instant();
        w.step(Step.FINISH_SECRET, t);

        assertEquals(next, w.current());
        assertTrue(w.sm.stagesOf(SECRET, t).contains(RotationSecret.CURRENT));
        assertTrue(w.sm.stagesOf(SECRET, oldVersion).contains(RotationSecret.PREVIOUS));
        Verdict fresh = w.verify(next);
        assertEquals(TokenSlot.CURRENT, fresh.slot());
        Verdict old = w.verify(w.firstToken);
        assertEquals(TokenSlot.PREVIOUS, old.slot());
        assertEquals(finishedAt.plus(w.f.config.defaultGrace()), old.previousExpiresAt());
        view = w.describe();
        assertNull(view.pending());
        assertEquals(fresh.tokenId(), view.current().tokenId());

        List<DomainEvent> rotated = w.f.events.ofType(DomainEvent.TOKEN_ROTATED);
        assertEquals(1, rotated.size());
        assertEquals(Map.of("clientId", CLIENT, "tokenId", fresh.tokenId(), "previousTokenId", old.tokenId(),
                "previousExpiresAt", finishedAt.plus(hours(24)).toString(), "rotatedAt", finishedAt.toString()),
                rotated.get(0).detail());
        assertEquals(1, w.f.events.events().size());
        assertEquals(List.of(fresh.tokenId()), w.rotations);
        assertFalse(w.f.events.events().toString().contains(next), "no token in an event");
        assertEquals(List.of(), w.f.violations());

        w.f.clock.advance(hours(24));
        assertEquals(DenyReason.EXPIRED, w.verify(w.firstToken).reason(), "the old token stops after grace");
        assertTrue(w.verify(next).allowed());
    }

    // Idempotent per rotation token: each step run twice more changes nothing more.
    @Test
    void everyStep_retriedTwice_changesNothingMore() {
        World w = world();
        String t = w.sm.startRotation(SECRET);
        for (Step step : Step.values()) {
            w.step(step, t);
            w.f.clock.advance(Duration.ofSeconds(30));
            List<Object> after = w.state();
            w.step(step, t);
            w.step(step, t);
            assertEquals(after, w.state(), step.wireName() + " retried");
        }
        assertEquals(1, w.rotations.size());
        // Every step of the finished rotation returns, changing nothing.
        List<Object> done = w.state();
        for (Step step : Step.values()) {
            w.step(step, t);
        }
        assertEquals(done, w.state());
        assertEquals(List.of(), w.f.violations());
    }

    // A failure before any step (Secrets Manager unreachable) changes nothing; the retry goes on.
    @Test
    void aFailureBetweenEveryPairOfSteps_changesNothing_andTheRetryCompletes() {
        World w = world();
        String t = w.sm.startRotation(SECRET);
        for (Step step : Step.values()) {
            List<Object> before = w.state();
            w.sm.failNext("describe", 1);
            assertThrows(dev.gracekeys.core.ops.TokenDeliveryException.class, () -> w.step(step, t));
            assertEquals(before, w.state(), step.wireName() + " failed: nothing changed");
            w.step(step, t);
        }
        assertEquals(w.tokenAt(t), w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(w.current()).slot());
        assertEquals(TokenSlot.PREVIOUS, w.verify(w.firstToken).slot());
        assertEquals(List.of(), w.f.violations());
    }

    // createSecret's write fails: nothing stored; the retry writes the token.
    @Test
    void createSecret_whosePutFails_storesNothing_andItsRetryPutsTheToken() {
        World w = world();
        String t = w.sm.startRotation(SECRET);
        w.sm.failNext("putPending", 1);
        assertThrows(dev.gracekeys.core.ops.TokenDeliveryException.class, () -> w.step(Step.CREATE_SECRET, t));
        assertNull(w.tokenAt(t));
        w.step(Step.CREATE_SECRET, t);
        assertNotNull(w.tokenAt(t));
    }

    // finishSecret's stage move fails: AWSCURRENT and the tokens' slots are as before (only the finishing
    // mark, written first, stays: the pending token no longer expires); the retry finishes.
    @Test
    void finishSecret_whoseStageMoveFails_promotesNothing_andItsRetryFinishes() {
        World w = world();
        String t = w.readyToFinish();
        String next = w.tokenAt(t);
        var secretBefore = w.sm.snapshot();
        Instant markedAt = finishFailingAtTheMove(w, t);
        assertEquals(secretBefore, w.sm.snapshot(), "AWSCURRENT not moved");
        assertEquals(w.firstToken, w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(w.firstToken).slot());
        assertEquals(TokenSlot.PENDING, w.verify(next).slot());
        assertEquals(markedAt, w.describe().pending().finishingSince());
        assertNull(w.describe().pending().expiresAt(), "finishing: no expiry");
        assertEquals(List.of(), w.f.events.events());
        assertEquals(List.of(), w.rotations);
        assertEquals(List.of(), w.f.violations());

        w.step(Step.FINISH_SECRET, t);
        assertEquals(next, w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(w.current()).slot());
        assertNull(w.describe().pending());
        assertEquals(List.of(), w.f.violations());
    }

    // A finishSecret that moved the stage and stopped before DynamoDB's promotion: both tokens verify,
    // no grace clock runs; any later step of the rotation, or the next rotation, completes it.
    @Test
    void stageMovedButPromotionLost_bothVerify_noGraceClock_andTheRetriedFinishCompletesIt() {
        World w = world();
        String t = w.readyToFinish();
        w.sm.moveStageByHand(SECRET, RotationSecret.CURRENT, t); // what a finishSecret dying after the move leaves

        String next = w.current();
        assertEquals(TokenSlot.PENDING, w.verify(next).slot());
        assertEquals(TokenSlot.CURRENT, w.verify(w.firstToken).slot());
        assertNull(w.verify(w.firstToken).previousExpiresAt(), "no grace clock has started");

        w.f.clock.advance(hours(1));
        Instant finishedAt = w.f.clock.instant();
        w.step(Step.FINISH_SECRET, t);
        assertEquals(TokenSlot.CURRENT, w.verify(next).slot());
        assertEquals(finishedAt.plus(hours(24)), w.verify(w.firstToken).previousExpiresAt(),
                "the grace window runs from the promotion");
        assertEquals(1, w.rotations.size());
        assertEquals(List.of(), w.f.violations());
    }

    @Test
    void stageMovedButPromotionLost_theNextRotationsFirstStepCompletesIt() {
        World w = world();
        String t1 = w.readyToFinish();
        w.sm.moveStageByHand(SECRET, RotationSecret.CURRENT, t1);
        String second = w.current();

        String t2 = w.sm.startRotation(SECRET);
        // The interrupted promotion is completed first; then this rotation may not start while the
        // first token's grace window (which that promotion started) runs (review F1).
        assertThrows(GraceWindowOpenException.class, () -> w.step(Step.CREATE_SECRET, t2));
        assertEquals(TokenSlot.CURRENT, w.verify(second).slot(), "the interrupted promotion is done first");
        assertEquals(TokenSlot.PREVIOUS, w.verify(w.firstToken).slot());
        assertEquals(1, w.rotations.size());
        w.f.clock.advance(w.f.config.defaultGrace()); // Secrets Manager retries after it
        for (Step s : Step.values()) {
            w.step(s, t2);
        }
        assertEquals(TokenSlot.CURRENT, w.verify(w.current()).slot());
        assertEquals(TokenSlot.PREVIOUS, w.verify(second).slot());
        assertEquals(2, w.rotations.size());
        assertEquals(List.of(), w.f.violations());
    }

    // ---- abandoned rotations ---------------------------------------------------------------------

    // Abandoned after setSecret: the old token stays current with no expiry, the pending one stops
    // by itself 24 h after it was staged, and the next change of the client drops it.
    @Test
    void abandonedRotation_leavesTheOldTokenCurrent_andThePendingTokenExpiresAfter24Hours() {
        World w = world();
        Instant stagedAt = w.f.clock.instant();
        String t = w.rotation(Step.CREATE_SECRET, Step.SET_SECRET);
        String pending = w.tokenAt(t);

        w.f.clock.set(stagedAt.plus(hours(24)).minusSeconds(1));
        assertTrue(w.verify(pending).allowed());
        w.f.clock.set(stagedAt.plus(hours(24)));
        assertEquals(DenyReason.EXPIRED, w.verify(pending).reason());
        assertNull(w.describe().pending());

        w.f.clock.advance(Duration.ofDays(60));
        Verdict old = w.verify(w.firstToken);
        assertEquals(TokenSlot.CURRENT, old.slot());
        assertNull(old.previousExpiresAt());
        assertEquals(w.firstToken, w.current());
        assertEquals(List.of(), w.f.events.events());
        assertEquals(List.of(), w.f.violations());

        // The next change of the client (here set-status) drops the expired pending token.
        w.core.tokens().setStatus(new StatusRequest(CLIENT, false, null));
        assertNull(w.f.core.store().findClient(CLIENT).orElseThrow().pending());
        assertEquals(DenyReason.UNKNOWN, w.verify(pending).reason());
        assertEquals(List.of(), w.f.violations());
    }

    // Secrets Manager refuses a new rotation while AWSPENDING is left on an abandoned version; once
    // an operator removes it, the next rotation replaces the abandoned pending token.
    @Test
    void nextRotation_replacesAnAbandonedPendingToken() {
        World w = world();
        String t1 = w.rotation(Step.CREATE_SECRET, Step.SET_SECRET);
        String abandoned = w.tokenAt(t1);
        assertThrows(IllegalStateException.class, () -> w.sm.startRotation(SECRET));
        w.sm.moveStageByHand(SECRET, RotationSecret.PENDING, null);
        w.f.clock.advance(hours(2));

        String t2 = w.rotation(Step.CREATE_SECRET, Step.SET_SECRET);
        assertEquals(DenyReason.UNKNOWN, w.verify(abandoned).reason(), "the abandoned pending token is deleted");
        assertEquals(TokenSlot.PENDING, w.verify(w.tokenAt(t2)).slot());
        assertEquals(List.of(), w.f.violations());
        w.step(Step.TEST_SECRET, t2);
        w.step(Step.FINISH_SECRET, t2);
        assertEquals(TokenSlot.CURRENT, w.verify(w.current()).slot());
        assertEquals(List.of(), w.f.violations());
    }

    // ---- refusals --------------------------------------------------------------------------------

    @Test
    void aSecretThatIsNotADeliverySecret_isRefused_andNothingChanges() {
        World w = world();
        String t = w.sm.startRotation(SECRET);
        w.sm.createSecret("db-password", "hunter2-secret-value");
        String otherT = w.sm.startRotation("db-password");
        w.sm.createSecret("json", "{\"username\":\"admin\",\"password\":\"hunter2-secret-value\"}");
        String jsonT = w.sm.startRotation("json");
        w.sm.createSecret("empty", null);
        String emptyT = w.sm.startRotation("empty");
        List<Object> before = w.state();

        for (Step step : Step.values()) {
            for (String[] secretAndT : List.of(new String[]{"db-password", otherT}, new String[]{"json", jsonT},
                    new String[]{"empty", emptyT})) {
                ValidationException e = assertThrows(ValidationException.class,
                        () -> w.core.secretRotation().run(step, secretAndT[0], secretAndT[1]));
                assertTrue(e.getMessage().contains("not a GraceKeys delivery secret"), e.getMessage());
                assertTrue(e.getMessage().contains("deliverToSecretId"), e.getMessage());
                assertFalse(e.getMessage().contains("hunter2"), "never a secret value: " + e.getMessage());
            }
        }
        assertEquals(before, w.state());
        assertNotNull(t);
    }

    // A copy of the client's value in a secret the client does not deliver to is not its delivery
    // secret; nor is a value naming a client that does not exist.
    @Test
    void aSecretOfAnotherClient_orOfNoClient_isRefused_andNothingChanges() {
        World w = world();
        w.core.tokens().rotate(new RotateRequest("OTHER01", null, true, null));
        w.sm.createSecret("copy", w.sm.currentValue(SECRET));
        String copyT = w.sm.startRotation("copy");
        w.sm.createSecret("other", "{\"clientId\":\"OTHER01\",\"tokenId\":\"gk_abc\",\"token\":\"gk_whatever\"}");
        String otherT = w.sm.startRotation("other");
        w.sm.createSecret("ghost", "{\"clientId\":\"GHOST01\",\"tokenId\":\"gk_abc\",\"token\":\"gk_whatever\"}");
        String ghostT = w.sm.startRotation("ghost");
        List<Object> before = w.state();

        for (Step step : Step.values()) {
            ValidationException copy = assertThrows(ValidationException.class,
                    () -> w.core.secretRotation().run(step, "copy", copyT));
            assertTrue(copy.getMessage().contains("delivers its tokens to another secret"), copy.getMessage());
            assertFalse(copy.getMessage().contains(w.firstToken));
            ValidationException other = assertThrows(ValidationException.class,
                    () -> w.core.secretRotation().run(step, "other", otherT));
            assertTrue(other.getMessage().contains("has no delivery secret"), other.getMessage());
            ValidationException ghost = assertThrows(ValidationException.class,
                    () -> w.core.secretRotation().run(step, "ghost", ghostT));
            assertTrue(ghost.getMessage().contains("does not exist"), ghost.getMessage());
        }
        assertEquals(before, w.state());
    }

    // The delivery secret itself, named by its ARN, is the same secret.
    @Test
    void theDeliverySecret_namedByItsArn_rotates() {
        World w = world();
        String t = w.sm.startRotation(SECRET);
        for (Step step : Step.values()) {
            w.core.secretRotation().run(step, InMemorySecretsManager.arn(SECRET), t);
        }
        assertEquals(w.tokenAt(t), w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(w.current()).slot());
    }

    @Test
    void aVersionThatIsNotTheSecrets_orNotPending_isRefused_andNothingChanges() {
        World w = world();
        w.fullRotation();
        String old = w.sm.versionWith(SECRET, RotationSecret.PREVIOUS);
        List<Object> before = w.state();
        for (Step step : Step.values()) {
            ValidationException unknown = assertThrows(ValidationException.class,
                    () -> w.step(step, "00000000-0000-0000-0000-000000000000"));
            assertTrue(unknown.getMessage().contains("00000000-0000-0000-0000-000000000000 is not a version"),
                    unknown.getMessage());
            ValidationException notPending = assertThrows(ValidationException.class, () -> w.step(step, old));
            assertTrue(notPending.getMessage().contains("neither AWSPENDING nor AWSCURRENT"), notPending.getMessage());
            assertThrows(ValidationException.class, () -> w.step(step, null));
            assertThrows(ValidationException.class, () -> w.core.secretRotation().run(step, null, old));
            assertThrows(ValidationException.class, () -> w.core.secretRotation().run(step, " ", old));
        }
        assertThrows(ValidationException.class, () -> w.core.secretRotation().run(null, SECRET, old));
        assertEquals(before, w.state());
    }

    // Version T holds a value someone else put: it is not this rotation's token; refused, nothing changes.
    @Test
    void aPendingVersionWithAForeignValue_isRefused_andNothingChanges() {
        World w = world();
        String t = w.sm.startRotation(SECRET);
        w.sm.putPending(SECRET, t, "{\"clientId\":\"OTHER01\",\"tokenId\":\"gk_abc\",\"token\":\"gk_hunter2\"}");
        List<Object> before = w.state();
        for (Step step : Step.values()) {
            ValidationException e = assertThrows(ValidationException.class, () -> w.step(step, t));
            assertFalse(e.getMessage().contains("gk_hunter2"), e.getMessage());
        }
        assertEquals(before, w.state());

        String t2 = rotationWithValue(w, "not json at all: hunter2");
        for (Step step : Step.values()) {
            ValidationException e = assertThrows(ValidationException.class, () -> w.step(step, t2));
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        }
        // The client's own id but no GraceKeys token in it.
        String t3 = rotationWithValue(w, "{\"clientId\":\"" + CLIENT + "\",\"tokenId\":\"gk_abc\",\"token\":\"hunter2\"}");
        for (Step step : List.of(Step.SET_SECRET, Step.TEST_SECRET, Step.FINISH_SECRET)) {
            ValidationException e = assertThrows(ValidationException.class, () -> w.step(step, t3));
            assertTrue(e.getMessage().contains("does not hold a GraceKeys token value"), e.getMessage());
        }
        assertEquals(w.firstToken, w.current());
        assertEquals(List.of(), w.f.violations());
    }

    /** A new rotation whose version T someone filled with {@code value} (after removing the old AWSPENDING). */
    private static String rotationWithValue(World w, String value) {
        w.sm.moveStageByHand(SECRET, RotationSecret.PENDING, null);
        String t = w.sm.startRotation(SECRET);
        w.sm.putPending(SECRET, t, value);
        return t;
    }

    // Version T holds another client's real token (copied from its delivery secret): refused, and
    // that token is never staged for this client.
    @Test
    void aPendingVersionHoldingAnotherClientsToken_isRefused_andNothingChanges() {
        World w = world();
        w.sm.createSecret("other", null);
        String othersToken = w.core.tokens().rotate(new RotateRequest("OTHER01", null, true, null, "other")).token();
        String t = w.sm.startRotation(SECRET);
        w.sm.putPending(SECRET, t, w.sm.currentValue("other"));
        List<Object> before = w.state();
        for (Step step : Step.values()) {
            ValidationException e = assertThrows(ValidationException.class, () -> w.step(step, t));
            assertFalse(e.getMessage().contains(othersToken), e.getMessage());
        }
        assertEquals(before, w.state());
        assertEquals("OTHER01", w.verify(othersToken).clientId());
    }

    // An operator labels AWSPENDING on an old version whose token the client has already (here its
    // previous one): setSecret refuses to stage it again, and nothing changes.
    @Test
    void setSecret_refusesAVersionWhoseTokenTheClientHasAlready() {
        World w = world();
        String t1 = w.fullRotation();
        w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null)); // t1's token is previous now
        w.sm.moveStageByHand(SECRET, RotationSecret.PENDING, t1);
        List<Object> before = w.state();
        ValidationException e = assertThrows(ValidationException.class, () -> w.step(Step.SET_SECRET, t1));
        assertTrue(e.getMessage().contains("has already"), e.getMessage());
        assertEquals(before, w.state());
        assertEquals(List.of(), w.f.violations());
    }

    // AWSCURRENT on a finished rotation's version whose token the client no longer has (its pending
    // token expired and was dropped after a crash between the stage move and the promotion): every
    // step says how to move AWSCURRENT back. If the token is the client's live previous, all is well.
    @Test
    void aFinishedRotationWhosePendingTokenWasLost_isReported_withTheCommandToMoveAwsCurrentBack() {
        World w = world();
        String t = w.readyToFinish();
        w.sm.moveStageByHand(SECRET, RotationSecret.CURRENT, t); // finishSecret died after the move
        w.f.clock.advance(hours(25));
        w.core.tokens().setStatus(new StatusRequest(CLIENT, false, null)); // drops the expired pending token
        w.core.tokens().setStatus(new StatusRequest(CLIENT, true, null));
        List<Object> before = w.state();
        for (Step step : Step.values()) {
            ValidationException e = assertThrows(ValidationException.class, () -> w.step(step, t));
            assertTrue(e.getMessage().contains("update-secret-version-stage --secret-id " + SECRET), e.getMessage());
            assertTrue(e.getMessage().contains("--remove-from-version-id " + t), e.getMessage());
        }
        assertEquals(before, w.state());
    }

    @Test
    void aFinishedRotationWhoseTokenIsTheClientsLivePrevious_returns() {
        World w = world();
        String t = w.fullRotation();
        String manual = w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null)).token();
        w.sm.moveStageByHand(SECRET, RotationSecret.CURRENT, t); // an operator rolls the secret back
        List<Object> before = w.state();
        for (Step step : Step.values()) {
            w.step(step, t);
        }
        assertEquals(before, w.state());
        assertEquals(TokenSlot.CURRENT, w.verify(manual).slot());
    }

    // A value naming a client that does not exist is quoted in the message, unless it looks like a token.
    @Test
    void aValueNamingATokenAsClient_isRefused_withoutQuotingIt() {
        World w = world();
        String token = w.core.tokens().rotate(new RotateRequest("OTHER01", null, true, null)).token();
        w.sm.createSecret("pasted", "{\"clientId\":\"" + token + "\",\"tokenId\":\"gk_abc\",\"token\":\"" + token + "\"}");
        String t = w.sm.startRotation("pasted");
        ValidationException e = assertThrows(ValidationException.class,
                () -> w.core.secretRotation().run(Step.CREATE_SECRET, "pasted", t));
        assertTrue(e.getMessage().contains("names a client, which does not exist"), e.getMessage());
        assertFalse(e.getMessage().contains(token), e.getMessage());
        assertTrue(e.getMessage().contains("{\"clientId\":\"<clientId>\",\"deliverToSecretId\":\"pasted\"}"),
                e.getMessage());
        w.sm.createSecret("ghost", "{\"clientId\":\"GHOST01\",\"tokenId\":\"gk_abc\",\"token\":\"gk_x\"}");
        String t2 = w.sm.startRotation("ghost");
        assertTrue(assertThrows(ValidationException.class, () -> w.core.secretRotation().run(Step.CREATE_SECRET, "ghost", t2))
                .getMessage().contains("names client 'GHOST01', which does not exist"));
    }

    // Steps out of order: setSecret, testSecret or finishSecret before createSecret find no value.
    @Test
    void stepsBeforeCreateSecret_areRefused_andChangeNothing() {
        World w = world();
        String t = w.sm.startRotation(SECRET);
        List<Object> before = w.state();
        for (Step step : List.of(Step.SET_SECRET, Step.TEST_SECRET, Step.FINISH_SECRET)) {
            ValidationException e = assertThrows(ValidationException.class, () -> w.step(step, t));
            assertTrue(e.getMessage().contains("has no value yet"), e.getMessage());
        }
        assertEquals(before, w.state());
    }

    // testSecret really verifies: an inactive client's pending token does not verify, so it fails.
    @Test
    void testSecret_failsWhenThePendingTokenDoesNotVerify_andFinishIsNeverReached() {
        World w = world();
        String t = w.rotation(Step.CREATE_SECRET, Step.SET_SECRET);
        String pending = w.tokenAt(t);
        w.core.tokens().setStatus(new StatusRequest(CLIENT, false, null));
        assertEquals(DenyReason.INACTIVE, w.verify(pending).reason(), "set-status covers the pending token");

        RotationTestFailedException e = assertThrows(RotationTestFailedException.class, () -> w.step(Step.TEST_SECRET, t));
        assertTrue(e.getMessage().contains("inactive"), e.getMessage());
        assertFalse(e.getMessage().contains(pending));
        assertEquals(w.firstToken, w.current());

        w.core.tokens().setStatus(new StatusRequest(CLIENT, true, null));
        assertEquals(TokenSlot.PENDING, w.verify(pending).slot(), "reactivation restores the pending token");
        w.step(Step.TEST_SECRET, t);
        assertEquals(List.of(), w.f.violations());

        w.f.clock.advance(hours(24));
        RotationTestFailedException expired = assertThrows(RotationTestFailedException.class,
                () -> w.step(Step.TEST_SECRET, t));
        assertTrue(expired.getMessage().contains("expired"), expired.getMessage());
    }

    // finishSecret refuses a rotation whose pending token is gone and does not move AWSCURRENT.
    @Test
    void finishSecret_refusesWhenThePendingSlotHoldsAnotherRotation_andDoesNotMoveAwsCurrent() {
        World w = world();
        String t1 = w.readyToFinish();
        w.sm.moveStageByHand(SECRET, RotationSecret.PENDING, null);
        String t2 = w.rotation(Step.CREATE_SECRET, Step.SET_SECRET);
        String second = w.tokenAt(t2);
        w.sm.moveStageByHand(SECRET, RotationSecret.PENDING, t1); // an operator puts the label back on t1
        List<Object> before = w.state();

        ValidationException e = assertThrows(ValidationException.class, () -> w.step(Step.FINISH_SECRET, t1));
        assertTrue(e.getMessage().contains("is gone"), e.getMessage());
        assertEquals(before, w.state());
        assertEquals(w.firstToken, w.current());
        assertEquals(TokenSlot.PENDING, w.verify(second).slot(), "the later rotation's pending token is untouched");
    }

    @Test
    void finishSecret_refusesAnExpiredPendingToken_andDoesNotMoveAwsCurrent() {
        World w = world();
        String t = w.readyToFinish();
        w.f.clock.advance(hours(24));
        List<Object> before = w.state();
        ValidationException e = assertThrows(ValidationException.class, () -> w.step(Step.FINISH_SECRET, t));
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
        assertEquals(before, w.state());
        assertEquals(w.firstToken, w.current());
    }

    // ---- manual rotate meanwhile -----------------------------------------------------------------

    /**
     * A manual rotate between testSecret and finishSecret cancels the scheduled rotation: its pending
     * token never reached AWSCURRENT (finishSecret marks it before it moves the stage), so it is deleted
     * and stops at once (review F2/F5). The rotate delivers its own token (taking AWSPENDING); the
     * stale finishSecret moves nothing; the next scheduled rotation starts afresh.
     */
    @Test
    void manualRotate_beforeFinishSecret_cancelsTheScheduledRotation_itsTokenStopsAtOnce_andTheStaleFinishMovesNothing() {
        World w = world();
        String t = w.readyToFinish();
        String pending = w.tokenAt(t);
        String pendingId = w.verify(pending).tokenId();
        var rotated = w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null));

        assertEquals(rotated.token(), w.current());
        assertEquals(TokenSlot.PREVIOUS, w.verify(w.firstToken).slot());
        assertEquals(DenyReason.UNKNOWN, w.verify(pending).reason(), "the cancelled rotation's token stops at once");
        assertNull(w.describe().pending());
        assertTrue(rotated.message().contains("scheduled rotation in progress (Secrets Manager rotation " + t
                + ") was cancelled: its pending token " + pendingId + " no longer verifies"), rotated.message());
        assertFalse(rotated.message().contains(pending));
        assertTrue(w.f.events.ofType(DomainEvent.PREVIOUS_TOKEN_REVOKED).isEmpty(), "never delivered: no revocation event");
        assertEquals(List.of(), w.f.violations());

        List<Object> before = w.state();
        for (Step step : Step.values()) {
            assertThrows(ValidationException.class, () -> w.step(step, t));
        }
        assertEquals(before, w.state());
        assertEquals(rotated.token(), w.current());

        // The next scheduled rotation can start once the first token's grace window (from the manual
        // rotate) is over: it would be cut short before.
        assertThrows(GraceWindowOpenException.class, () -> w.rotation(Step.CREATE_SECRET));
        w.sm.moveStageByHand(SECRET, RotationSecret.PENDING, null);
        w.f.clock.advance(w.f.config.defaultGrace());
        String t2 = w.fullRotation();
        assertEquals(w.tokenAt(t2), w.current());
        assertEquals(TokenSlot.PREVIOUS, w.verify(rotated.token()).slot());
        assertEquals(List.of(), w.f.violations());
    }

    // ---- the finishing mark: nothing races a stage move, and an interrupted finish strands nobody ----

    /**
     * finishSecret dies after it moved AWSCURRENT (consumers read the new token) and before DynamoDB's
     * promotion, and no step comes for weeks: the new token verifies all that time (the finishing mark
     * lifted its 24 h expiry), through the sweep, revoke-old and set-status; the old one stays current,
     * with no grace clock. The next step, here the retried finishSecret, completes the promotion.
     */
    @Test
    void aFinishThatDiesAfterTheStageMoved_keepsTheNewTokenVerifyingForWeeks_throughOtherChanges_untilAStepCompletesIt() {
        World w = world();
        String t = w.readyToFinish();
        String next = w.tokenAt(t);
        finishDyingAfterTheMove(w, t);
        assertEquals(next, w.current(), "consumers read the new token now");

        for (int day = 1; day <= 30; day++) {
            w.f.clock.advance(hours(24));
            switch (day % 3) {
                case 0 -> w.core.sweeper().sweep();
                case 1 -> w.core.tokens().revokeOld(new dev.gracekeys.core.ops.Requests.RevokeRequest(CLIENT, null, null));
                default -> {
                    w.core.tokens().setStatus(new StatusRequest(CLIENT, false, null));
                    w.core.tokens().setStatus(new StatusRequest(CLIENT, true, null));
                }
            }
            assertEquals(TokenSlot.PENDING, w.verify(next).slot(), "day " + day);
            Verdict old = w.verify(w.firstToken);
            assertEquals(TokenSlot.CURRENT, old.slot(), "day " + day);
            assertEquals(List.of(), w.f.violations(), "day " + day);
        }
        assertNull(w.describe().pending().expiresAt());

        Instant finishedAt = w.f.clock.instant();
        w.step(Step.FINISH_SECRET, t);
        assertEquals(TokenSlot.CURRENT, w.verify(next).slot());
        assertEquals(finishedAt.plus(w.f.config.defaultGrace()), w.verify(w.firstToken).previousExpiresAt());
        assertEquals(1, w.rotations.size());
        assertEquals(List.of(), w.f.violations());
    }

    /**
     * The race the mark closes (review finding 1): a manual rotate arriving while finishSecret moves the
     * stage, just before the move or just after it (before the promotion). Unclosed, the rotate's
     * token became AWSCURRENT and then previous, or the pending token AWSCURRENT and then previous:
     * consumers stranded when its grace ended. Now the rotate is refused with a retryable
     * ConcurrentModificationException, changing nothing; retried after the finish, it goes through.
     */
    @Test
    void aManualRotateJustBeforeFinishSecretMovesTheStage_isRefusedRetryably_changingNothing_andGoesThroughAfterIt() {
        manualRotateDuringTheFinish("before the move");
    }

    @Test
    void aManualRotateJustAfterFinishSecretMovedTheStage_isRefusedRetryably_changingNothing_andGoesThroughAfterIt() {
        manualRotateDuringTheFinish("after the move");
    }

    private void manualRotateDuringTheFinish(String moment) {
        {
            World w = world();
            String t = w.readyToFinish();
            String next = w.tokenAt(t);
            List<ConcurrentModificationException> refused = new ArrayList<>();
            Runnable manualRotate = () -> {
                List<Object> before = w.state();
                refused.add(assertThrows(ConcurrentModificationException.class,
                        () -> w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null))));
                assertEquals(before, w.state(), moment + ": the refused rotate changed nothing");
            };
            if (moment.startsWith("before")) {
                w.sm.beforeEach("moveCurrent", manualRotate);
            } else {
                w.sm.afterMoveCurrent(manualRotate);
            }
            Instant markedAt = w.f.clock.instant();
            w.step(Step.FINISH_SECRET, t);
            w.sm.beforeEach("moveCurrent", null);
            w.sm.afterMoveCurrent(() -> { });

            assertEquals(1, refused.size(), moment);
            String message = refused.get(0).getMessage();
            assertTrue(refused.get(0).retryable());
            assertTrue(message.contains("is finishing since " + markedAt), message);
            assertTrue(message.contains("Nothing was changed. Retry"), message);
            assertTrue(message.contains(markedAt.plus(dev.gracekeys.core.model.PendingToken.FINISH_HOLD).toString()), message);
            assertFalse(message.contains(next) || message.contains(w.firstToken), "never a token");
            String firstId = w.verify(w.firstToken).tokenId();
            assertTrue(message.contains("the token it replaces, " + firstId + ", is previous"), message);
            assertTrue(message.contains("rotate after " + markedAt.plus(SecretRotation.SCHEDULED_MIN_GRACE)), message);
            assertTrue(message.contains("cancel-rotate-secret"), message);
            assertEquals(next, w.current(), moment);
            assertEquals(TokenSlot.CURRENT, w.verify(next).slot(), moment);

            // Retried at once (review finding 1): DESIGN's rule, a second rotation inside the grace window
            // drops the oldest previous token (MAX_PREVIOUS_TOKENS 1), so the first token stops although
            // consumers may still cache it; the refusal said so, and the rotate's answer names the drop.
            var manual = w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null));
            assertEquals(manual.token(), w.current(), moment + ": the retried rotate delivers");
            assertEquals(TokenSlot.PREVIOUS, w.verify(next).slot(), moment);
            assertFalse(w.verify(w.firstToken).allowed(), moment);
            assertTrue(manual.message().contains("Older previous token " + firstId + " was dropped"), manual.message());
            assertEquals(List.of(), w.f.violations(), moment);
        }
    }

    /**
     * A manual rotate that commits after finishSecret read the secret and before its mark: the rotate
     * cancelled the rotation (and took AWSPENDING), so the finish refuses and moves nothing; AWSCURRENT
     * is the rotate's token, the client's current one.
     */
    @Test
    void aManualRotateCommittingJustBeforeTheMark_cancelsTheRotation_andTheFinishMovesNothing() {
        World w = world();
        String t = w.readyToFinish();
        String next = w.tokenAt(t);
        int[] values = {0};
        String[] manual = new String[1];
        w.sm.beforeEach("value", () -> {
            if (++values[0] == 2) { // finishSecret's read of version T, its last read before the mark
                manual[0] = w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null)).token();
            }
        });
        assertThrows(ValidationException.class, () -> w.step(Step.FINISH_SECRET, t));
        w.sm.beforeEach("value", null);
        assertNotNull(manual[0]);
        assertEquals(manual[0], w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(manual[0]).slot());
        assertEquals(DenyReason.UNKNOWN, w.verify(next).reason());
        assertFalse(w.sm.stagesOf(SECRET, t).contains(RotationSecret.CURRENT));
        assertEquals(List.of(), w.f.violations());
    }

    /**
     * A finish that stopped after its mark and never completed (Secrets Manager gave up): for 15
     * minutes after the mark a rotate is refused. After that the rotate reads the secret (review
     * finding 3): the stage never moved, so nobody read the pending token and the rotate cancels it;
     * the old current token becomes previous for the rotate's grace, and the late finish moves nothing.
     */
    @Test
    void aFinishStoppedAfterItsMark_beforeTheMove_holdsARotateBackFor15Minutes_thenTheRotateCancelsIt() {
        World w = world();
        String t = w.readyToFinish();
        String next = w.tokenAt(t);
        Instant markedAt = finishFailingAtTheMove(w, t);
        assertEquals(w.firstToken, w.current());
        rotateRefusedUntilTheHoldEnds(w, markedAt);

        var manual = w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null));
        assertEquals(manual.token(), w.current(), "delivered");
        assertEquals(DenyReason.UNKNOWN, w.verify(next).reason(), "never AWSCURRENT: cancelled");
        assertEquals(TokenSlot.PREVIOUS, w.verify(w.firstToken).slot());
        assertEquals(w.f.clock.instant().plus(w.f.config.defaultGrace()), w.verify(w.firstToken).previousExpiresAt());
        assertTrue(manual.message().contains("was cancelled"), manual.message());
        assertEquals(List.of(), w.f.violations());

        List<Object> settled = w.state();
        assertThrows(ValidationException.class, () -> w.step(Step.FINISH_SECRET, t));
        assertEquals(settled, w.state(), "the late finish moves nothing");
    }

    /**
     * The same after the move (consumers read the pending token): the rotate completes that promotion
     * first (the old current token previous for the default grace window, TokenRotated), then rotates
     * the new current token, which becomes previous with the rotate's grace. With MAX_PREVIOUS_TOKENS 2
     * both old tokens keep working; the late finish moves nothing.
     */
    @Test
    void aFinishStoppedAfterItsMark_afterTheMove_holdsARotateBackFor15Minutes_thenTheRotateCompletesItFirst() {
        World w = new World(c -> c.withMaxPreviousTokens(2));
        String t = w.readyToFinish();
        String next = w.tokenAt(t);
        Instant markedAt = w.f.clock.instant();
        finishDyingAfterTheMove(w, t);
        assertEquals(next, w.current(), "consumers read the pending token");
        rotateRefusedUntilTheHoldEnds(w, markedAt);

        Instant rotatedAt = w.f.clock.instant();
        var manual = w.core.tokens().rotate(new RotateRequest(CLIENT, 7200L, null, null));
        assertEquals(manual.token(), w.current(), "delivered");
        Verdict promoted = w.verify(next);
        assertEquals(TokenSlot.PREVIOUS, promoted.slot());
        assertEquals(rotatedAt.plusSeconds(7200), promoted.previousExpiresAt(), "the rotate's grace");
        Verdict old = w.verify(w.firstToken);
        assertEquals(TokenSlot.PREVIOUS, old.slot());
        assertEquals(rotatedAt.plus(w.f.config.defaultGrace()), old.previousExpiresAt(), "the completed promotion's grace");
        assertTrue(manual.message().contains("its promotion was completed first"), manual.message());
        assertFalse(manual.message().contains(next), "never a token");
        assertEquals(2, w.rotations.size(), "the completed promotion and the rotate");
        assertEquals(2, w.f.events.ofType(DomainEvent.TOKEN_ROTATED).size());
        assertEquals(List.of(), w.f.violations());

        List<Object> settled = w.state();
        for (Step step : Step.values()) {
            // version t is only AWSPREVIOUS now (the rotate's delivery took AWSPENDING): not a rotation in progress
            assertThrows(ValidationException.class, () -> w.step(step, t));
        }
        assertEquals(settled, w.state(), "the late steps move nothing");
    }

    /** finishSecret whose stage move fails: the mark is written, AWSCURRENT not moved. Answers the mark's time. */
    private static Instant finishFailingAtTheMove(World w, String t) {
        Instant markedAt = w.f.clock.instant();
        w.sm.failNext("moveCurrent", 1);
        assertThrows(dev.gracekeys.core.ops.TokenDeliveryException.class, () -> w.step(Step.FINISH_SECRET, t));
        return markedAt;
    }

    /** finishSecret that dies right after moving AWSCURRENT (the function timed out): no promotion. */
    private static void finishDyingAfterTheMove(World w, String t) {
        w.sm.afterMoveCurrent(() -> {
            throw new dev.gracekeys.core.ops.TokenDeliveryException("the function timed out", null);
        });
        assertThrows(dev.gracekeys.core.ops.TokenDeliveryException.class, () -> w.step(Step.FINISH_SECRET, t));
        w.sm.afterMoveCurrent(() -> { });
    }

    /** Within FINISH_HOLD of the mark a rotate is refused, changing nothing; then the clock is at the hold's end. */
    private static void rotateRefusedUntilTheHoldEnds(World w, Instant markedAt) {
        w.f.clock.set(markedAt.plus(dev.gracekeys.core.model.PendingToken.FINISH_HOLD).minusSeconds(1));
        List<Object> before = w.state();
        assertThrows(ConcurrentModificationException.class,
                () -> w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null)));
        assertEquals(before, w.state());
        w.f.clock.set(markedAt.plus(dev.gracekeys.core.model.PendingToken.FINISH_HOLD));
    }

    /** A stopped finish whose secret cannot be read: the rotate refuses, changing nothing. */
    @Test
    void aFinishStoppedAfterItsMark_whenTheSecretCannotBeRead_theRotateRefuses_changingNothing() {
        World w = world();
        String t = w.readyToFinish();
        Instant markedAt = finishFailingAtTheMove(w, t);
        w.f.clock.set(markedAt.plus(dev.gracekeys.core.model.PendingToken.FINISH_HOLD));
        w.sm.failNext("versionWith", 1);
        List<Object> before = w.state();
        assertThrows(dev.gracekeys.core.ops.TokenDeliveryException.class,
                () -> w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null)));
        assertEquals(before, w.state());
    }

    /**
     * A rotate with delivery whose call ends between its commit and its promotion (the function timed
     * out; the caller never got the answer): consumers still read the old token. The caller's resend
     * with the same requestId answers the same token and finishes the delivery, so nobody is left on a
     * token that stops when its grace ends; a second resend changes nothing.
     */
    @Test
    void aResendOfARotateThatEndedBeforeItsPromotion_finishesTheDelivery() {
        World w = world();
        w.sm.onceBefore("promote", () -> {
            throw new IllegalStateException("the function timed out");
        });
        RotateRequest request = new RotateRequest(CLIENT, null, null, null, null, "resend-1");
        assertThrows(IllegalStateException.class, () -> w.core.tokens().rotate(request));
        assertEquals(w.firstToken, w.current(), "stored, not delivered");

        var resent = w.core.tokens().rotate(request);
        assertEquals(resent.token(), w.current(), "delivered by the resend");
        assertEquals(TokenSlot.CURRENT, w.verify(resent.token()).slot());
        assertTrue(resent.message().contains("Only its delivery was finished now"), resent.message());
        assertFalse(resent.message().contains(resent.token()), "never a token in a message");
        assertEquals(1, w.rotations.size(), "rotated once");

        List<Object> delivered = w.state();
        var again = w.core.tokens().rotate(request);
        assertEquals(resent.token(), again.token());
        assertFalse(again.message().contains("delivery was finished"), again.message());
        assertEquals(delivered, w.state());
    }

    /** A resend after a later rotation replaced the token: AWSCURRENT stays with the later one. */
    @Test
    void aResendAfterALaterRotation_leavesAwsCurrentToThatRotation() {
        World w = world();
        w.sm.onceBefore("promote", () -> {
            throw new IllegalStateException("the function timed out");
        });
        RotateRequest request = new RotateRequest(CLIENT, 7200L, null, null, null, "resend-2");
        assertThrows(IllegalStateException.class, () -> w.core.tokens().rotate(request));
        var later = w.core.tokens().rotate(new RotateRequest(CLIENT, 7200L, null, null));
        w.core.tokens().rotate(request);
        assertEquals(later.token(), w.current());
    }

    /** A create with delivery for a client that exists: refused, and its staged version gives AWSPENDING up. */
    @Test
    void aCreateOfAnExistingClientWithDelivery_isRefused_andLeavesNoStrayAwsPending() {
        World w = world();
        int staged = w.sm.calls("stage");
        assertThrows(ClientAlreadyExistsException.class,
                () -> w.core.tokens().rotate(new RotateRequest(CLIENT, null, true, null, SECRET)));
        assertNull(w.sm.versionWith(SECRET, RotationSecret.PENDING), "no version left AWSPENDING");
        assertEquals(staged + 1, w.sm.calls("stage"), "it had staged one");
        assertEquals(w.firstToken, w.current());
    }

    /**
     * Second review, finding 2: a rotate whose staging took AWSPENDING off the rotation's version, and
     * whose commit then lost to the mark, puts the label back; the finish, stopped before its move,
     * can then be retried with the same T. The refusal names the finishing rotation (finding 3a).
     */
    @Test
    void aRotateLosingToTheMark_givesAwsPendingBack_soTheStoppedFinishCanBeRetried() {
        World w = world();
        String t = w.readyToFinish();
        String next = w.tokenAt(t);
        w.sm.onceBefore("stage", () -> {
            w.sm.failNext("moveCurrent", 1);
            assertThrows(dev.gracekeys.core.ops.TokenDeliveryException.class, () -> w.step(Step.FINISH_SECRET, t));
        });
        ConcurrentModificationException e = assertThrows(ConcurrentModificationException.class,
                () -> w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null)));
        assertTrue(e.getMessage().contains("is finishing since"), e.getMessage());
        assertEquals(Set.of(RotationSecret.PENDING), w.sm.stagesOf(SECRET, t), "the label is back on T");
        assertEquals(w.firstToken, w.current());

        w.step(Step.FINISH_SECRET, t); // Secrets Manager's retry
        assertEquals(next, w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(next).slot());
        assertEquals(List.of(), w.f.violations());
    }

    /**
     * A stopped finish whose delivery secret was deleted: nobody reads its AWSCURRENT, so a rotate
     * cancels the token; delivering to a new secret goes through (to the gone one it is refused).
     */
    @Test
    void aFinishStoppedAfterItsMark_whoseSecretIsGone_isCancelledByARotateToANewSecret() {
        World w = world();
        String t = w.readyToFinish();
        String next = w.tokenAt(t);
        Instant markedAt = finishFailingAtTheMove(w, t);
        w.sm.deleteSecret(SECRET);
        w.sm.createSecret("gracekeys/GRACE01-new", null);
        w.f.clock.set(markedAt.plus(dev.gracekeys.core.model.PendingToken.FINISH_HOLD));

        List<Object> before = w.state();
        assertThrows(dev.gracekeys.core.ops.TokenDeliveryException.class,
                () -> w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null)), "the gone secret");
        assertEquals(before, w.state());
        var manual = w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null, "gracekeys/GRACE01-new"));
        assertEquals(DenyReason.UNKNOWN, w.verify(next).reason());
        assertEquals(TokenSlot.CURRENT, w.verify(manual.token()).slot());
        assertEquals(List.of(), w.f.violations());
    }

    /**
     * Review finding 6: a rotate that read the client before the mark and commits after it loses on
     * the version condition (retryable), and takes AWSPENDING off the version it staged, so no stray
     * label holds up the next scheduled rotation. The finish completes.
     */
    @Test
    void aRotateWhoseCommitLosesToTheMark_leavesNoStrayAwsPending_andTheFinishCompletes() {
        World w = world();
        String t = w.readyToFinish();
        String next = w.tokenAt(t);
        w.sm.onceBefore("stage", () -> {
            w.step(Step.FINISH_SECRET, t); // the whole finish, between the rotate's read and its commit
        });
        ConcurrentModificationException e = assertThrows(ConcurrentModificationException.class,
                () -> w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null)));
        assertTrue(e.retryable());
        assertEquals(next, w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(next).slot());
        for (String version : w.sm.snapshot().get(SECRET).keySet()) {
            if (w.sm.stagesOf(SECRET, version).contains(RotationSecret.PENDING)) {
                assertTrue(w.sm.stagesOf(SECRET, version).contains(RotationSecret.CURRENT),
                        "AWSPENDING left on version " + version + ", which is not AWSCURRENT");
            }
        }
        assertEquals(List.of(), w.f.violations());
    }

    /**
     * The next rotation's setSecret meets a finishing pending token whose stage never moved: within
     * the hold it is refused (the earlier finish may still be moving AWSCURRENT), after it the new
     * rotation replaces it (rotate-secret has just read that AWSCURRENT is not on it).
     */
    @Test
    void theNextRotationsSetSecret_waitsOutAFreshFinishingMark_andReplacesAStaleOne() {
        World w = world();
        String t1 = w.readyToFinish();
        String first = w.tokenAt(t1);
        Instant markedAt = finishFailingAtTheMove(w, t1);
        w.sm.moveStageByHand(SECRET, RotationSecret.PENDING, null); // an operator clears the failed rotation

        String t2 = w.rotation(Step.CREATE_SECRET);
        w.f.clock.set(markedAt.plus(dev.gracekeys.core.model.PendingToken.FINISH_HOLD).minusSeconds(1));
        List<Object> before = w.state();
        ConcurrentModificationException e = assertThrows(ConcurrentModificationException.class,
                () -> w.step(Step.SET_SECRET, t2));
        assertTrue(e.getMessage().contains(t1), e.getMessage());
        assertEquals(before, w.state());

        w.f.clock.set(markedAt.plus(dev.gracekeys.core.model.PendingToken.FINISH_HOLD));
        for (Step s : List.of(Step.SET_SECRET, Step.TEST_SECRET, Step.FINISH_SECRET)) {
            w.step(s, t2);
        }
        assertEquals(DenyReason.UNKNOWN, w.verify(first).reason(), "the stale one, never AWSCURRENT, is replaced");
        assertEquals(TokenSlot.CURRENT, w.verify(w.current()).slot());
        assertEquals(TokenSlot.PREVIOUS, w.verify(w.firstToken).slot());
        assertEquals(List.of(), w.f.violations());
    }

    // ---- review findings: what finishing a scheduled rotation may not do ---------------------------

    /**
     * F1, the runbook's own setup: rotate with deliverToSecretId (the first token becomes previous for
     * its grace window), then turn on rotation, which rotates at once. Promoting then would revoke that
     * live previous token (MAX_PREVIOUS_TOKENS 1): createSecret refuses, changing nothing, naming the
     * token and the end of its grace window; once that window is over the rotation goes through.
     */
    @Test
    void rotationTurnedOnRightAfterAManualRotate_isRefusedUntilThePreviousTokensGraceEnds_thenGoesThrough() {
        World w = world();
        w.f.clock.advance(Duration.ofMinutes(1));
        String manual = w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null, SECRET)).token();
        Verdict firstAsPrevious = w.verify(w.firstToken);
        assertEquals(TokenSlot.PREVIOUS, firstAsPrevious.slot());
        Instant graceEnds = firstAsPrevious.previousExpiresAt();
        String t = w.sm.startRotation(SECRET);
        w.f.clock.advance(Duration.ofMinutes(1));
        List<Object> before = w.state();

        GraceWindowOpenException e = assertThrows(GraceWindowOpenException.class, () -> w.step(Step.CREATE_SECRET, t));
        assertTrue(e.getMessage().contains(firstAsPrevious.tokenId()), e.getMessage());
        assertTrue(e.getMessage().contains(graceEnds.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("revoke-old"), e.getMessage());
        assertTrue(e.getMessage().contains("AWSCURRENT was not moved"), e.getMessage());
        assertFalse(e.getMessage().contains(w.firstToken) || e.getMessage().contains(manual), "never a token");
        assertEquals(before, w.state(), "nothing changed");
        assertNull(w.tokenAt(t), "no token generated");
        assertEquals(manual, w.current());

        w.f.clock.set(graceEnds.minusSeconds(1));
        assertEquals(TokenSlot.PREVIOUS, w.verify(w.firstToken).slot(), "the previous token verifies to its expiry");
        assertThrows(GraceWindowOpenException.class, () -> w.step(Step.CREATE_SECRET, t));

        w.f.clock.set(graceEnds); // Secrets Manager retries the rotation
        for (Step step : Step.values()) {
            w.step(step, t);
        }
        assertEquals(w.tokenAt(t), w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(w.current()).slot());
        assertEquals(TokenSlot.PREVIOUS, w.verify(manual).slot());
        assertEquals(graceEnds.plus(w.f.config.defaultGrace()), w.verify(manual).previousExpiresAt());
        assertFalse(w.verify(w.firstToken).allowed());
        assertEquals(List.of(), w.f.violations());
    }

    /**
     * F1 at finishSecret itself: a rotation that started when the promotion cut nothing short
     * (MAX_PREVIOUS_TOKENS 2) and is finished after a redeploy lowered it to 1. finishSecret refuses
     * before moving AWSCURRENT, writing nothing; the previous token verifies to its expiry, and the
     * retried finishSecret after it goes through.
     */
    @Test
    void finishSecret_whosePromotionWouldCutAPreviousTokensGraceShort_isRefused_movesNothing_andGoesThroughAfterIt() {
        World w = new World(c -> c.withMaxPreviousTokens(2));
        String manual = w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null, SECRET)).token();
        Instant graceEnds = w.verify(w.firstToken).previousExpiresAt();
        w.f.clock.advance(Duration.ofMinutes(1));
        String t = w.readyToFinish();
        GraceKeys capOne = w.coreWith(c -> c.withMaxPreviousTokens(1));
        List<Object> before = w.state();

        GraceWindowOpenException e = assertThrows(GraceWindowOpenException.class,
                () -> capOne.secretRotation().run(Step.FINISH_SECRET, SECRET, t));
        assertTrue(e.getMessage().contains(w.verify(w.firstToken).tokenId()), e.getMessage());
        assertTrue(e.getMessage().contains(graceEnds.toString()), e.getMessage());
        assertFalse(e.getMessage().contains(w.firstToken) || e.getMessage().contains(w.tokenAt(t)), "never a token");
        assertEquals(before, w.state(), "AWSCURRENT not moved, nothing written");
        assertEquals(manual, w.current());

        w.f.clock.set(graceEnds.minusSeconds(1));
        assertEquals(TokenSlot.PREVIOUS, w.verify(w.firstToken).slot());
        assertThrows(GraceWindowOpenException.class, () -> capOne.secretRotation().run(Step.FINISH_SECRET, SECRET, t));
        assertEquals(manual, w.current());

        w.f.clock.set(graceEnds);
        capOne.secretRotation().run(Step.FINISH_SECRET, SECRET, t);
        assertEquals(w.tokenAt(t), w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(w.current()).slot());
        assertEquals(TokenSlot.PREVIOUS, w.verify(manual).slot());
        assertEquals(List.of(), w.f.violations());
    }

    /**
     * F1's exception: a finish whose stage move happened already (AWSCURRENT on T, the promotion lost)
     * is completed even if it pushes a live previous token out: consumers read the new token already,
     * and leaving it pending would strand them when it expires.
     */
    @Test
    void anInterruptedFinish_isCompleted_evenWhenItCutsAPreviousTokenShort() {
        World w = new World(c -> c.withMaxPreviousTokens(2));
        w.core.tokens().rotate(new RotateRequest(CLIENT, null, null, null, SECRET));
        w.f.clock.advance(Duration.ofMinutes(1));
        String t = w.readyToFinish();
        w.sm.moveStageByHand(SECRET, RotationSecret.CURRENT, t); // finishSecret died after the move
        GraceKeys capOne = w.coreWith(c -> c.withMaxPreviousTokens(1));
        capOne.secretRotation().run(Step.FINISH_SECRET, SECRET, t);
        assertEquals(TokenSlot.CURRENT, w.verify(w.tokenAt(t)).slot());
        assertEquals(List.of(), w.f.violations());
    }

    /**
     * F4: setSecret retried after the staged token's 24 h lifetime (Secrets Manager retrying a stalled
     * rotation) stages the same token again with a fresh expiry, instead of returning "done" and
     * leaving testSecret to fail for ever.
     */
    @Test
    void setSecret_retriedAfterTheStagedTokenExpired_stagesItAgain_andTheRotationFinishes() {
        World w = world();
        String t = w.rotation(Step.CREATE_SECRET, Step.SET_SECRET);
        String pending = w.tokenAt(t);
        w.f.clock.advance(dev.gracekeys.core.model.PendingToken.LIFETIME.plusMinutes(5));
        assertEquals(DenyReason.EXPIRED, w.verify(pending).reason());

        Instant restagedAt = w.f.clock.instant();
        w.step(Step.SET_SECRET, t);
        assertEquals(TokenSlot.PENDING, w.verify(pending).slot(), "verifies again");
        assertEquals(restagedAt.plus(dev.gracekeys.core.model.PendingToken.LIFETIME), w.describe().pending().expiresAt());
        assertEquals(List.of(), w.f.violations());
        List<Object> after = w.state();
        w.step(Step.SET_SECRET, t);
        assertEquals(after, w.state(), "a live staged token: the retry changes nothing");

        w.step(Step.TEST_SECRET, t);
        w.step(Step.FINISH_SECRET, t);
        assertEquals(pending, w.current());
        assertEquals(TokenSlot.CURRENT, w.verify(pending).slot());
        assertEquals(List.of(), w.f.violations());
    }

    /**
     * F6: with DEFAULT_GRACE_SECONDS below an hour (0 is allowed by the template) every scheduled
     * finish would stop the old token before consumers caching AWSCURRENT for an hour read the new
     * one. createSecret (early) and finishSecret refuse, changing nothing.
     */
    @Test
    void aDefaultGraceBelowAnHour_refusesCreateSecretAndFinishSecret_andNothingChanges() {
        World w = world(); // one client per test: the DynamoDB Local table is shared by the test's worlds
        GraceKeys zero = w.coreWith(c -> withGrace(c, Duration.ZERO));
        String t = w.sm.startRotation(SECRET);
        List<Object> before = w.state();
        ValidationException e = assertThrows(ValidationException.class,
                () -> zero.secretRotation().run(Step.CREATE_SECRET, SECRET, t));
        assertTrue(e.getMessage().contains("at least 3600"), e.getMessage());
        assertTrue(e.getMessage().contains("DefaultGraceSeconds"), e.getMessage());
        assertEquals(before, w.state());
        assertNull(w.tokenAt(t), "no token generated");

        for (Step step : List.of(Step.CREATE_SECRET, Step.SET_SECRET, Step.TEST_SECRET)) {
            w.step(step, t);
        }
        GraceKeys almostAnHour = w.coreWith(c -> withGrace(c, SecretRotation.SCHEDULED_MIN_GRACE.minusSeconds(1)));
        List<Object> staged = w.state();
        assertThrows(ValidationException.class, () -> almostAnHour.secretRotation().run(Step.FINISH_SECRET, SECRET, t));
        assertEquals(staged, w.state(), "AWSCURRENT not moved");
        assertEquals(w.firstToken, w.current());

        GraceKeys anHour = w.coreWith(c -> withGrace(c, SecretRotation.SCHEDULED_MIN_GRACE));
        anHour.secretRotation().run(Step.FINISH_SECRET, SECRET, t);
        assertEquals(w.tokenAt(t), w.current());
        assertEquals(w.f.clock.instant().plus(hours(1)), w.verify(w.firstToken).previousExpiresAt());
    }
}
