package dev.gracekeys.bench;

import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * DynamoDB requests per verify, counted on the wire: the real authorizer handler (its own Micronaut
 * context, AwsClients, the core's Verifier and DynamoDbStore) against DynamoDB Local, with a
 * {@link DynamoCounter} registered as a bean, so AwsClients attaches it to the very DynamoDB client
 * the Verifier uses. Verifies run one at a time, so the requests between two calls are that
 * verify's, exactly.
 *
 * <p>The run mixes malformed tokens (bad checksum, too short, characters no key has), well-formed
 * unknown ones (GraceKeys-shaped and legacy-shaped), and the current and previous tokens (within
 * grace) of a fleet of clients. An injected clock moves forward by an equal step after each verify,
 * so the run spans simulated minutes without sleeping and the Verifier's last-use throttle
 * ({@code LAST_USE_INTERVAL_SECONDS}, 300 by default) is exercised: every last-use UpdateItem is
 * noted with its item key and the simulated instant, and the figure is the most writes one token
 * got in any 5-minute window.
 *
 * <p>Usage: {@code RequestsPerVerify [--verifies N] [--clients N] [--minutes N]}
 */
public final class RequestsPerVerify {

    static final String USAGE = """
            usage: RequestsPerVerify [--verifies N (default 12000)] [--clients N (default 200)] [--minutes N (default 40)]

            Counts DynamoDB requests per verify through the real authorizer handler against an
            in-process DynamoDB Local: malformed, unknown, current and previous tokens of N clients,
            with a simulated clock spanning the given minutes. Prints figures only on stdout.""";

    static final Duration WINDOW = Duration.ofMinutes(5);

    /** What a verify presents. */
    enum Kind { MALFORMED, UNKNOWN, CURRENT, PREVIOUS }

    /** Requests of the verifies of one kind. */
    static final class Tally {
        long verifies;
        long requests;
        long reads;
        long writes;
        long minReads = Long.MAX_VALUE;
        long maxReads;

        double perVerify(long n) {
            return verifies == 0 ? 0 : (double) n / verifies;
        }
    }

    /**
     * @param unexpectedVerdicts verifies whose answer was not the one their kind calls for (must be 0)
     * @param lastUseWrites      last-use UpdateItems in the run
     * @param maxWritesPerWindow the most last-use writes of one token within any 5-minute window
     */
    public record Result(int verifies, int clients, Duration simulated, Map<Kind, Tally> byKind,
                         long unexpectedVerdicts, long lastUseWrites, int maxWritesPerWindow,
                         Map<String, Long> byOperation) {

        Tally tally(Kind k) {
            return byKind.get(k);
        }

        List<String> figures() {
            List<String> f = new ArrayList<>();
            f.add(Cli.figure("requests_per_verify.verifies", verifies, "verifies"));
            f.add(Cli.figure("requests_per_verify.clients", clients, "clients"));
            f.add(Cli.figure("requests_per_verify.simulated", Cli.fixed(simulated.toSeconds() / 60.0, 1), "min"));
            Tally m = tally(Kind.MALFORMED);
            f.add(Cli.figure("requests_per_verify.malformed", Cli.fixed(m.perVerify(m.requests), 3), "requests"));
            for (Kind k : List.of(Kind.UNKNOWN, Kind.CURRENT, Kind.PREVIOUS)) {
                Tally t = tally(k);
                String name = "requests_per_verify." + k.name().toLowerCase(java.util.Locale.ROOT);
                f.add(Cli.figure(name + ".reads", Cli.fixed(t.perVerify(t.reads), 3), "requests"));
                f.add(Cli.figure(name + ".writes", Cli.fixed(t.perVerify(t.writes), 3), "requests"));
            }
            long min = Long.MAX_VALUE;
            long max = 0;
            for (Kind k : List.of(Kind.UNKNOWN, Kind.CURRENT, Kind.PREVIOUS)) {
                if (tally(k).verifies > 0) {
                    min = Math.min(min, tally(k).minReads);
                    max = Math.max(max, tally(k).maxReads);
                }
            }
            f.add(Cli.figure("requests_per_verify.wellformed.reads.min", min == Long.MAX_VALUE ? 0 : min, "requests"));
            f.add(Cli.figure("requests_per_verify.wellformed.reads.max", max, "requests"));
            f.add(Cli.figure("requests_per_verify.unexpected_verdicts", unexpectedVerdicts, "verifies"));
            f.add(Cli.figure("lastuse.writes", lastUseWrites, "writes"));
            f.add(Cli.figure("lastuse.writes_per_token_per_5min.max", maxWritesPerWindow, "writes"));
            return f;
        }
    }

    private RequestsPerVerify() {
    }

    public static void main(String[] args) {
        Cli.main(args, USAGE, Map.of("verifies", "12000", "clients", "200", "minutes", "40"), o -> {
            try (LocalDynamo ddb = LocalDynamo.start()) {
                return measure(ddb, o.integer("verifies"), o.integer("clients"),
                        Duration.ofSeconds(Math.round(o.decimal("minutes") * 60))).figures();
            }
        });
    }

    /** A note of one last-use write: which item (kept in memory, never printed), at which simulated instant. */
    record Write(String itemKey, Instant at) {
    }

    public static Result measure(LocalDynamo ddb, int verifies, int clients, Duration span) throws Exception {
        String table = ddb.newTable("rpv");
        String pepper = LocalDynamo.newPepper();
        MutableClock clock = new MutableClock();
        GraceKeys seeding = DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table).withLegacyKeyPattern(LegacyKeys.PATTERN), ddb.client()).pepper(Pepper.fromBase64(pepper)).events(EventPublisher.NONE).clock(clock).build();
        List<Fleet.Client> fleet = Fleet.createAndRotate(seeding, "RPV", clients, null, 4, "clients");
        Cli.progress("requests per verify: %d clients seeded; %d verifies over %d simulated minutes",
                clients, verifies, span.toMinutes());

        ConcurrentLinkedQueue<Write> lastUse = new ConcurrentLinkedQueue<>();
        DynamoCounter counter = new DynamoCounter((SdkRequest request) -> {
            if (request instanceof UpdateItemRequest u) {
                AttributeValue pk = u.key().get(TableSchema.PK);
                lastUse.add(new Write(pk == null ? "?" : pk.s(), clock.instant()));
            }
        });
        Map<Kind, Tally> byKind = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            byKind.put(k, new Tally());
        }
        long unexpected = 0;
        Random random = new Random(42);
        TokenFormat format = TokenFormat.defaults();
        SecureTokenGenerator strangers = new SecureTokenGenerator(format);
        Duration step = span.dividedBy(Math.max(1, verifies));
        Instant start = clock.instant();
        try (VerifyAuthorizerHandler handler = Authorizer.handler(ddb.functionSettings(table, pepper), clock, counter)) {
            var context = Authorizer.lambdaContext();
            for (int i = 0; i < verifies; i++) {
                int roll = random.nextInt(100);
                Kind kind = roll < 10 ? Kind.MALFORMED : roll < 20 ? Kind.UNKNOWN : roll < 65 ? Kind.CURRENT : Kind.PREVIOUS;
                Fleet.Client client = fleet.get(random.nextInt(fleet.size()));
                String token = switch (kind) {
                    case MALFORMED -> malformed(random, client.current());
                    case UNKNOWN -> random.nextBoolean() ? strangers.next().value() : legacyShaped(random);
                    case CURRENT -> client.current();
                    case PREVIOUS -> client.previous();
                };
                long total = counter.total();
                long reads = counter.reads();
                long writes = counter.writes();
                Map<String, Object> response = handler.handleRequest(Authorizer.event(token), context);
                Tally t = byKind.get(kind);
                long r = counter.reads() - reads;
                t.verifies++;
                t.requests += counter.total() - total;
                t.reads += r;
                t.writes += counter.writes() - writes;
                t.minReads = Math.min(t.minReads, r);
                t.maxReads = Math.max(t.maxReads, r);
                if (!expected(kind, response)) {
                    unexpected++;
                }
                clock.advance(step);
                if ((i + 1) % 2000 == 0) {
                    Cli.progress("requests per verify: %d/%d verifies", i + 1, verifies);
                }
            }
        }
        Duration simulated = Duration.between(start, clock.instant());
        return new Result(verifies, clients, simulated, byKind, unexpected, lastUse.size(), maxPerWindow(lastUse),
                counter.byOperation());
    }

    private static boolean expected(Kind kind, Map<String, Object> response) {
        boolean allowed = Boolean.TRUE.equals(response.get("isAuthorized"));
        Object slot = response.get("context") instanceof Map<?, ?> c ? c.get("tokenSlot") : null;
        return switch (kind) {
            case MALFORMED, UNKNOWN -> !allowed;
            case CURRENT -> allowed && "current".equals(slot);
            case PREVIOUS -> allowed && "previous".equals(slot);
        };
    }

    /** The most writes of one item within any half-open window of {@link #WINDOW}. */
    static int maxPerWindow(Iterable<Write> writes) {
        Map<String, List<Instant>> byItem = new HashMap<>();
        for (Write w : writes) {
            byItem.computeIfAbsent(w.itemKey(), k -> new ArrayList<>()).add(w.at());
        }
        int max = 0;
        for (List<Instant> times : byItem.values()) {
            Collections.sort(times);
            int from = 0;
            for (int to = 0; to < times.size(); to++) {
                while (!times.get(from).plus(WINDOW).isAfter(times.get(to))) {
                    from++;
                }
                max = Math.max(max, to - from + 1);
            }
        }
        return max;
    }

    /** Never looked up: a GraceKeys token with a wrong checksum, a too-short one, or characters no key has. */
    private static String malformed(Random random, String real) {
        return switch (random.nextInt(3)) {
            case 0 -> {
                char last = real.charAt(real.length() - 1);
                yield real.substring(0, real.length() - 1) + (last == 'a' ? 'b' : 'a');
            }
            case 1 -> real.substring(0, 20);
            default -> "not*a#token!" + random.nextInt(1_000_000);
        };
    }

    /** A key in the legacy shape (looked up when it matches LEGACY_KEY_PATTERN), never imported. */
    private static String legacyShaped(Random random) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder s = new StringBuilder("lk");
        for (int i = 0; i < 38; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }
}
