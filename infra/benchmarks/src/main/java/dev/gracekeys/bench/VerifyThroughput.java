package dev.gracekeys.bench;

import com.amazonaws.services.lambda.runtime.Context;
import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler;
import dev.gracekeys.testkit.Workers;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;

/**
 * Verify throughput end to end through the real authorizer handler
 * ({@code VerifyAuthorizerHandler.handleRequest} with an HTTP API v2 event: event parsing, the
 * Micronaut function wrapper, HMAC, one strongly consistent GetItem, the response map), against the
 * throughput of the bare GetItem of the very same items, in the same run, on the same DynamoDB Local,
 * through the same client (the handler's own {@code DynamoDbClient} bean, so HTTP client, timeouts
 * and endpoint are identical). The bare GetItem is the verify's own request as it went on the wire
 * (captured from the handler: key, strong consistency, projection), without the per-call time budget.
 * Both at the same concurrency (default 8 threads). The ratio says how much of DynamoDB's
 * throughput the authorizer's code path keeps.
 *
 * <p>Phases alternate (raw, handler, raw, handler, raw: one more raw phase than handler phases, so
 * that a drift over the run, such as DynamoDB Local's own JIT warming up, favours neither side), each
 * a warm-up (not counted) and a measured window; each figure is all operations of its measured windows
 * over their total time. Tokens are the current and previous tokens of many clients, each
 * thread walking the list from its own offset.
 *
 * <p>All threads share one handler instance. A Lambda container serves one request at a time, so
 * this is not how Lambda runs it: what is measured is the code path of each call, under concurrency
 * as the table sees it. The last-use write (at most one per token per 5 minutes) is paid in a priming
 * pass over every token before the phases, so the phases measure the steady state, in which a verify
 * is one read; {@code throughput.authorizer.lastuse_writes} shows any write that still happened.
 *
 * <p>Before the phases, both sides run unmeasured for a while ({@code --settle-seconds}), alternating:
 * DynamoDB Local runs in this JVM and its code needs its JIT warm-up as much as the handler's.
 *
 * <p>Usage: {@code VerifyThroughput [--clients N] [--threads N] [--settle-seconds S] [--warmup-seconds S]
 * [--seconds S] [--rounds N]}
 */
public final class VerifyThroughput {

    static final String USAGE = """
            usage: VerifyThroughput [--clients N (default 500)] [--threads N (default 8)]
                                    [--settle-seconds S (default 12)] [--warmup-seconds S (default 3)]
                                    [--seconds S (default 10)] [--rounds N (default 2)]

            Throughput of the real authorizer handler against an in-process DynamoDB Local, and of a
            bare strongly consistent GetItem of the same items through the same client, in alternating
            phases (raw, handler, raw, handler, raw for 2 rounds), each a warm-up and a measured window,
            after both ran unmeasured for the settle time. Each client has a current and a previous
            token. Prints figures only on stdout.""";

    /**
     * @param raw             ops/s of each measured raw phase
     * @param authorizer      ops/s of each measured handler phase
     * @param authorizerDenied handler calls in measured phases that did not allow (must be 0)
     * @param rawMisses       GetItems in measured phases that found no item (must be 0)
     * @param lastUseWrites   UpdateItems during the measured handler phases
     * @param readsPerCall    GetItems per handler call in the measured phases
     */
    public record Result(int threads, int tokens, List<Double> raw, List<Double> authorizer, long rawOps,
                         double rawSeconds, long authorizerOps, double authorizerSeconds, long authorizerDenied,
                         long rawMisses, long lastUseWrites, double readsPerCall) {

        double rawRate() {
            return rawOps / rawSeconds;
        }

        double authorizerRate() {
            return authorizerOps / authorizerSeconds;
        }

        double ratio() {
            return authorizerRate() / rawRate();
        }

        List<String> figures() {
            return List.of(
                    Cli.figure("throughput.threads", threads, "threads"),
                    Cli.figure("throughput.tokens", tokens, "tokens"),
                    Cli.figure("throughput.raw_getitem", Math.round(rawRate()), "ops/s"),
                    Cli.figure("throughput.authorizer", Math.round(authorizerRate()), "ops/s"),
                    Cli.figure("throughput.ratio", Cli.fixed(ratio(), 2), "x"),
                    Cli.figure("throughput.raw_getitem.phases", rounded(raw), "ops/s"),
                    Cli.figure("throughput.authorizer.phases", rounded(authorizer), "ops/s"),
                    Cli.figure("throughput.authorizer.reads_per_call", Cli.fixed(readsPerCall, 3), "requests"),
                    Cli.figure("throughput.authorizer.lastuse_writes", lastUseWrites, "requests"),
                    Cli.figure("throughput.authorizer.denied", authorizerDenied, "calls"),
                    Cli.figure("throughput.raw_getitem.misses", rawMisses, "calls"));
        }

        /** {@code 612,598}: one token, as a figure's value must be. */
        private static String rounded(List<Double> rates) {
            return rates.stream().map(r -> Long.toString(Math.round(r))).collect(java.util.stream.Collectors.joining(","));
        }
    }

    private VerifyThroughput() {
    }

    public static void main(String[] args) {
        Cli.main(args, USAGE, Map.of("clients", "500", "threads", "8", "settle-seconds", "12", "warmup-seconds", "3",
                "seconds", "10", "rounds", "2"), o -> {
                    try (LocalDynamo ddb = LocalDynamo.start()) {
                        return measure(ddb, o.integer("clients"), o.integer("threads"),
                                Duration.ofMillis(Math.round(o.decimal("settle-seconds") * 1000)),
                                Duration.ofMillis(Math.round(o.decimal("warmup-seconds") * 1000)),
                                Duration.ofMillis(Math.round(o.decimal("seconds") * 1000)),
                                o.integer("rounds")).figures();
                    }
                });
    }

    public static Result measure(LocalDynamo ddb, int clients, int threads, Duration settle, Duration warmup,
                                 Duration window, int rounds) throws Exception {
        String table = ddb.newTable("throughput");
        String pepper = LocalDynamo.newPepper();
        GraceKeys seeding = DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table).withLegacyKeyPattern(LegacyKeys.PATTERN), ddb.client()).pepper(Pepper.fromBase64(pepper)).events(EventPublisher.NONE).clock(Clock.systemUTC()).build();
        long seedStart = System.nanoTime();
        List<Fleet.Client> fleet = Fleet.createAndRotate(seeding, "TP", clients, null, 4, "clients");
        Cli.progress("throughput: %d clients seeded in %.1f s", clients, (System.nanoTime() - seedStart) / 1e9);

        // Current and previous tokens interleaved, and the item key each one's verify reads.
        TokenHasher hasher = new TokenHasher(Pepper.fromBase64(pepper));
        List<Map<String, Object>> events = new ArrayList<>();
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        for (Fleet.Client c : fleet) {
            for (String token : List.of(c.current(), c.previous())) {
                events.add(Authorizer.event(token));
                keys.add(TableSchema.tokenKey(hasher.keyOfToken(token)));
            }
        }
        AtomicReference<GetItemRequest> verifyRead = new AtomicReference<>();
        DynamoCounter counter = new DynamoCounter(request -> {
            if (request instanceof GetItemRequest g) {
                verifyRead.compareAndSet(null, g);
            }
        });
        try (VerifyAuthorizerHandler handler = Authorizer.handler(ddb.functionSettings(table, pepper), counter)) {
            DynamoDbClient client = handler.getApplicationContext().getBean(DynamoDbClient.class);
            Context context = Authorizer.lambdaContext();
            LongAdder denied = new LongAdder();
            LongAdder misses = new LongAdder();
            IntPredicate viaHandler = i -> {
                boolean allowed = Boolean.TRUE.equals(handler.handleRequest(events.get(i), context).get("isAuthorized"));
                if (!allowed) {
                    denied.increment();
                }
                return allowed;
            };
            List<GetItemRequest> gets = new ArrayList<>();
            IntPredicate raw = i -> {
                Map<String, AttributeValue> item = client.getItem(gets.get(i)).item();
                boolean found = item != null && !item.isEmpty();
                if (!found) {
                    misses.increment();
                }
                return found;
            };

            // Priming: every token once through the handler (pays each token's last-use write).
            Phase priming = new Phase(threads, events.size(), viaHandler);
            priming.runOnce();
            Cli.progress("throughput: primed %d tokens (%d denied)", events.size(), denied.sum());
            GetItemRequest sample = verifyRead.get();
            if (sample == null || !Boolean.TRUE.equals(sample.consistentRead())) {
                throw new IllegalStateException("the handler's verify sent no strongly consistent GetItem");
            }
            for (Map<String, AttributeValue> key : keys) {
                gets.add(sample.toBuilder().key(key).overrideConfiguration((AwsRequestOverrideConfiguration) null).build());
            }

            for (int i = 0; i < 4; i++) {
                new Phase(threads, events.size(), i % 2 == 0 ? raw : viaHandler).timed(settle.dividedBy(4), Duration.ZERO);
            }
            Cli.progress("throughput: settled for %.1f s", settle.toMillis() / 1000.0);

            List<Double> rawRates = new ArrayList<>();
            List<Double> handlerRates = new ArrayList<>();
            long rawOps = 0;
            long handlerOps = 0;
            double rawSeconds = 0;
            double handlerSeconds = 0;
            long lastUseWrites = 0;
            long handlerReads = 0; // GetItems in the handler phases, warm-ups included (the counter sees both)
            long handlerCalls = 0; // handler calls in those phases, warm-ups included
            denied.reset();
            misses.reset();
            // raw, handler, raw, ..., raw: the raw phases surround the handler's, so a drift over the run
            // (JIT, DynamoDB Local warming up, the machine's load) favours neither side.
            for (int phase = 0; phase <= 2 * rounds; phase++) {
                if (phase % 2 == 0) {
                    Phase.Window r = new Phase(threads, gets.size(), raw).timed(warmup, window);
                    rawRates.add(r.rate());
                    rawOps += r.ops();
                    rawSeconds += r.seconds();
                    Cli.progress("throughput: phase %d raw GetItem %.0f ops/s", phase + 1, r.rate());
                } else {
                    long writesBefore = counter.count("UpdateItem");
                    long readsBefore = counter.count("GetItem");
                    Phase.Window h = new Phase(threads, events.size(), viaHandler).timed(warmup, window);
                    lastUseWrites += counter.count("UpdateItem") - writesBefore;
                    handlerReads += counter.count("GetItem") - readsBefore;
                    handlerCalls += h.allOps();
                    handlerRates.add(h.rate());
                    handlerOps += h.ops();
                    handlerSeconds += h.seconds();
                    Cli.progress("throughput: phase %d authorizer %.0f ops/s", phase + 1, h.rate());
                }
            }
            return new Result(threads, events.size(), rawRates, handlerRates, rawOps, rawSeconds, handlerOps,
                    handlerSeconds, denied.sum(), misses.sum(), lastUseWrites,
                    handlerCalls == 0 ? 0 : (double) handlerReads / handlerCalls);
        }
    }

    /**
     * {@code threads} threads calling {@code op} on indexes 0..size-1, each from its own offset,
     * round and round: once over every index ({@link #runOnce}), or for a warm-up and a measured
     * window ({@link #timed}).
     */
    record Phase(int threads, int size, IntPredicate op) {

        /** @param ops in the measured window; @param allOps warm-up included */
        record Window(long ops, double seconds, long allOps) {
            double rate() {
                return ops / seconds;
            }
        }

        void runOnce() throws InterruptedException {
            Workers.start(threads, "bench-worker", first -> {
                for (int i = first; i < size; i += threads) {
                    op.test(i);
                }
            }).join();
        }

        Window timed(Duration warmup, Duration window) throws InterruptedException {
            LongAdder counted = new LongAdder();
            LongAdder all = new LongAdder();
            CountDownLatch go = new CountDownLatch(1);
            Flags state = new Flags();
            Workers workers = Workers.start(threads, "bench-worker", t -> {
                int offset = (int) ((long) size * t / threads);
                go.await();
                for (int i = offset; !state.stop; i = (i + 1) % size) {
                    op.test(i);
                    all.increment();
                    if (state.measuring) {
                        counted.increment();
                    }
                }
            });
            go.countDown();
            Thread.sleep(warmup.toMillis());
            counted.reset();
            long from = System.nanoTime();
            state.measuring = true;
            Thread.sleep(window.toMillis());
            state.measuring = false;
            long ops = counted.sum();
            long to = System.nanoTime();
            state.stop = true;
            workers.join();
            return new Window(ops, (to - from) / 1e9, all.sum());
        }

        private static final class Flags {
            volatile boolean measuring;
            volatile boolean stop;
        }
    }
}
