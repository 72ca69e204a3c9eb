package dev.gracekeys.reliability;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.testkit.RequestCounter;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.gracekeys.reliability.FuzzInputs.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The real {@code verify-authorizer} handler, in-process against DynamoDB Local, fed more than
 * 100,000 generated events through the raw {@code RequestHandler<Object, ...>} interface (Lambda
 * passes any JSON value). Every DynamoDB request the handler's own client sends is counted by an SDK
 * interceptor registered as a bean, and checked per event:
 *
 * <ul>
 *   <li>garbage (not an object, no token, malformed token, bad checksum, a real token where the
 *       protocol does not read one): denied, <b>zero</b> DynamoDB requests;</li>
 *   <li>legacy-shaped strings and well-formed unknown tokens: denied, exactly one GetItem;</li>
 *   <li>real tokens (current and previous) in every accepted place and shape: allowed, with the
 *       right client and slot; revoked, expired, inactive ones and live ones with a garbled method
 *       ARN: denied after exactly one GetItem.</li>
 * </ul>
 * No exception may escape. The seed is printed; {@code -Dfuzz.seed=N} replays a run. A sample of
 * {@value #RAW_INVOCATIONS} events goes through the full Lambda entry point {@code handleRequest}, the
 * rest through {@code execute} (see {@link #RAW_INVOCATIONS} for why). A second test presents every
 * value of a leaked table as a token.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class FuzzAuthorizerIT {

    static final int GARBAGE_EVENTS = 100_000;
    static final int LEGACY_SHAPED_EVENTS = 500;
    static final int UNKNOWN_TOKEN_EVENTS = 2_000;
    static final int REAL_ALLOWED_EVENTS = 200;
    static final int REAL_DENIED_EVENTS = 200;
    /**
     * How many events (the first of the shuffled schedule, so every category) go through the full
     * Lambda entry point {@code RequestHandler.handleRequest}; the rest call the handler's
     * {@code execute(Object)}, which is what {@code handleRequest} runs for an {@code Object} input
     * after registering the Lambda context. That registration costs ~0.6 ms per call and grows with
     * every call (see {@link #warmContainer_doesNotAccumulateBeans_acrossInvocations}), so 100,000 of
     * them would take minutes; it never looks at the event.
     */
    static final int RAW_INVOCATIONS = 2_000;

    enum Category {
        NOT_AN_OBJECT(0), NO_TOKEN(0), MALFORMED_TOKEN(0), BAD_CHECKSUM(0), REAL_TOKEN_MISPLACED(0),
        LEGACY_SHAPED_UNKNOWN(1), WELL_FORMED_UNKNOWN(1), REAL_ALLOWED(1), REAL_DENIED(1);

        /** GetItem requests each event of the category must cost. */
        final int getItems;

        Category(int getItems) {
            this.getItems = getItems;
        }
    }

    /** One generated event and what it must produce. */
    record Case(Category category, Object event, String clientId, String slot) {
        static Case denied(Category c, Object event) {
            return new Case(c, event, null, null);
        }
    }

    /** Tallies per category, printed at the end for docs/security.md. */
    static final class Tally {
        long events;
        long raw;
        long denied;
        long allowed;
        final Map<String, Long> requests = new TreeMap<>();
        long nanos;
    }

    @Test
    void hostileEvents_areDenied_withZeroReadsForMalformed_andRealTokensStillPass(TestTable table) {
        long seed = FuzzInputs.seed(0x6B5F_F022_2026L);
        System.out.println("[FuzzAuthorizerIT] seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        FuzzInputs in = new FuzzInputs(seed);
        LambdaTestKit kit = new LambdaTestKit(table);
        Real real = Real.seed(kit);

        RequestCounter counter = new RequestCounter();
        Events gen = new Events(in, real, seed);
        // The schedule: how many events of each category, in a seeded random order. Each event is
        // generated just before it runs (some are megabytes; 100,000 of them are not kept).
        List<Category> schedule = new ArrayList<>();
        for (int i = 0; i < GARBAGE_EVENTS; i++) {
            schedule.add(gen.garbageCategory());
        }
        schedule.addAll(Collections.nCopies(LEGACY_SHAPED_EVENTS, Category.LEGACY_SHAPED_UNKNOWN));
        schedule.addAll(Collections.nCopies(UNKNOWN_TOKEN_EVENTS, Category.WELL_FORMED_UNKNOWN));
        schedule.addAll(Collections.nCopies(REAL_ALLOWED_EVENTS, Category.REAL_ALLOWED));
        schedule.addAll(Collections.nCopies(REAL_DENIED_EVENTS, Category.REAL_DENIED));
        Collections.shuffle(schedule, in.rnd);

        Map<Category, Tally> tallies = new EnumMap<>(Category.class);
        List<String> failures = new ArrayList<>();
        Context lambda = LambdaTestKit.lambdaContext();
        long started = System.nanoTime();
        long generationNanos = 0;
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context(counter))) {
            RequestHandler<Object, Map<String, Object>> raw = handler;
            int index = 0;
            for (Category category : schedule) {
                index++;
                long g0 = System.nanoTime();
                Case c = gen.make(category);
                generationNanos += System.nanoTime() - g0;
                Tally tally = tallies.computeIfAbsent(c.category(), k -> new Tally());
                Map<String, Long> before = counter.snapshot();
                long t0 = System.nanoTime();
                Map<String, Object> response;
                boolean viaRaw = index <= RAW_INVOCATIONS;
                if (viaRaw) {
                    tally.raw++;
                }
                try {
                    response = viaRaw ? raw.handleRequest(c.event(), lambda) : handler.execute(c.event());
                } catch (Throwable e) {
                    failures.add("#" + index + " " + c.category() + ": " + e.getClass().getName() + " escaped for "
                            + describe(c.event()));
                    continue;
                } finally {
                    tally.nanos += System.nanoTime() - t0;
                }
                tally.events++;
                Map<String, Long> delta = delta(before, counter.snapshot());
                delta.forEach((op, n) -> tally.requests.merge(op, n, Long::sum));
                String problem = check(c, response, delta);
                if (problem != null) {
                    failures.add("#" + index + " " + c.category() + ": " + problem + " for " + describe(c.event()));
                }
                if (isAllowed(response)) {
                    tally.allowed++;
                } else {
                    tally.denied++;
                }
                if (failures.size() >= 20) {
                    break;
                }
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        print(seed, tallies, millis);
        System.out.println("[FuzzAuthorizerIT] generating the events took " + generationNanos / 1_000_000 + " ms of it");
        assertEquals(List.of(), failures);
        long zeroRead = 0;
        for (Category c : Category.values()) {
            Tally t = tallies.get(c);
            assertNotNull(t, "no event of " + c + " was generated");
            if (c.getItems == 0) {
                zeroRead += t.events;
            }
        }
        assertTrue(zeroRead >= GARBAGE_EVENTS, "at least " + GARBAGE_EVENTS + " garbage events ran");
        assertEquals(REAL_ALLOWED_EVENTS, tallies.get(Category.REAL_ALLOWED).allowed, "every real token was allowed");
    }

    /**
     * A leaked table (or a leaked dump of the legacy system) gives no usable token: every value
     * stored in the table (key hashes with and without {@code TOKEN#}, tokenIds, client ids, the
     * hashes inside the client items' {@code cur}/{@code prev}, numbers, times) and the legacy
     * SHA-256 hashes that backfill imported, presented as tokens in every accepted place, are all
     * denied, at most one GetItem each; meanwhile the real tokens and legacy keys still pass.
     */
    @Test
    void leakedTableValues_andLegacySha256s_presentedAsTokens_areDenied(TestTable table) throws Exception {
        LambdaTestKit kit = new LambdaTestKit(table);
        Real real = Real.seed(kit);
        List<String> legacyKeys = new ArrayList<>();
        List<dev.gracekeys.core.ops.ImportRecord> records = new ArrayList<>();
        FuzzInputs in = new FuzzInputs(FuzzInputs.seed(0x7AB1E_2026L));
        for (int i = 0; i < 6; i++) {
            String key = "legacy-" + in.fromAlphabet(FuzzInputs.BASE62, 24);
            legacyKeys.add(key);
            records.add(i % 2 == 0
                    ? new dev.gracekeys.core.ops.ImportRecord("FUZZ-LEGACY" + i, key, null, null, null)
                    : new dev.gracekeys.core.ops.ImportRecord("FUZZ-LEGACY" + i, null, LeakCaptureIT.sha256Hex(key), null, null));
        }
        assertEquals(6, kit.core().importer().importAll(records, false).imported());

        java.util.Set<String> leaked = new java.util.LinkedHashSet<>();
        List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> items = table.snapshot();
        items.forEach(item -> item.values().forEach(v -> strings(v, leaked)));
        for (String pk : new ArrayList<>(leaked)) {
            if (pk.startsWith("TOKEN#")) {
                leaked.add(pk.substring("TOKEN#".length()));
            }
        }
        for (String key : legacyKeys) {
            String hex = LeakCaptureIT.sha256Hex(key);
            leaked.add(hex);
            leaked.add(hex.toUpperCase(java.util.Locale.ROOT));
        }

        RequestCounter counter = new RequestCounter();
        int presented = 0;
        long zeroRead = 0;
        long oneRead = 0;
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context(counter))) {
            for (String value : leaked) {
                for (Map<String, Object> event : List.of(
                        Map.<String, Object>of("version", "2.0", "headers", Map.of("authorization", "Bearer " + value)),
                        Map.<String, Object>of("version", "2.0", "type", "REQUEST", "headers", Map.of("authorization", "bearer " + value)),
                        Map.<String, Object>of("type", "TOKEN", "methodArn", VALID_ARN, "authorizationToken", value))) {
                    long before = counter.total();
                    Map<String, Object> out = handler.handleRequest(event, LambdaTestKit.lambdaContext());
                    long reads = counter.total() - before;
                    presented++;
                    assertFalse(isAllowed(out), "a value from the table was accepted as a token: " + describe(event));
                    String token = event.containsKey("authorizationToken") ? value : value.trim();
                    boolean lookedUp = value.indexOf(' ') < 0 && FORMAT.classify(token) != TokenFormat.Kind.MALFORMED;
                    assertEquals(lookedUp ? 1 : 0, reads, "reads for " + describe(value));
                    if (reads == 0) {
                        zeroRead++;
                    } else {
                        oneRead++;
                    }
                }
            }
            for (String t : real.allowed().keySet()) {
                assertTrue(isAllowed(handler.handleRequest(Map.of("version", "2.0", "headers",
                        Map.of("authorization", "Bearer " + t)), LambdaTestKit.lambdaContext())));
            }
            for (String key : legacyKeys) {
                assertTrue(isAllowed(handler.handleRequest(Map.of("version", "2.0", "headers",
                        Map.of("authorization", "Bearer " + key)), LambdaTestKit.lambdaContext())), "an imported legacy key verifies");
            }
        }
        System.out.println("[FuzzAuthorizerIT] leaked table: " + leaked.size() + " distinct values from " + items.size()
                + " items and 6 legacy SHA-256s (" + presented + " events): all denied; " + zeroRead
                + " cost 0 DynamoDB requests (malformed), " + oneRead + " one GetItem; the "
                + real.allowed().size() + " live tokens and 6 legacy keys still pass");
    }

    private static void strings(software.amazon.awssdk.services.dynamodb.model.AttributeValue v, java.util.Set<String> out) {
        if (v.s() != null) {
            out.add(v.s());
        }
        if (v.n() != null) {
            out.add(v.n());
        }
        if (v.hasM()) {
            v.m().values().forEach(x -> strings(x, out));
        }
        if (v.hasL()) {
            v.l().forEach(x -> strings(x, out));
        }
        if (v.hasSs()) {
            out.addAll(v.ss());
        }
    }

    /**
     * Demonstrates a bug outside this module's tests (see the report in docs/security.md): every
     * handler extends Micronaut's {@code MicronautRequestHandler}, whose {@code handleRequest}
     * registers the Lambda {@code Context} and its {@code LambdaLogger} as new runtime singletons on
     * every invocation ({@code HandlerUtils.configureWithContext} ->
     * {@code DefaultLambdaContextFactory.registerSingletons}); micronaut-inject 4.10.20 adds a new
     * bean definition each time instead of replacing the previous one. A warm container's bean
     * registry therefore grows by two definitions per invocation, forever, and each invocation gets
     * slower (measured in-process: 0.7 ms per call for the first 1,000, 5.5 ms after 12,000).
     */
    @Test
    void warmContainer_doesNotAccumulateBeans_acrossInvocations(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (VerifyAuthorizerHandler handler = new VerifyAuthorizerHandler(kit.context())) {
            RequestHandler<Object, Map<String, Object>> raw = handler;
            raw.handleRequest(Map.of("version", "2.0"), LambdaTestKit.lambdaContext());
            int before = handler.getApplicationContext().getAllBeanDefinitions().size();
            for (int i = 0; i < 1_000; i++) {
                raw.handleRequest(Map.of("version", "2.0"), LambdaTestKit.lambdaContext());
            }
            int after = handler.getApplicationContext().getAllBeanDefinitions().size();
            assertTrue(after - before < 10, "1,000 invocations added " + (after - before) + " bean definitions");
        }
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((op, n) -> {
            long diff = n - before.getOrDefault(op, 0L);
            if (diff != 0) {
                d.put(op, diff);
            }
        });
        return d;
    }

    /** What is wrong with this response and request count for this case; null when all is right. */
    private static String check(Case c, Map<String, Object> response, Map<String, Long> delta) {
        if (response == null) {
            return "null response";
        }
        long getItems = delta.getOrDefault("GetItem", 0L);
        long total = delta.values().stream().mapToLong(Long::longValue).sum();
        if (c.category().getItems == 0 && total != 0) {
            return "expected no DynamoDB request, got " + delta;
        }
        if (c.category().getItems == 1) {
            if (getItems != 1) {
                return "expected exactly one GetItem, got " + delta;
            }
            // An allowed token may also write its last use (at most one UpdateItem); nothing else.
            if (total - getItems > delta.getOrDefault("UpdateItem", 0L) || delta.getOrDefault("UpdateItem", 0L) > 1) {
                return "unexpected requests " + delta;
            }
            if (c.category() != Category.REAL_ALLOWED && c.category() != Category.REAL_DENIED && total != 1) {
                return "an unknown token wrote something: " + delta;
            }
        }
        boolean v2 = c.event() instanceof Map<?, ?> m && "2.0".equals(m.get("version"));
        if (v2 != response.containsKey("isAuthorized")) {
            return "response shape " + response.keySet() + " does not match the event's version";
        }
        if (c.clientId() == null) {
            if (isAllowed(response)) {
                return "ALLOWED";
            }
            if (v2) {
                return Boolean.FALSE.equals(response.get("isAuthorized")) && Map.of().equals(response.get("context"))
                        ? null : "a v2 deny must be isAuthorized false with an empty context: " + response;
            }
            return "unauthorized".equals(response.get("principalId")) && !response.containsKey("context")
                    && "Deny".equals(effect(response)) ? null : "a REST deny must be a Deny policy: " + response;
        }
        if (!isAllowed(response)) {
            return "a real " + c.slot() + " token was denied";
        }
        Map<?, ?> context = (Map<?, ?>) response.get("context");
        if (!c.clientId().equals(context.get("clientId")) || !c.slot().equals(context.get("tokenSlot"))) {
            return "wrong context " + context;
        }
        if (("previous".equals(c.slot())) != context.containsKey("previousExpiresAt")) {
            return "previousExpiresAt must be there exactly for a previous token: " + context;
        }
        if (!v2) {
            Map<?, ?> statement = statement(response);
            String resource = String.valueOf(statement.get("Resource"));
            if (!c.clientId().equals(response.get("principalId")) || !resource.endsWith("/*")
                    || !resource.startsWith("arn:aws") || !"execute-api:Invoke".equals(statement.get("Action"))) {
                return "wrong policy " + response;
            }
        }
        return null;
    }

    static boolean isAllowed(Map<String, Object> response) {
        if (response.containsKey("isAuthorized")) {
            return !Boolean.FALSE.equals(response.get("isAuthorized"));
        }
        return !"Deny".equals(effect(response));
    }

    private static Map<?, ?> statement(Map<String, Object> response) {
        Map<?, ?> doc = (Map<?, ?>) response.get("policyDocument");
        List<?> statements = (List<?>) doc.get("Statement");
        assertEquals(1, statements.size(), "one statement");
        return (Map<?, ?>) statements.get(0);
    }

    private static String effect(Map<String, Object> response) {
        return String.valueOf(statement(response).get("Effect"));
    }

    private static void print(long seed, Map<Category, Tally> tallies, long millis) {
        StringBuilder b = new StringBuilder();
        b.append("[FuzzAuthorizerIT] seed ").append(seed).append(": ");
        long events = tallies.values().stream().mapToLong(t -> t.events).sum();
        b.append(events).append(" events in ").append(millis).append(" ms\n");
        b.append(String.format("  %-24s %9s %9s %9s %8s %-28s %10s%n", "category", "events", "raw", "denied",
                "allowed", "DynamoDB requests", "us/event"));
        Map<String, Long> all = new TreeMap<>();
        long zero = 0;
        for (Map.Entry<Category, Tally> e : tallies.entrySet()) {
            Tally t = e.getValue();
            t.requests.forEach((op, n) -> all.merge(op, n, Long::sum));
            if (e.getKey().getItems == 0) {
                zero += t.events;
            }
            b.append(String.format("  %-24s %9d %9d %9d %8d %-28s %10.1f%n", e.getKey(), t.events, t.raw, t.denied,
                    t.allowed,
                    t.requests.isEmpty() ? "0" : t.requests.toString(), t.events == 0 ? 0.0 : t.nanos / 1000.0 / t.events));
        }
        b.append("  (raw = through RequestHandler.handleRequest, the rest through execute(Object))\n");
        b.append("  => ").append(zero).append(" malformed/missing/misplaced-token events cost 0 DynamoDB requests; ")
                .append("all requests: ").append(all);
        System.out.println(b);
    }

    // ---------------------------------------------------------------- the real tokens

    /** Real clients and tokens, issued through the core over the same table, pepper and clock. */
    record Real(Map<String, String[]> allowed, List<String> denied) {

        static Real seed(LambdaTestKit kit) {
            GraceKeys core = kit.core();
            Map<String, String[]> allowed = new LinkedHashMap<>();
            List<String> denied = new ArrayList<>();

            String a1 = core.tokens().rotate(new RotateRequest("FUZZ-ALIVE", null, true, "Fuzz fleet")).token();
            String a2 = core.tokens().rotate(new RotateRequest("FUZZ-ALIVE", 3 * 86_400L, null, null)).token();
            allowed.put(a1, new String[]{"FUZZ-ALIVE", "previous"});
            allowed.put(a2, new String[]{"FUZZ-ALIVE", "current"});

            String g1 = core.tokens().rotate(new RotateRequest("FUZZ-REVOKED", null, true, null)).token();
            String g2 = core.tokens().rotate(new RotateRequest("FUZZ-REVOKED", 0L, null, null)).token();
            denied.add(g1); // revoked at once by a grace-0 rotation
            allowed.put(g2, new String[]{"FUZZ-REVOKED", "current"});

            String e1 = core.tokens().rotate(new RotateRequest("FUZZ-EXPIRED", null, true, null)).token();
            String e2 = core.tokens().rotate(new RotateRequest("FUZZ-EXPIRED", 60L, null, null)).token();
            denied.add(e1); // previous, expires in 60 s: the clock moves past it below
            allowed.put(e2, new String[]{"FUZZ-EXPIRED", "current"});

            String i1 = core.tokens().rotate(new RotateRequest("FUZZ-INACTIVE", null, true, null)).token();
            core.tokens().setStatus(new StatusRequest("FUZZ-INACTIVE", false));
            denied.add(i1);

            kit.clock.advance(Duration.ofSeconds(61));
            return new Real(allowed, denied);
        }

        List<String> all() {
            List<String> l = new ArrayList<>(allowed.keySet());
            l.addAll(denied);
            return l;
        }
    }

    // ---------------------------------------------------------------- the events

    /** Builds events of each category. */
    static final class Events {
        private final FuzzInputs in;
        private final Real real;

        /** Unknown tokens: from the production generator, exactly as real ones are made. */
        private final SecureTokenGenerator unknown = new SecureTokenGenerator(FORMAT);
        /** Well-formed tokens to spoil (seeded, so a replay spoils the same ones). */
        private final SecureTokenGenerator lookalikes;

        Events(FuzzInputs in, Real real, long seed) {
            this.in = in;
            this.real = real;
            try {
                java.security.SecureRandom r = java.security.SecureRandom.getInstance("SHA1PRNG");
                r.setSeed(seed);
                this.lookalikes = new SecureTokenGenerator(FORMAT, r);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        Category garbageCategory() {
            int roll = in.rnd.nextInt(100);
            return roll < 4 ? Category.NOT_AN_OBJECT
                    : roll < 28 ? Category.NO_TOKEN
                    : roll < 78 ? Category.MALFORMED_TOKEN
                    : roll < 94 ? Category.BAD_CHECKSUM
                    : Category.REAL_TOKEN_MISPLACED;
        }

        Case make(Category c) {
            return switch (c) {
                case NOT_AN_OBJECT -> Case.denied(c, notAnObject());
                case NO_TOKEN -> Case.denied(c, noToken());
                case MALFORMED_TOKEN -> Case.denied(c, withToken(in.malformed()));
                case BAD_CHECKSUM -> Case.denied(c, withToken(in.badChecksum(in.chance(0.5)
                        ? in.pick(real.all()) : lookalikes.next().value())));
                case REAL_TOKEN_MISPLACED -> Case.denied(c, misplaced(in.pick(real.all())));
                case LEGACY_SHAPED_UNKNOWN -> Case.denied(c, withToken(in.legacyShaped()));
                case WELL_FORMED_UNKNOWN -> {
                    String t = unknown.next().value();
                    assertEquals(TokenFormat.Kind.GRACEKEYS, FORMAT.classify(t));
                    yield Case.denied(c, withToken(t));
                }
                case REAL_ALLOWED -> realAllowed();
                case REAL_DENIED -> realDenied();
            };
        }

        private Object notAnObject() {
            return switch (in.rnd.nextInt(8)) {
                case 0 -> null;
                case 1 -> in.junk();
                case 2 -> "Bearer " + in.pick(real.all()); // a real token, but the event is a bare string
                case 3 -> in.rnd.nextLong();
                case 4 -> in.rnd.nextBoolean();
                case 5 -> in.junkList(2);
                case 6 -> new ArrayList<>(List.of(event(Shape.V2, true))); // a whole event, inside a list
                default -> in.deep(in.between(50, 400));
            };
        }

        enum Shape { V2, V1, REST_REQUEST, REST_TOKEN, ODD }

        Shape shape() {
            return switch (in.rnd.nextInt(10)) {
                case 0, 1, 2, 3 -> Shape.V2;
                case 4 -> Shape.V1;
                case 5, 6 -> Shape.REST_REQUEST;
                case 7, 8 -> Shape.REST_TOKEN;
                default -> Shape.ODD;
            };
        }

        /** The frame of an event of this shape, without its token; a valid ARN or not. */
        Map<String, Object> event(Shape shape, boolean validArn) {
            Map<String, Object> e = new LinkedHashMap<>();
            Object arn = validArn ? in.pick(VALID_ARNS) : in.garbledArn();
            switch (shape) {
                case V2 -> {
                    e.put("version", "2.0");
                    e.put("type", "REQUEST");
                    e.put("routeArn", arn);
                    e.put("identitySource", in.chance(0.2) ? in.junkList(1) : List.of("$request.header.Authorization"));
                    e.put("routeKey", "POST /push");
                    e.put("rawPath", "/push");
                    e.put("headers", headers());
                    if (in.chance(0.3)) {
                        e.put("requestContext", in.junkMap(2));
                    }
                }
                case V1 -> {
                    e.put("version", "1.0");
                    e.put("type", "REQUEST");
                    e.put("methodArn", arn);
                    e.put("headers", headers());
                    e.put("multiValueHeaders", in.junkMap(1));
                }
                case REST_REQUEST -> {
                    e.put("type", "REQUEST");
                    e.put("methodArn", arn);
                    e.put("resource", "/push");
                    e.put("httpMethod", "POST");
                    e.put("headers", headers());
                    e.put("queryStringParameters", in.junkMap(1));
                }
                case REST_TOKEN -> {
                    e.put("type", "TOKEN");
                    e.put("methodArn", arn);
                }
                case ODD -> {
                    e.put("version", in.pick(java.util.Arrays.asList("2", "2.0 ", " 2.0", "V2.0", "3.0", null, 2.0, 2)));
                    e.put("type", in.pick(java.util.Arrays.asList("token", "Token", "TOKEN ", "request", null, 1, "")));
                    e.put(in.rnd.nextBoolean() ? "routeArn" : "methodArn", arn);
                    e.put("headers", in.chance(0.8) ? headers() : in.junkValue(2));
                }
            }
            return e;
        }

        /** Junk headers: none of their values is usable as a token, whatever the name. */
        Map<String, Object> headers() {
            Map<String, Object> h = new LinkedHashMap<>();
            int n = in.chance(0.01) ? in.between(200, 1000) : in.chance(0.1) ? in.between(11, 100) : in.between(0, 10);
            for (int i = 0; i < n; i++) {
                String name = switch (in.rnd.nextInt(8)) {
                    case 0 -> in.pick(DECOY_NAMES);
                    case 1 -> in.chance(0.5) ? in.pick(AUTH_NAMES) : in.pick(API_KEY_NAMES);
                    case 2 -> "x-api-\u212Aey"; // Kelvin sign: lower-cases (Locale.ROOT) to x-api-key
                    case 3 -> in.junk();
                    default -> in.pick(COMMON_NAMES) + (i > 9 ? "-" + i : "");
                };
                h.put(name, in.chance(0.85) ? shortMalformed() : in.junkValue(1));
            }
            return h;
        }

        /** A malformed value, mostly short (the long ones come from {@link FuzzInputs#malformed}). */
        private String shortMalformed() {
            String s = switch (in.rnd.nextInt(10)) {
                case 0, 1, 2, 3, 4, 5 -> in.ascii(in.between(0, 40));
                case 6, 7 -> in.unicode(in.between(1, 12));
                case 8 -> in.controls(in.between(1, 12));
                default -> in.malformed();
            };
            return malformedEverywhere(s) ? s : poison(s);
        }

        /** Events whose token positions hold nothing usable: absent, not strings, or empty. */
        Object noToken() {
            Shape shape = shape();
            Map<String, Object> e = event(shape, in.chance(0.7));
            switch (in.rnd.nextInt(6)) {
                case 0 -> e.remove("headers");
                case 1 -> e.put("headers", in.junkValue(2) instanceof String s ? poison(s) : in.junkList(1));
                case 2 -> e.put(shape == Shape.REST_TOKEN ? "authorizationToken" : "headers",
                        shape == Shape.REST_TOKEN ? in.junkValue(3) : tokenHeader(in.junkValue(3)));
                case 3 -> e.put(shape == Shape.REST_TOKEN ? "authorizationToken" : "headers",
                        shape == Shape.REST_TOKEN ? in.pick(List.of("", "   ", "Bearer", "Bearer   ", "\t\n"))
                                : tokenHeader(in.pick(List.of("", "   ", "Bearer", "Bearer   ", "\t\n"))));
                case 4 -> e.put(shape == Shape.REST_TOKEN ? "authorizationToken" : "headers",
                        shape == Shape.REST_TOKEN ? in.deep(in.between(1, 60))
                                : tokenHeader(in.deep(in.between(1, 60))));
                default -> {
                    // a token-named header whose value is a nested structure holding a real token
                    Map<String, Object> holder = new LinkedHashMap<>();
                    holder.put("value", "Bearer " + in.pick(real.all()));
                    e.put(shape == Shape.REST_TOKEN ? "authorizationToken" : "headers",
                            shape == Shape.REST_TOKEN ? List.of(holder) : tokenHeader(List.of("Bearer " + in.pick(real.all()))));
                }
            }
            return e;
        }

        private Map<String, Object> tokenHeader(Object value) {
            Map<String, Object> h = headersWithoutTokenNames(null);
            h.put(in.chance(0.5) ? in.pick(AUTH_NAMES) : in.pick(API_KEY_NAMES), value);
            return h;
        }

        /**
         * The event's junk headers (new ones if it has none) without any header whose name is a token
         * header, so a token placed afterwards is the only one.
         */
        @SuppressWarnings("unchecked")
        private Map<String, Object> headersWithoutTokenNames(Map<String, Object> event) {
            Map<String, Object> h = event != null && event.get("headers") instanceof Map<?, ?> m
                    ? (Map<String, Object>) m : headers();
            h.keySet().removeIf(FuzzInputs::isTokenHeaderName);
            return h;
        }

        /**
         * An event carrying {@code token} where the protocol reads it: {@code Authorization: Bearer},
         * or a TOKEN event's {@code authorizationToken}, header names in any case (the identity source is
         * Authorization; x-api-key is never read then).
         * No other value in the event is usable as a token.
         */
        Map<String, Object> withToken(String token) {
            Shape shape = in.pick(List.of(Shape.V2, Shape.V2, Shape.V1, Shape.REST_REQUEST, Shape.REST_TOKEN));
            Map<String, Object> e = event(shape, in.chance(0.8));
            String scheme = in.pick(List.of("Bearer ", "bearer ", "BEARER ", "Bearer   ", "bEaReR "));
            String pad = in.chance(0.2) ? in.pick(List.of(" ", "\t", "  \t ", "\u0000")) : "";
            if (shape == Shape.REST_TOKEN) {
                e.put("authorizationToken", in.chance(0.7) ? scheme + token + pad : pad + token + pad);
                return e;
            }
            // The event's junk headers hold nothing usable as a token; without token-named ones, the
            // token below is the one read.
            Map<String, Object> h = headersWithoutTokenNames(e);
            // The identity source is Authorization (the default): the only header read.
            h.put(in.pick(AUTH_NAMES), scheme + token + pad);
            e.put("headers", h);
            return e;
        }

        /** A real token, where the protocol does not read one: no request may be made. */
        Map<String, Object> misplaced(String token) {
            Shape shape = in.pick(List.of(Shape.V2, Shape.V1, Shape.REST_REQUEST));
            Map<String, Object> e = event(shape, true);
            Map<String, Object> h = headersWithoutTokenNames(e);
            switch (in.rnd.nextInt(9)) {
                case 0 -> h.put(in.pick(DECOY_NAMES), "Bearer " + token);
                case 1 -> h.put(in.pick(AUTH_NAMES), in.pick(List.of("Basic ", "Token ", "Digest ", "Bearer: ", "Bearer\u00A0"))
                        + token);
                case 2 -> h.put(in.pick(AUTH_NAMES), token); // bare token: only a TOKEN authorizer takes it
                case 3 -> h.put(in.pick(AUTH_NAMES), "Bearer " + token + " ".repeat(MAX_HEADER_CHARS)); // oversized
                case 4 -> h.put(in.pick(API_KEY_NAMES), in.chance(0.5) ? token : "Bearer " + token); // not the identity source
                case 5 -> h.put(in.pick(API_KEY_NAMES), token + "," + token); // two values joined
                case 6 -> e.put("authorizationToken", token); // a TOKEN field in a REQUEST event
                case 7 -> e.put("identitySource", List.of("Bearer " + token));
                default -> {
                    h.put("cookie", "session=" + token);
                    e.put("queryStringParameters", Map.of("api_key", token, "token", token));
                    e.put("body", "{\"token\":\"" + token + "\"}");
                }
            }
            e.put("headers", h);
            return e;
        }

        Case realAllowed() {
            List<String> tokens = new ArrayList<>(real.allowed().keySet());
            String token = in.pick(tokens);
            String[] owner = real.allowed().get(token);
            Map<String, Object> e = withToken(token);
            if (!(e.get("version") instanceof String v && v.equals("2.0"))) {
                e.put("methodArn", in.pick(VALID_ARNS));
            }
            return new Case(Category.REAL_ALLOWED, e, owner[0], owner[1]);
        }

        Case realDenied() {
            if (in.chance(0.6)) {
                return Case.denied(Category.REAL_DENIED, withToken(in.pick(real.denied())));
            }
            // a live token, but a REST event whose method ARN is garbled: never an Allow
            List<String> tokens = new ArrayList<>(real.allowed().keySet());
            Map<String, Object> e = withToken(in.pick(tokens));
            e.remove("version");
            Object arn = in.garbledArn();
            while (arn instanceof String s && VALID_ARNS.contains(s)) {
                arn = in.garbledArn();
            }
            e.put("methodArn", arn);
            e.remove("routeArn");
            return Case.denied(Category.REAL_DENIED, e);
        }
    }
}
