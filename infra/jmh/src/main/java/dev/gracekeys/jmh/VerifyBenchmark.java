package dev.gracekeys.jmh;

import dev.gracekeys.core.token.TokenKey;
import dev.gracekeys.core.verify.Verdict;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

import java.util.concurrent.TimeUnit;

/**
 * The CPU cost of one verify, store aside (the target is at most 10 µs/op), beside its floor: the
 * one HMAC-SHA256 every well-formed token costs, and beside what recording its metric line adds. Each method returns its result, so JMH consumes it
 * and the JIT cannot drop the work. Iterations, forks and times are set by {@link RunJmh}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class VerifyBenchmark {

    /** Allowed: classify, HMAC, one lookup, the last-use check. */
    @Benchmark
    public Verdict current(VerifyState s) {
        return s.verifier.verify(s.currentToken);
    }

    /**
     * As {@link #current}, recording its decision and latency as the authorizer does on Lambda: one
     * EMF line through the functions' JSON logging (see {@link EmfState}). The difference from
     * {@link #current} is what one verify's metric line costs.
     */
    @Benchmark
    public Verdict currentWithEmf(EmfState s) {
        return s.verifier.verify(s.base.currentToken);
    }

    /** Allowed: as {@link #current}, plus the expiry check of the previous slot. */
    @Benchmark
    public Verdict previous(VerifyState s) {
        return s.verifier.verify(s.previousToken);
    }

    /** Denied after the HMAC and a lookup that finds nothing. */
    @Benchmark
    public Verdict unknown(VerifyState s) {
        return s.verifier.verify(s.unknownToken);
    }

    /** Denied by the checksum alone: no HMAC, no lookup. */
    @Benchmark
    public Verdict malformed(VerifyState s) {
        return s.verifier.verify(s.malformedToken);
    }

    /** The floor: only the token's item key, exactly as the verifier computes it. */
    @Benchmark
    public TokenKey hmacFloor(VerifyState s) {
        return s.peppers.view().current().keyOf(s.currentToken, s.kind);
    }
}
