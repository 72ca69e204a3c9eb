package dev.gracekeys.local;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What one invocation logged, for {@code aws lambda invoke --log-type Tail}: on AWS the response's
 * {@code X-Amz-Log-Result} carries the last 4 KB of that invocation's log. Every function runs in
 * this JVM, so the lines are told apart by thread: {@link #install()} puts a tee in front of
 * {@code System.out} and {@code System.err} (where the functions' SLF4J lines go) that copies what a
 * thread writes into the capture that thread belongs to, if any, and passes everything on unchanged.
 * Threads an invocation starts (backfill's workers) inherit its capture.
 */
final class InvocationLogs {

    /** Lambda's limit for the log tail of a synchronous invocation. */
    static final int TAIL_BYTES = 4096;

    private static final InheritableThreadLocal<Capture> CURRENT = new InheritableThreadLocal<>();

    private InvocationLogs() {
    }

    /** Routes System.out and System.err through the tee (once per JVM). */
    static synchronized void install() {
        if (!(System.out instanceof Tee)) {
            System.setOut(new Tee(System.out));
        }
        if (!(System.err instanceof Tee)) {
            System.setErr(new Tee(System.err));
        }
    }

    /** Whether what a thread writes to {@code stream} reaches its capture already. */
    static boolean captures(PrintStream stream) {
        return stream instanceof Tee;
    }

    /** From now on, what this thread (and threads it starts) writes goes into {@code capture} too. */
    static void attach(Capture capture) {
        CURRENT.set(capture);
    }

    static void end() {
        CURRENT.remove();
    }

    /** The log of one invocation; keeps its last {@value #TAIL_BYTES} bytes at most (twice, then trims). */
    static final class Capture {
        private byte[] buffer = new byte[256];
        private int length;

        synchronized void write(byte[] b, int off, int len) {
            if (length + len > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + len));
            }
            System.arraycopy(b, off, buffer, length, len);
            length += len;
            if (length > 2 * TAIL_BYTES) {
                System.arraycopy(buffer, length - TAIL_BYTES, buffer, 0, TAIL_BYTES);
                length = TAIL_BYTES;
            }
        }

        void line(String text) {
            byte[] b = (text + "\n").getBytes(StandardCharsets.UTF_8);
            write(b, 0, b.length);
        }

        /** The last {@value #TAIL_BYTES} bytes. */
        synchronized byte[] tail() {
            int from = Math.max(0, length - TAIL_BYTES);
            return Arrays.copyOfRange(buffer, from, length);
        }
    }

    /** Passes everything on, and copies it into the writing thread's capture. */
    private static final class Tee extends PrintStream {
        Tee(PrintStream target) {
            super(new OutputStream() {
                @Override
                public void write(int b) {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    target.write(b, off, len);
                    Capture c = CURRENT.get();
                    if (c != null) {
                        c.write(b, off, len);
                    }
                }

                @Override
                public void flush() {
                    target.flush();
                }
            }, true, StandardCharsets.UTF_8);
        }
    }
}
