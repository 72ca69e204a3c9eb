package dev.gracekeys.jmh;

import dev.gracekeys.core.model.TokenSlot;
import dev.gracekeys.core.verify.Verdict;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each benchmark, called once outside JMH on the same state, takes the path its name promises: a
 * benchmark that silently measured a deny (or a fail-closed deny) would report a flattering figure.
 */
class VerifyBenchmarkTest {

    private final VerifyBenchmark benchmark = new VerifyBenchmark();
    private final VerifyState state = new VerifyState();

    @BeforeEach
    void setUp() {
        state.setUp();
    }

    @Test
    void current_isAllowed_inCurrentSlot() {
        Verdict v = benchmark.current(state);

        assertTrue(v.allowed(), () -> "denied: " + v.reason());
        assertEquals(VerifyState.CLIENT_ID, v.clientId());
        assertEquals(TokenSlot.CURRENT, v.slot());
    }

    @Test
    void currentWithEmf_isAllowed_andWritesItsMetricLine() {
        EmfState emf = new EmfState();
        emf.setUp();
        try {
            long before = emf.bytesWritten();
            Verdict v = benchmark.currentWithEmf(emf);
            long line = emf.bytesWritten() - before;

            assertTrue(v.allowed(), () -> "denied: " + v.reason());
            assertEquals(TokenSlot.CURRENT, v.slot());
            assertTrue(line > 200, () -> "one EMF line written per verify, got " + line + " bytes");
            long second = emf.bytesWritten();
            benchmark.currentWithEmf(emf);
            assertTrue(emf.bytesWritten() - second > 200, "a line again, every verify");
        } finally {
            emf.tearDown();
        }
    }

    @Test
    void previous_isAllowed_inPreviousSlot_withinGrace() {
        Verdict v = benchmark.previous(state);

        assertTrue(v.allowed(), () -> "denied: " + v.reason());
        assertEquals(TokenSlot.PREVIOUS, v.slot());
        assertEquals(VerifyState.NOW.plus(Duration.ofHours(23)), v.previousExpiresAt());
    }

    @Test
    void unknown_isDenied_asUnknown() {
        assertEquals(Verdict.DenyReason.UNKNOWN, benchmark.unknown(state).reason());
    }

    @Test
    void malformed_isDenied_asMalformed() {
        assertEquals(Verdict.DenyReason.MALFORMED, benchmark.malformed(state).reason());
    }

    @Test
    void hmacFloor_computesTheKeyTheVerifierLooksUp() {
        assertNotNull(state.lookup.findToken(benchmark.hmacFloor(state), Duration.ZERO));
        assertNotEquals(benchmark.hmacFloor(state), state.peppers.view().current().keyOfToken(state.unknownToken));
    }

    @Test
    void lastUse_isWrittenOncePerToken_thenSkipped() {
        for (int i = 0; i < 100; i++) {
            benchmark.current(state);
            benchmark.previous(state);
        }

        assertEquals(2, state.lookup.lastUseWrites());
    }

    @Test
    void settings_defaultToOneForkThreeWarmupsFiveIterationsOfOneSecond() {
        assertEquals(new RunJmh.Settings(1, 3, 5, 1000, false), RunJmh.Settings.parse());
    }

    @Test
    void settings_takeOverrides_andRejectBadValues() {
        assertEquals(new RunJmh.Settings(0, 1, 2, 50, false),
                RunJmh.Settings.parse("--forks", "0", "--warmup", "1", "--iterations", "2", "--time-ms", "50"));
        assertTrue(RunJmh.Settings.parse("--help").help());
        assertThrows(IllegalArgumentException.class, () -> RunJmh.Settings.parse("--iterations", "0"));
        assertThrows(IllegalArgumentException.class, () -> RunJmh.Settings.parse("--forks"));
        assertThrows(IllegalArgumentException.class, () -> RunJmh.Settings.parse("--threads", "2"));
    }
}
