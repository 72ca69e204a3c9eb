package dev.gracekeys.jmh;

import dev.gracekeys.core.verify.Verifier;
import dev.gracekeys.lambda.EmfMetrics;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link VerifyState}'s client and tokens, verified by a {@link Verifier} that records through
 * {@link EmfMetrics}, as the authorizer on Lambda does: each verify writes its one EMF line through
 * the functions' own logback configuration (the JSON encoder, the console appender). Only the last
 * step differs: stdout is swapped for a stream that counts bytes and discards them, so the figure
 * is the CPU of building and encoding the line, not of a terminal or file (on Lambda, a pipe to the
 * runtime). {@link #bytesWritten()} shows the lines were really written.
 */
@State(Scope.Benchmark)
public class EmfState {

    VerifyState base;
    Verifier verifier;
    private PrintStream stdout;
    private final LongAdder bytes = new LongAdder();

    @Setup(Level.Trial)
    public void setUp() {
        base = new VerifyState();
        base.setUp();
        stdout = System.out;
        System.setOut(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                bytes.increment();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes.add(len);
            }
        }, false));
        Clock clock = Clock.fixed(VerifyState.NOW, ZoneOffset.UTC);
        verifier = base.verifierWith(EmfMetrics.create(EmfMetrics.DEFAULT_NAMESPACE, clock));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.setOut(stdout);
    }

    /** What the verifies wrote to stdout so far, in bytes. */
    long bytesWritten() {
        return bytes.sum();
    }
}
