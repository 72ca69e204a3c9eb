package dev.gracekeys.bench;

import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.ops.Results.SweepResult;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.core.token.Pepper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the daily expiry sweep reads, in a big table with few expired tokens: the real core's
 * {@code ExpirySweeper} over a table of many clients, of which a few have an expired previous token
 * and some a previous token that is live for weeks yet (it sits in the sparse expiry index, and the
 * sweep must not read it). A {@link DynamoCounter} on the core's DynamoDB client counts the requests
 * and the items they read (Query/Scan {@code ScannedCount}, GetItem hits). The claim under test: the
 * sweep's cost follows the number of expired tokens, not the size of the table.
 *
 * <p>Seeding goes through the real core so items have their real shapes: the clients with previous
 * tokens through {@code TokenService} create and rotate; the bulk (one current token each) as
 * {@link ClonedClients}, copies of a client imported by the real {@code LegacyImporter}, written in
 * batches (importing 100,000 clients one transaction each would take minutes and measure nothing
 * here). Then the injected clock moves past the short grace and the sweep runs once, measured.
 *
 * <p>Usage: {@code SweepCost [--clients N] [--expired N] [--live-previous N] [--seed-threads N]}
 */
public final class SweepCost {

    static final String USAGE = """
            usage: SweepCost [--clients N (default 100000)] [--expired N (default 100)]
                             [--live-previous N (default 1% of --clients)] [--seed-threads N (default 8)]

            Seeds an in-process DynamoDB Local with N clients through the real core (copies of a
            backfilled client for the bulk; create + rotate for the clients with previous tokens, of
            which --expired expire and --live-previous stay live for 30 days), moves the clock past
            the expiry and runs the expiry sweep once, counting its requests and the items they read.
            Figures only on stdout; seeding progress on stderr.""";

    static final long SHORT_GRACE_SECONDS = 3_600;
    static final long LONG_GRACE_SECONDS = 30L * 86_400;

    /**
     * @param expired     previous tokens the sweep expired (its own count)
     * @param itemsRead   items read by the sweep's requests
     * @param byOperation the sweep's requests by operation
     */
    public record Result(String table, int clients, int seededExpired, int livePrevious, int expired, int expiringSoon,
                         long itemsRead, long requests, Map<String, Long> byOperation, double seconds,
                         double seedSeconds) {

        List<String> figures() {
            List<String> f = new ArrayList<>();
            f.add(Cli.figure("sweep.clients", clients, "clients"));
            f.add(Cli.figure("sweep.live_previous", livePrevious, "tokens"));
            f.add(Cli.figure("sweep.expired", expired, "tokens"));
            f.add(Cli.figure("sweep.items_read", itemsRead, "items"));
            f.add(Cli.figure("sweep.items_read_per_expired",
                    Cli.fixed(expired == 0 ? 0 : (double) itemsRead / expired, 2), "x"));
            f.add(Cli.figure("sweep.requests", requests, "requests"));
            byOperation.forEach((op, n) -> f.add(Cli.figure("sweep.requests." + op, n, "requests")));
            f.add(Cli.figure("sweep.seconds", Cli.fixed(seconds, 2), "s"));
            f.add(Cli.figure("sweep.seed_seconds", Cli.fixed(seedSeconds, 1), "s"));
            return f;
        }
    }

    private SweepCost() {
    }

    public static void main(String[] args) {
        Cli.main(args, USAGE, Map.of("clients", "100000", "expired", "100", "live-previous", "-1",
                "seed-threads", "8"), o -> {
            int clients = o.integer("clients");
            int live = o.integer("live-previous") < 0 ? clients / 100 : o.integer("live-previous");
            try (LocalDynamo ddb = LocalDynamo.start()) {
                return measure(ddb, clients, o.integer("expired"), live, o.integer("seed-threads")).figures();
            }
        });
    }

    public static Result measure(LocalDynamo ddb, int clients, int expired, int livePrevious, int seedThreads)
            throws Exception {
        if (expired + livePrevious > clients) {
            throw new IllegalArgumentException("--expired plus --live-previous must not exceed --clients");
        }
        String table = ddb.newTable("sweep");
        MutableClock clock = new MutableClock();
        DynamoCounter counter = new DynamoCounter();
        Pepper pepper = Pepper.fromBase64(LocalDynamo.newPepper());
        GraceKeys core = DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table).withLegacyKeyPattern(LegacyKeys.PATTERN), ddb.client(counter)).pepper(pepper).events(EventPublisher.NONE).clock(clock).build();

        long seedStart = System.nanoTime();
        Fleet.createAndRotate(core, "EXP", expired, SHORT_GRACE_SECONDS, seedThreads, "expiring clients");
        Fleet.createAndRotate(core, "LIVE", livePrevious, LONG_GRACE_SECONDS, seedThreads, "clients with live previous tokens");
        ClonedClients.seed(core, ddb.client(), table, pepper, "BULK", clients - expired - livePrevious, seedThreads,
                "backfilled clients");
        double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
        Cli.progress("sweep: seeded %d clients in %.1f s", clients, seedSeconds);

        clock.advance(Duration.ofSeconds(SHORT_GRACE_SECONDS).plusHours(1));
        counter.reset();
        long start = System.nanoTime();
        SweepResult result = core.sweeper().sweep();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(table, clients, expired, livePrevious, result.expired(), result.expiringSoon(),
                counter.itemsRead(), counter.total(), counter.byOperation(), seconds, seedSeconds);
    }
}
