package dev.gracekeys.reliability;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.testkit.RequestCounter;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.functions.backfill.BackfillHandler;
import dev.gracekeys.functions.describe.DescribeHandler;
import dev.gracekeys.functions.expiresweep.ExpireSweepHandler;
import dev.gracekeys.functions.revokeold.RevokeOldHandler;
import dev.gracekeys.functions.rotate.RotateHandler;
import dev.gracekeys.functions.setstatus.SetStatusHandler;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.gracekeys.reliability.FuzzInputs.describe;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every ops function, real and in-process against DynamoDB Local, fed generated bad payloads
 * through the raw {@code RequestHandler<Object, ...>} interface: wrong types for each field, unknown
 * fields, oversized strings, unicode and control characters, negative and huge numbers, nested
 * garbage, fields that may not go together, and payloads that are not objects at all.
 *
 * <p>Each must fail with exactly {@link ValidationException} (backfill: a rejection per record in
 * its answer), with a message that names a field and shows none of the payload's long random strings
 * (an invalid clientId is echoed, printable and cut at 70 characters, an unknown field name at 40:
 * that is the design), after <b>zero</b> DynamoDB requests; the table is unchanged afterwards.
 * {@code expire-sweep} takes any object by design: it never fails on one, and writes nothing when
 * nothing has expired.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class FuzzOpsIT {

    static final int PER_FUNCTION = 250;
    static final int BACKFILL_PAYLOADS = 150;
    static final int BACKFILL_RECORD_BATCHES = 60;
    static final int BACKFILL_BIG_BATCH = 2_000;
    static final int SWEEP_PAYLOADS = 12;

    static final Set<String> WRITES = Set.of("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems",
            "BatchWriteItem");

    /** Per function: what happened. */
    static final class Tally {
        int payloads;
        int validationErrors;
        int recordRejections;
        long requests;
        final Map<String, Integer> mutations = new TreeMap<>();
    }

    @Test
    void badPayloads_failWithANamedValidationError_echoNoLongValue_andChangeNothing(TestTable table) {
        long seed = FuzzInputs.seed(0x0F5_2026L);
        System.out.println("[FuzzOpsIT] seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        FuzzInputs in = new FuzzInputs(seed);
        FuzzPayloads gen = new FuzzPayloads(in);
        LambdaTestKit kit = new LambdaTestKit(table);
        seedClients(kit);
        kit.events.clear();
        var before = table.snapshot();

        RequestCounter counter = new RequestCounter();
        Map<String, Tally> tallies = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        Context lambda = LambdaTestKit.lambdaContext();
        long started = System.nanoTime();
        try (RotateHandler rotate = new RotateHandler(kit.context(counter));
             RevokeOldHandler revoke = new RevokeOldHandler(kit.context(counter));
             DescribeHandler describe = new DescribeHandler(kit.context(counter));
             SetStatusHandler status = new SetStatusHandler(kit.context(counter));
             BackfillHandler backfill = new BackfillHandler(kit.context(counter))) {
            Map<String, RequestHandler<Object, Map<String, Object>>> functions = new LinkedHashMap<>();
            functions.put("rotate", raw(rotate));
            functions.put("revoke-old", raw(revoke));
            functions.put("describe", raw(describe));
            functions.put("set-status", raw(status));

            for (Map.Entry<String, RequestHandler<Object, Map<String, Object>>> f : functions.entrySet()) {
                Set<String> names = new HashSet<>(FuzzPayloads.FIELDS.get(f.getKey()).keySet());
                Tally tally = tallies.computeIfAbsent(f.getKey(), k -> new Tally());
                for (int i = 0; i < PER_FUNCTION && failures.size() < 20; i++) {
                    FuzzPayloads.Bad bad = gen.bad(f.getKey());
                    expectValidationError(f.getKey(), f.getValue(), bad, names, counter, tally, lambda, failures);
                }
            }

            RequestHandler<Object, Map<String, Object>> bf = raw(backfill);
            Set<String> bfNames = new HashSet<>(FuzzPayloads.BACKFILL_FIELDS);
            bfNames.addAll(FuzzPayloads.RECORD_FIELDS);
            bfNames.addAll(List.of("bucket", "key"));
            Tally payloadTally = tallies.computeIfAbsent("backfill", k -> new Tally());
            for (int i = 0; i < BACKFILL_PAYLOADS && failures.size() < 20; i++) {
                expectValidationError("backfill", bf, gen.badBackfill(), bfNames, counter, payloadTally, lambda, failures);
            }
            Tally recordTally = tallies.computeIfAbsent("backfill (records)", k -> new Tally());
            for (int i = 0; i <= BACKFILL_RECORD_BATCHES && failures.size() < 20; i++) {
                int count = i == BACKFILL_RECORD_BATCHES ? BACKFILL_BIG_BATCH : in.between(1, 40);
                expectRejections(bf, gen.badRecords(count), count, counter, recordTally, lambda, failures);
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        print(tallies, millis);
        assertEquals(List.of(), failures);
        assertEquals(before, table.snapshot(), "bad payloads changed the table");
        for (DomainEvent e : kit.events.events()) {
            assertEquals(DomainEvent.BACKFILL_COMPLETED, e.type(), "only backfill runs report: " + e);
            assertEquals(0, e.detail().get("imported"), "nothing imported: " + e);
        }
        for (Map.Entry<String, Tally> t : tallies.entrySet()) {
            assertEquals(0, t.getValue().requests, t.getKey() + " made DynamoDB requests for bad input");
        }
    }

    @Test
    void expireSweep_takesAnyObject_andWritesNothingWhenNothingExpired(TestTable table) {
        long seed = FuzzInputs.seed(0x5EE9_2026L);
        System.out.println("[FuzzOpsIT] expire-sweep seed " + seed);
        FuzzInputs in = new FuzzInputs(seed);
        LambdaTestKit kit = new LambdaTestKit(table);
        seedClients(kit);
        kit.core().sweeper().sweep(); // the one write: the claim of the expiring-soon notice, sent once
        kit.events.clear();
        var before = table.snapshot();
        RequestCounter counter = new RequestCounter();
        List<String> failures = new ArrayList<>();
        int nonObjects = 0;
        try (ExpireSweepHandler sweep = new ExpireSweepHandler(kit.context(counter))) {
            RequestHandler<Object, Map<String, Object>> raw = raw(sweep);
            for (int i = 0; i < SWEEP_PAYLOADS; i++) {
                Object payload = sweepPayload(in, i);
                try {
                    Map<String, Object> out = raw.handleRequest(payload, LambdaTestKit.lambdaContext());
                    if (!Integer.valueOf(0).equals(out.get("expired")) || !Integer.valueOf(1).equals(out.get("expiringSoon"))) {
                        failures.add("#" + i + ": " + out);
                    }
                } catch (Throwable e) {
                    failures.add("#" + i + ": " + e.getClass().getName() + " for " + describe(payload));
                }
            }
            // Not an object (JSON null, a string, a number, an array): the Java runtime cannot hand
            // such a payload to a Map handler on AWS; through the raw interface it is refused the way
            // every ops function refuses it, with a ValidationException, and nothing is swept.
            for (Object notAnObject : java.util.Arrays.asList(null, "{}", 42, List.of(), true)) {
                nonObjects++;
                ValidationException e = assertThrows(ValidationException.class,
                        () -> raw.handleRequest(notAnObject, LambdaTestKit.lambdaContext()));
                assertTrue(e.getMessage().contains("JSON object"), e.getMessage());
            }
        }
        Map<String, Long> requests = counter.snapshot();
        System.out.println("[FuzzOpsIT] expire-sweep: " + SWEEP_PAYLOADS + " garbage objects answered, " + nonObjects
                + " non-objects refused with ValidationException; DynamoDB requests " + requests
                + "; events " + kit.events.events().size() + " (none: the notice was sent once, before)");
        assertEquals(List.of(), failures);
        assertEquals(before, table.snapshot(), "the sweep wrote with nothing expired");
        requests.keySet().forEach(op -> assertFalse(WRITES.contains(op), "the sweep wrote: " + requests));
        assertEquals(List.of(), kit.events.events(), "announced already: no PreviousTokenExpiringSoon again");
    }

    private static Object sweepPayload(FuzzInputs in, int i) {
        return switch (i % 6) {
            case 0 -> new LinkedHashMap<>();
            case 1 -> in.junkMap(3);
            case 2 -> {
                Map<String, Object> scheduled = new LinkedHashMap<>();
                scheduled.put("version", in.junkValue(1));
                scheduled.put("id", in.malformed());
                scheduled.put("detail-type", "Scheduled Event");
                scheduled.put("source", in.pick(List.of("aws.events", "aws.scheduler", "gracekeys", "")));
                scheduled.put("time", in.pick(List.of("not a time", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z")));
                scheduled.put("resources", in.junkList(2));
                scheduled.put("detail", in.junkMap(3));
                yield scheduled;
            }
            case 3 -> {
                Map<String, Object> many = new LinkedHashMap<>();
                for (int k = 0; k < 2_000; k++) {
                    many.put("k" + k, in.junkValue(0));
                }
                yield many;
            }
            case 4 -> {
                Map<String, Object> deep = new LinkedHashMap<>();
                deep.put("detail", in.deep(500));
                deep.put("clientId", "FUZZOPS01");
                deep.put("now", "2999-01-01T00:00:00Z"); // asking for a later "now" changes nothing
                yield deep;
            }
            default -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(in.malformed(), in.malformed());
                m.put("dryRun", in.junkValue(1));
                yield m;
            }
        };
    }

    /** FUZZOPS01: named, with a previous token 12 h from expiry; FUZZOPS02: inactive. */
    private static void seedClients(LambdaTestKit kit) {
        GraceKeys core = kit.core();
        core.tokens().rotate(new RotateRequest("FUZZOPS01", null, true, "Fuzz fleet"));
        core.tokens().rotate(new RotateRequest("FUZZOPS01", 12 * 3600L, null, null));
        core.tokens().rotate(new RotateRequest("FUZZOPS02", null, true, null));
        core.tokens().setStatus(new StatusRequest("FUZZOPS02", false));
        kit.clock.advance(Duration.ofSeconds(5));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static RequestHandler<Object, Map<String, Object>> raw(RequestHandler<?, ?> handler) {
        return (RequestHandler) handler; // Lambda hands any JSON value to the handler's entry point
    }

    private static void expectValidationError(String function, RequestHandler<Object, Map<String, Object>> handler,
                                              FuzzPayloads.Bad bad, Set<String> fieldNames, RequestCounter counter,
                                              Tally tally, Context lambda, List<String> failures) {
        tally.payloads++;
        bad.mutations().forEach(m -> tally.mutations.merge(m.replaceAll(":.*", ""), 1, Integer::sum));
        long requestsBefore = counter.total();
        String what = function + " " + bad.mutations() + " " + describe(bad.payload());
        try {
            Map<String, Object> out = handler.handleRequest(bad.payload(), lambda);
            failures.add(what + ": no error, answered " + describe(out));
        } catch (Throwable e) {
            if (e.getClass() != ValidationException.class) {
                failures.add(what + ": " + e.getClass().getName() + " instead of ValidationException");
            } else {
                tally.validationErrors++;
                String problem = checkMessage(messages(e), fieldNames, bad.planted());
                if (problem != null) {
                    failures.add(what + ": " + problem);
                }
            }
        } finally {
            long made = counter.total() - requestsBefore;
            tally.requests += made;
            if (made != 0) {
                failures.add(what + ": " + made + " DynamoDB request(s)");
            }
        }
    }

    private static void expectRejections(RequestHandler<Object, Map<String, Object>> handler, FuzzPayloads.Bad bad,
                                         int count, RequestCounter counter, Tally tally, Context lambda,
                                         List<String> failures) {
        tally.payloads++;
        bad.mutations().forEach(m -> tally.mutations.merge(m, 1, Integer::sum));
        long requestsBefore = counter.total();
        try {
            Map<String, Object> out = handler.handleRequest(bad.payload(), lambda);
            List<?> rejected = (List<?>) out.get("rejected"); // the first 100 listed, all counted
            tally.recordRejections += (Integer) out.get("rejectedCount");
            if (!Integer.valueOf(count).equals(out.get("read")) || !Integer.valueOf(count).equals(out.get("rejectedCount"))
                    || rejected.size() != Math.min(count, 100)
                    || !Integer.valueOf(0).equals(out.get("imported")) || !((List<?>) out.get("conflicts")).isEmpty()) {
                failures.add("backfill of " + count + " bad records answered " + describe(out));
                return;
            }
            Set<String> recordFields = new HashSet<>(FuzzPayloads.RECORD_FIELDS);
            recordFields.add("record");
            for (int i = 0; i < rejected.size(); i++) {
                Map<?, ?> r = (Map<?, ?>) rejected.get(i);
                if (!Integer.valueOf(i).equals(r.get("index"))) {
                    failures.add("rejections out of order: " + describe(r));
                }
                String problem = checkMessage(String.valueOf(r.get("reason")), recordFields, List.of());
                if (problem != null) {
                    failures.add("record " + i + ": " + problem);
                }
            }
            String echoed = FuzzPayloads.echoed(out.toString(), bad.planted());
            if (echoed != null) {
                failures.add("backfill's answer shows a planted value: " + describe(echoed));
            }
        } catch (Throwable e) {
            failures.add("backfill of " + count + " bad records threw " + e.getClass().getName() + ": "
                    + describe(e.getMessage()));
        } finally {
            long made = counter.total() - requestsBefore;
            tally.requests += made;
            if (made != 0) {
                failures.add("backfill of bad records made " + made + " DynamoDB request(s)");
            }
        }
    }

    /** The message and every cause's, and toString: all a caller or a log could see. */
    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t).append('\n');
        }
        return b.toString();
    }

    private static String checkMessage(String message, Set<String> fieldNames, List<FuzzPayloads.Planted> planted) {
        if (message == null || message.isBlank() || "null".equals(message)) {
            return "no message";
        }
        if (fieldNames.stream().noneMatch(message::contains)) {
            return "the message names no field: " + describe(message);
        }
        if (message.length() > 2_000) {
            return "a " + message.length() + "-character message";
        }
        String echoed = FuzzPayloads.echoed(message, planted);
        return echoed == null ? null : "the message shows a planted value (" + echoed.length() + " chars): "
                + describe(message);
    }

    private static void print(Map<String, Tally> tallies, long millis) {
        StringBuilder b = new StringBuilder("[FuzzOpsIT] bad payloads, " + millis + " ms\n");
        b.append(String.format("  %-20s %9s %12s %17s %18s%n", "function", "payloads", "Validation", "record rejections",
                "DynamoDB requests"));
        int payloads = 0;
        for (Map.Entry<String, Tally> e : tallies.entrySet()) {
            Tally t = e.getValue();
            payloads += t.payloads;
            b.append(String.format("  %-20s %9d %12d %17d %18d%n", e.getKey(), t.payloads, t.validationErrors,
                    t.recordRejections, t.requests));
        }
        Map<String, Integer> kinds = new TreeMap<>();
        tallies.values().forEach(t -> t.mutations.forEach((k, v) -> kinds.merge(k, v, Integer::sum)));
        b.append("  ").append(payloads).append(" payloads; mutations applied: ").append(kinds);
        System.out.println(b);
    }
}
