package dev.gracekeys.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The fleet story under load, against a running local stack: pushers POST /push through the HTTP
 * API and the real authorizer, each with the token that was current when it started (they never
 * fetch a new one; new pushers start with the newest token after each rotation), while one ops
 * thread rotates the client through the Lambda Invoke API, moves the stack's clock
 * ({@code POST /_local/clock}) so previous tokens expire, calls revoke-old, and rotates with grace
 * 0. Every push is then judged against {@link LoadModel}, the ground truth built from the ops
 * thread's own records.
 *
 * <p>The stack must run with {@code clockControl}. With an authorizer cache (API Gateway's result
 * TTL), give its TTL: a push may then get a decision made up to that long before it started (the
 * documented revocation latency), so it is judged against every state its token had since then.
 * All traffic goes to the endpoints given (loopback).
 */
public final class LoadRun {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PUSH_TIMEOUT = Duration.ofSeconds(15); // API Gateway's 10 s plus margin

    private final URI http;
    private final URI lambda;
    private final LoadPlan plan;
    private final PrintStream progress;
    private final HttpClient pushClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final HttpClient opsClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final LoadModel model = new LoadModel();
    private final LoadReport report = new LoadReport();
    private final ConcurrentLinkedQueue<Push> done = new ConcurrentLinkedQueue<>();
    private final AtomicLong pushes = new AtomicLong();
    private final AtomicLong transportRetries = new AtomicLong();
    private final List<Pusher> pushers = new ArrayList<>();
    private volatile CountDownLatch pace;
    private volatile boolean stopAll;

    private record Push(LoadModel.Token token, long start, long end, LoadReport.Got got) {
    }

    private final long cacheMicros;

    public LoadRun(URI httpEndpoint, URI lambdaEndpoint, LoadPlan plan, PrintStream progress) {
        this(httpEndpoint, lambdaEndpoint, plan, progress, Duration.ZERO);
    }

    /**
     * @param authorizerCache the stack's authorizer result TTL ({@code --authorizer-ttl}); a cached
     *                        decision lives at most this long in wall time (clock moves only shorten it)
     */
    public LoadRun(URI httpEndpoint, URI lambdaEndpoint, LoadPlan plan, PrintStream progress, Duration authorizerCache) {
        this.cacheMicros = authorizerCache.toNanos() / 1_000;
        this.http = httpEndpoint;
        this.lambda = lambdaEndpoint;
        this.plan = plan;
        this.progress = progress;
    }

    /** The stack clock's offset once the run is over (to check the table "now"). */
    public Duration clockOffset() {
        return Duration.ofNanos(model.offsetMicros() * 1_000);
    }

    public LoadReport run() throws IOException, InterruptedException {
        long started = System.nanoTime();
        long deadline = started + plan.maxDuration().toNanos();
        try {
            Map<String, Object> created = invoke("rotate", Map.of("clientId", plan.clientId(), "create", true));
            LoadModel.Token first = model.issued((String) created.get("token"), (String) created.get("tokenId"));
            for (int i = 0; i < plan.pushersAtOnce(); i++) {
                start(first, 1 + i / plan.newPushersPerRotation());
            }
            report.pushersAtOnce = plan.pushersAtOnce();
            for (int k = 1; k <= plan.rotations(); k++) {
                String stop = stopReason(deadline);
                if (stop != null) {
                    report.stoppedBecause = stop;
                    break;
                }
                // By time: rotation k is due at its slot of the schedule, however long the ops took.
                long rotationStart = started + (k - 1) * (plan.rotationInterval() == null ? 0 : plan.rotationInterval().toNanos());
                int steps = plan.steps(k);
                int step = 0;
                rotate(k);
                pace(rotationStart, ++step, steps);
                if (plan.shortGrace(k)) {
                    long half = plan.shortGraceSeconds() / 2;
                    moveClock(half); // still inside the window: the previous token must keep working
                    pace(rotationStart, ++step, steps);
                    moveClock(plan.shortGraceSeconds() - half + 1); // past it
                    pace(rotationStart, ++step, steps);
                }
                if (plan.longClockMove(k)) {
                    moveClock(plan.graceSeconds() + 1);
                    pace(rotationStart, ++step, steps);
                }
                if (plan.revokeOld(k)) {
                    revokeOld();
                    pace(rotationStart, ++step, steps);
                }
                if (progress != null) {
                    progress.printf("load: rotation %d/%d, %d pushes so far%n", k, plan.rotations(), pushes.get());
                }
            }
        } finally {
            stopAll = true;
            for (Pusher p : pushers) {
                p.thread.join(PUSH_TIMEOUT.toMillis() + 5_000);
            }
        }
        judge();
        report.seconds = (System.nanoTime() - started) / 1e9;
        report.tokens = model.tokens().size();
        report.transportRetries = transportRetries.get();
        return report;
    }

    private String stopReason(long deadlineNanos) {
        if (System.nanoTime() > deadlineNanos) {
            return "time limit";
        }
        if (pushes.get() >= plan.maxPushes()) {
            return "push limit";
        }
        return null;
    }

    // ---- ops --------------------------------------------------------------------------------------

    private void rotate(int k) throws IOException, InterruptedException {
        long grace = plan.graceOf(k);
        LoadModel.Token before = model.current();
        LoadModel.Token olderPrevious = model.livePrevious();
        judge();
        long start = LoadModel.nowMicros();
        Map<String, Object> r = invoke("rotate", Map.of("clientId", plan.clientId(), "graceSeconds", grace));
        long end = LoadModel.nowMicros();
        LoadModel.Token next = model.issued((String) r.get("token"), (String) r.get("tokenId"));
        Object previous = r.get("previous");
        // MAX_PREVIOUS_TOKENS=1: pushed out of the slot by the demoted token (or pruned, if expired).
        // A grace-0 rotation revokes the demoted token instead and takes no slot: the older one stays.
        if (olderPrevious != null && grace != 0) {
            model.killed(olderPrevious, LoadModel.Kill.DROPPED, start, end);
        }
        if (grace == 0) {
            require(previous == null, "a grace-0 rotation reports no previous token");
            model.killed(before, LoadModel.Kill.REVOKED, start, end);
            report.graceZeroRotations++;
        } else {
            Map<?, ?> p = (Map<?, ?>) previous;
            require(p != null && before.tokenId.equals(p.get("tokenId")), "the demoted token is the one that was current");
            model.demoted(before, start, end, Instant.parse((String) p.get("expiresAt")));
        }
        report.rotations++;
        for (Pusher p : pushers) {
            if (p.retireAfter <= k) {
                p.stop = true;
            }
        }
        for (int i = 0; i < plan.newPushersPerRotation(); i++) {
            start(next, k + plan.pusherLifetime());
        }
    }

    private void moveClock(long seconds) throws IOException, InterruptedException {
        judge();
        long start = LoadModel.nowMicros();
        HttpResponse<String> r = opsClient.send(HttpRequest.newBuilder(http.resolve("/_local/clock?seconds=" + seconds))
                .timeout(PUSH_TIMEOUT).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        long end = LoadModel.nowMicros();
        require(r.statusCode() == 200, "moving the clock needs the stack's clock control: " + r.statusCode());
        model.clockMoved(start, end, seconds);
        report.clockMoves++;
        report.clockMovedSeconds += seconds;
    }

    private void revokeOld() throws IOException, InterruptedException {
        judge();
        LoadModel.Token previous = model.livePrevious();
        long start = LoadModel.nowMicros();
        Map<String, Object> r = invoke("revoke-old", Map.of("clientId", plan.clientId()));
        long end = LoadModel.nowMicros();
        boolean revoked = Boolean.TRUE.equals(r.get("revoked"));
        report.revokes++;
        if (revoked) {
            require(previous != null && model.expiry(previous, start, end) >= 0,
                    "revoke-old revoked a token the ground truth says was gone or expired");
            model.killed(previous, LoadModel.Kill.REVOKED, start, end);
            report.revokesThatRevoked++;
        } else {
            require(previous == null || model.expiry(previous, start, end) <= 0,
                    "revoke-old found nothing although the ground truth has a previous token in its window");
        }
    }

    private Map<String, Object> invoke(String function, Map<String, Object> payload) throws IOException, InterruptedException {
        return PushBench.invoke(opsClient, lambda, function, payload);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("ground truth and stack disagree: " + what);
        }
    }

    /**
     * Between steps: by progress (the pushers make {@code pushesPerStep} pushes, bounded), or by
     * time (step {@code step} of {@code steps} ends at its share of the rotation interval).
     */
    private void pace(long rotationStartNanos, int step, int steps) throws InterruptedException {
        if (plan.pushesPerStep() > 0) {
            CountDownLatch latch = new CountDownLatch(plan.pushesPerStep());
            pace = latch;
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!latch.await(1, TimeUnit.SECONDS)) {
                if (pushes.get() >= plan.maxPushes()) {
                    break;
                }
                if (System.nanoTime() > giveUp) {
                    throw new IllegalStateException("the pushers made no progress for 60 s");
                }
            }
            pace = null;
            return;
        }
        long until = rotationStartNanos + plan.rotationInterval().toNanos() * step / steps;
        for (long left; (left = until - System.nanoTime()) > 0 && !stopAll; ) {
            LockSupport.parkNanos(Math.min(left, 200_000_000L)); // pacing the load, not waiting for a rule
            if (pushes.get() >= plan.maxPushes()) {
                return;
            }
        }
    }

    /** Judges every finished push: all operations that can affect them are over. */
    private void judge() {
        for (Push p; (p = done.poll()) != null; ) {
            // With a cache, the decision served may have been made up to its TTL before the push.
            report.add(model.expect(p.token, p.start - cacheMicros, p.end), p.got, p.end - p.start, p.token, p.start, p.end);
        }
    }

    // ---- pushers ------------------------------------------------------------------------------------

    private void start(LoadModel.Token token, int retireAfter) {
        Pusher p = new Pusher(token, retireAfter);
        pushers.add(p);
        report.pushersStarted++;
        p.thread.start();
    }

    private final class Pusher implements Runnable {
        final LoadModel.Token token;
        final int retireAfter;
        final Thread thread;
        volatile boolean stop;

        Pusher(LoadModel.Token token, int retireAfter) {
            this.token = token;
            this.retireAfter = retireAfter;
            this.thread = new Thread(this, "pusher-" + token.index + "-" + pushers.size());
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            HttpRequest request = HttpRequest.newBuilder(http.resolve("/push"))
                    .timeout(PUSH_TIMEOUT)
                    .header("Authorization", "Bearer " + token.value)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"reading\":21.5}"))
                    .build();
            String clientField = "\"clientId\":\"" + plan.clientId() + "\"";
            while (!stop && !stopAll && pushes.get() < plan.maxPushes()) {
                long start = LoadModel.nowMicros();
                LoadReport.Got got;
                try {
                    HttpResponse<String> r;
                    try {
                        r = pushClient.send(request, HttpResponse.BodyHandlers.ofString());
                    } catch (IOException e) {
                        if (!String.valueOf(e.getMessage()).contains("received no bytes")) {
                            throw e;
                        }
                        // The server closed a kept-alive connection as this push went out, before
                        // any byte of an answer: no decision was made. A device's HTTP client sends
                        // it again on a new connection, once; a second failure is an error.
                        transportRetries.incrementAndGet();
                        r = pushClient.send(request, HttpResponse.BodyHandlers.ofString());
                    }
                    got = switch (r.statusCode()) {
                        case 200 -> !r.body().contains(clientField) ? LoadReport.Got.ALLOWED_UNEXPECTED_BODY
                                : r.body().contains("\"tokenSlot\":\"current\"") ? LoadReport.Got.ALLOWED_CURRENT
                                : r.body().contains("\"tokenSlot\":\"previous\"") ? LoadReport.Got.ALLOWED_PREVIOUS
                                : LoadReport.Got.ALLOWED_UNEXPECTED_BODY;
                        case 403 -> LoadReport.Got.DENIED;
                        default -> LoadReport.Got.OTHER_STATUS;
                    };
                } catch (IOException e) {
                    got = LoadReport.Got.IO_ERROR;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long end = LoadModel.nowMicros();
                done.add(new Push(token, start, end, got));
                pushes.incrementAndGet();
                CountDownLatch latch = pace;
                if (latch != null) {
                    latch.countDown();
                }
            }
        }
    }
}
