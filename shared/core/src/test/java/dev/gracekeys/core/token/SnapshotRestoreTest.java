package dev.gracekeys.core.token;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two containers restored from one SnapStart snapshot, simulated: two generators whose random
 * sources hold identical state. A seeded SHA1PRNG stands for the snapshotted state: it is
 * deterministic, as any copied generator state is (NativePRNG hides the problem by mixing in
 * /dev/urandom; a DRBG, SHA1PRNG or a FIPS provider's default would not).
 */
class SnapshotRestoreTest {

    private static final TokenFormat FORMAT = TokenFormat.defaults();

    /** The random state both containers were restored with. */
    private static SecureRandom snapshotState() {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed("state at the snapshot".getBytes(StandardCharsets.UTF_8));
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void restoredCopies_issueTheSameTokens_withoutTheHook() {
        // The premise: without a reseed, copies of one state are one generator twice.
        SecureTokenGenerator containerA = new SecureTokenGenerator(FORMAT, snapshotState());
        SecureTokenGenerator containerB = new SecureTokenGenerator(FORMAT, snapshotState());

        for (int i = 0; i < 3; i++) {
            assertEquals(containerA.next().value(), containerB.next().value(), "token " + i);
        }
    }

    @Test
    void restoredCopies_issueDifferentTokens_afterEachReseeds() {
        SecureTokenGenerator containerA = new SecureTokenGenerator(FORMAT, snapshotState());
        SecureTokenGenerator containerB = new SecureTokenGenerator(FORMAT, snapshotState());
        SecureTokenGenerator notRestored = new SecureTokenGenerator(FORMAT, snapshotState());
        String sharedNext = notRestored.next().value();

        containerA.reseed();
        containerB.reseed();

        String a = containerA.next().value();
        String b = containerB.next().value();
        assertNotEquals(a, b);
        assertNotEquals(sharedNext, a, "A no longer draws from the snapshotted state");
        assertNotEquals(sharedNext, b, "B no longer draws from the snapshotted state");
        assertEquals(TokenFormat.Kind.GRACEKEYS, FORMAT.classify(a));
    }

    @Test
    void reseedAll_reseedsEveryGeneratorOfTheProcess_beforeItsNextToken() {
        // What the runtime hook calls: it cannot know the generators, the generators see the restore.
        SecureTokenGenerator containerA = new SecureTokenGenerator(FORMAT, snapshotState());
        SecureTokenGenerator containerB = new SecureTokenGenerator(FORMAT, snapshotState());
        SecureRandom reference = snapshotState();
        SecureTokenGenerator replay = new SecureTokenGenerator(FORMAT, reference);
        String first = replay.next().value();
        assertEquals(first, containerA.next().value());
        assertEquals(first, containerB.next().value());
        // What the copies would issue next if nothing happened: the reference state, drawn outside
        // any generator (reseedAll reseeds generators, not a bare SecureRandom).
        String sharedNext = FORMAT.assemble(Base62.random(reference, TokenFormat.RANDOM_CHARS));

        SecureTokenGenerator.reseedAll();

        String a = containerA.next().value();
        String b = containerB.next().value();
        assertNotEquals(a, b);
        assertNotEquals(sharedNext, a);
        assertNotEquals(sharedNext, b);
    }

    @Test
    void aGeneratorMadeAfterTheRestore_keepsTheSourceItWasGiven() {
        // reseedAll concerns the state that existed at the restore, not generators made later.
        SecureTokenGenerator.reseedAll();
        SecureTokenGenerator later = new SecureTokenGenerator(FORMAT, snapshotState());
        SecureTokenGenerator twin = new SecureTokenGenerator(FORMAT, snapshotState());

        assertEquals(twin.next().value(), later.next().value());
    }
}
