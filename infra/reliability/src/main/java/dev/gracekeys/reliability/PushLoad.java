package dev.gracekeys.reliability;

import dev.gracekeys.testkit.Workers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The measuring core of {@link PushBench}: {@code concurrency} threads, each with its own keep-alive
 * connection, POST {@code /push} back to back (closed loop, no think time) with the tokens given in
 * turn, first for a warm-up, then for the measured window. Every request's latency is kept (exact
 * percentiles, no histogram rounding).
 *
 * <p>A push counts as good only if it got 200 and the body names the token's client and slot: a 401,
 * 403 or 500, an I/O error or a 200 from the wrong slot is an error, so a run can not silently
 * measure denials.
 *
 * <p>The client is {@link HttpURLConnection}: synchronous, one socket per thread, kept alive
 * between requests (up to {@code http.maxConnections} per destination, see
 * {@link #allowKeepAliveConnections}). {@code java.net.http.HttpClient} measured the same within
 * noise (2 cores, concurrency 1 and 8), with a selector thread and futures of its own between the
 * caller and the socket; this one adds the least between the clock reads and the wire.
 */
final class PushLoad {

    /** The slot a token is expected to be answered from. */
    enum Slot {
        CURRENT, PREVIOUS;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One token to push with, and what the stack must answer for it. Never prints the token. */
    static final class PushToken {
        final String clientId;
        final Slot slot;
        final String authorization;
        final byte[] expectedClient;
        final byte[] expectedSlot;

        PushToken(String clientId, Slot slot, String token) {
            this.clientId = clientId;
            this.slot = slot;
            this.authorization = "Bearer " + token;
            this.expectedClient = ("\"clientId\":\"" + clientId + "\"").getBytes(StandardCharsets.UTF_8);
            this.expectedSlot = ("\"tokenSlot\":\"" + slot.wireName() + "\"").getBytes(StandardCharsets.UTF_8);
        }

        /** The token itself, for a load generator that needs it in a file (wrk's script). */
        String token() {
            return authorization.substring("Bearer ".length());
        }

        @Override
        public String toString() {
            return clientId + "/" + slot.wireName();
        }
    }

    /**
     * What a run measured (the window only; the warm-up is counted apart).
     *
     * @param latencyNanos latencies of the measured requests, good and bad, sorted
     */
    record Result(int concurrency, double seconds, long[] latencyNanos, long okCurrent, long okPrevious,
                  long errors, long warmupRequests, long warmupErrors, List<String> errorSamples) {

        long requests() {
            return latencyNanos.length;
        }

        double throughput() {
            return seconds > 0 ? requests() / seconds : 0;
        }

        /** Nearest-rank percentile ({@code p} in 0..100), in milliseconds. */
        double percentileMillis(double p) {
            if (latencyNanos.length == 0) {
                return 0;
            }
            int rank = (int) Math.ceil(p / 100 * latencyNanos.length);
            return latencyNanos[Math.max(0, Math.min(latencyNanos.length - 1, rank - 1))] / 1e6;
        }

        double meanMillis() {
            return latencyNanos.length == 0 ? 0 : Arrays.stream(latencyNanos).average().orElse(0) / 1e6;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%d requests in %.1f s, %d errors", requests(), seconds, errors);
        }
    }

    private static final byte[] BODY = "{\"reading\":21.5}".getBytes(StandardCharsets.UTF_8);
    private static final int TIMEOUT_MILLIS = 15_000; // API Gateway's 10 s plus margin
    private static final int MAX_ERROR_SAMPLES = 10;

    private PushLoad() {
    }

    /**
     * Lets the JDK keep {@code connections} idle keep-alive connections per destination (default 5):
     * with more threads than that, the surplus connections would be closed after every request and
     * the run would measure TCP connects. Read once, when the JDK's keep-alive cache is first used, so
     * call it before anything in this JVM opens an {@link HttpURLConnection} (the AWS SDK's
     * URLConnection client in the stack included).
     */
    static void allowKeepAliveConnections(int connections) {
        String set = System.getProperty("http.maxConnections");
        if (set == null || Integer.parseInt(set) < connections) {
            System.setProperty("http.maxConnections", Integer.toString(connections));
        }
    }

    /** Pushes for {@code warmup}, then measures for {@code measured}. */
    static Result run(URI httpEndpoint, List<PushToken> tokens, int concurrency, Duration warmup, Duration measured)
            throws InterruptedException {
        if (tokens.isEmpty() || concurrency < 1) {
            throw new IllegalArgumentException("need tokens and concurrency >= 1");
        }
        URL push;
        try {
            push = httpEndpoint.resolve("/push").toURL();
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
        long start = System.nanoTime();
        Window window = new Window(start + warmup.toNanos(), start + warmup.toNanos() + measured.toNanos());
        AtomicLong next = new AtomicLong();
        Worker[] workers = new Worker[concurrency];
        for (int i = 0; i < concurrency; i++) {
            workers[i] = new Worker(push, tokens, next, window);
        }
        Workers.start(concurrency, "push-bench", i -> workers[i].run()).join();
        int total = 0;
        for (Worker w : workers) {
            total += w.count;
        }
        long[] all = new long[total];
        long okCurrent = 0;
        long okPrevious = 0;
        long errors = 0;
        long warmupRequests = 0;
        long warmupErrors = 0;
        List<String> samples = new java.util.ArrayList<>();
        int at = 0;
        for (Worker w : workers) {
            System.arraycopy(w.latencies, 0, all, at, w.count);
            at += w.count;
            okCurrent += w.okCurrent;
            okPrevious += w.okPrevious;
            errors += w.errors;
            warmupRequests += w.warmupRequests;
            warmupErrors += w.warmupErrors;
            for (String s : w.samples) {
                if (samples.size() < MAX_ERROR_SAMPLES) {
                    samples.add(s);
                }
            }
        }
        Arrays.sort(all);
        return new Result(concurrency, measured.toNanos() / 1e9, all, okCurrent, okPrevious, errors,
                warmupRequests, warmupErrors, List.copyOf(samples));
    }

    /** The measured window, in {@link System#nanoTime()}: requests that end inside it are measured. */
    private record Window(long from, long to) {
    }

    private static final class Worker implements Runnable {
        private final URL push;
        private final List<PushToken> tokens;
        private final AtomicLong next;
        private final Window window;
        private final byte[] buffer = new byte[8192];
        long[] latencies = new long[1 << 14];
        int count;
        long okCurrent;
        long okPrevious;
        long errors;
        long warmupRequests;
        long warmupErrors;
        final List<String> samples = new java.util.ArrayList<>();

        Worker(URL push, List<PushToken> tokens, AtomicLong next, Window window) {
            this.push = push;
            this.tokens = tokens;
            this.next = next;
            this.window = window;
        }

        @Override
        public void run() {
            while (true) {
                PushToken token = tokens.get((int) (next.getAndIncrement() % tokens.size()));
                long start = System.nanoTime();
                String error = push(token);
                long end = System.nanoTime();
                if (end >= window.to) {
                    return; // ended after the window: neither warm-up nor measured
                }
                if (end < window.from) {
                    warmupRequests++;
                    if (error != null) {
                        warmupErrors++;
                        sample("warm-up", token, error);
                    }
                    continue;
                }
                if (count == latencies.length) {
                    latencies = Arrays.copyOf(latencies, count * 2);
                }
                latencies[count++] = end - start;
                if (error != null) {
                    errors++;
                    sample("measured", token, error);
                } else if (token.slot == Slot.CURRENT) {
                    okCurrent++;
                } else {
                    okPrevious++;
                }
            }
        }

        private void sample(String phase, PushToken token, String error) {
            if (samples.size() < MAX_ERROR_SAMPLES) {
                samples.add(phase + " push " + token + ": " + error);
            }
        }

        /** One push; null when it was answered 200 for the token's client from its slot, else what went wrong. */
        private String push(PushToken token) {
            try {
                HttpURLConnection c = (HttpURLConnection) push.openConnection();
                c.setRequestMethod("POST");
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(BODY.length);
                c.setConnectTimeout(TIMEOUT_MILLIS);
                c.setReadTimeout(TIMEOUT_MILLIS);
                c.setRequestProperty("Authorization", token.authorization);
                c.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = c.getOutputStream()) {
                    out.write(BODY);
                }
                int status = c.getResponseCode();
                // Read the body to its end and close the stream: that returns the socket to the
                // keep-alive cache (disconnect() would close it).
                int length = 0;
                try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                    if (in != null) {
                        for (int n; (n = in.read(buffer, length, buffer.length - length)) > 0; ) {
                            length += n;
                            if (length == buffer.length) {
                                in.transferTo(OutputStream.nullOutputStream());
                                break;
                            }
                        }
                    }
                }
                if (status != 200) {
                    return "HTTP " + status;
                }
                if (!contains(buffer, length, token.expectedClient) || !contains(buffer, length, token.expectedSlot)) {
                    return "200 without the expected client and slot in the body";
                }
                return null;
            } catch (IOException | RuntimeException e) {
                return e.getClass().getSimpleName();
            }
        }

        private static boolean contains(byte[] haystack, int length, byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (haystack[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }
    }
}
