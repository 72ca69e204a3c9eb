package dev.gracekeys.bench;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BenchReportTest {

    private static final ZonedDateTime MONDAY = ZonedDateTime.of(2026, 11, 30, 9, 0, 0, 0, ZoneOffset.UTC);
    private static final ZonedDateTime TUESDAY = MONDAY.plusDays(1);

    @Test
    void firstRun_addsTheSection_keepsHandWrittenText_andJudgesTargets() {
        String doc = "# Benchmarks\n\nHand-written intro.\n";
        String out = BenchReport.rewrite(doc, List.of(
                "coldstart\tbench.loadavg\t0.42\t",
                "coldstart\tcoldstart.authorizer.median\t580\tms",
                "coldstart\tcoldstart.ratio\t1.41\tx",
                "push\tpush.errors\t0\terrors"), "2 cores, JDK 17", MONDAY);

        assertTrue(out.startsWith("# Benchmarks\n\nHand-written intro.\n"));
        assertTrue(out.contains("Measured 2026-11-30 09:00 UTC on 2 cores, JDK 17; load average before the run 0.42."));
        assertTrue(out.contains("Command: `infra/benchmarks/bench --only coldstart`"));
        assertTrue(out.contains("| authorizer cold start ≤ 0.6 s | `coldstart.authorizer.median` = 580 ms | met |"));
        assertTrue(out.contains("| authorizer cold start ≤ 1.3× plain Java | `coldstart.ratio` = 1.41 x | **missed** |"));
        assertTrue(out.contains("| /push: 0 errors | `push.errors` = 0 errors | met |"));
        assertTrue(out.contains("| backfill ≥ 10× sequential | not measured yet |"));
        assertFalse(out.contains("bench.loadavg"), "the load is context, not a figure");
    }

    @Test
    void aRunOfOneGroup_replacesThatGroupOnly_andKeepsTextAfterTheSection() {
        String first = BenchReport.rewrite("# Benchmarks\n", List.of(
                "coldstart\tcoldstart.ratio\t1.41\tx",
                "push\tpush.errors\t0\terrors"), "m", MONDAY) + "\n## Analysis\n\nkept\n";
        String second = BenchReport.rewrite(first, List.of("coldstart\tcoldstart.ratio\t1.21\tx"), "m", TUESDAY);

        assertTrue(second.contains("| `coldstart.ratio` | 1.21 | x |"));
        assertFalse(second.contains("1.41"));
        assertTrue(second.contains("| `push.errors` | 0 | errors |"), "push keeps Monday's figures");
        assertTrue(second.contains("Measured 2026-11-30 09:00 UTC on m. Command: `infra/benchmarks/bench --only push`"));
        assertTrue(second.contains("Measured 2026-12-01 09:00 UTC on m. Command: `infra/benchmarks/bench --only coldstart`"));
        assertTrue(second.endsWith("\n## Analysis\n\nkept\n"));
        assertEquals(second, BenchReport.rewrite(second, List.of(), "m", TUESDAY), "rewriting with nothing new is stable");
    }

    @Test
    void targets_compareInTheRightDirection() {
        var atMost = new BenchReport.Target("m", "<=", 10, "");
        var atLeast = new BenchReport.Target("m", ">=", 0.8, "");
        var exactly = new BenchReport.Target("m", "==", 1, "");
        assertTrue(atMost.met(10) && !atMost.met(10.01));
        assertTrue(atLeast.met(0.8) && !atLeast.met(0.79));
        assertTrue(exactly.met(1.000) && !exactly.met(1.001) && !exactly.met(0.999));
    }

    @Test
    void unknownGroup_isRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> BenchReport.rewrite("# B\n", List.of("nope\tx\t1\tms"), "m", MONDAY));
    }
}
