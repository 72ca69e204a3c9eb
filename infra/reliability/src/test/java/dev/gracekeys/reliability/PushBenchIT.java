package dev.gracekeys.reliability;

import dev.gracekeys.local.LocalOptions;
import dev.gracekeys.local.LocalSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The push benchmark measures what it claims: a short run of its measuring core (10 clients,
 * concurrency 2, ~2 s) against the local stack pushes with current and previous tokens, every push
 * is a 200 from the expected slot (a benchmark of 401s or 403s would fail here), the figures are
 * ordered, and every push ran the authorizer (no cache: a client disabled after the run is denied at
 * once, with the very tokens that were just allowed).
 */
class PushBenchIT {

    @Test
    void shortRun_pushesCurrentAndPreviousTokens_allAccepted_noErrors(@TempDir Path dataDir) throws Exception {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        long t0 = System.nanoTime();
        try (LocalSystem stack = LocalSystem.start(
                new LocalOptions(dataDir, true, 0, 0, 0, PushBench.NO_AUTHORIZER_CACHE, false), Map.of(), quiet)) {
            long t1 = System.nanoTime();
            List<PushLoad.PushToken> tokens = PushBench.createFleet(stack.lambdaEndpoint(), 10);
            long t2 = System.nanoTime();
            assertEquals(5, PushBench.count(tokens, PushLoad.Slot.CURRENT));
            assertEquals(5, PushBench.count(tokens, PushLoad.Slot.PREVIOUS));

            PushLoad.Result r = PushLoad.run(stack.httpEndpoint(), tokens, 2, Duration.ofMillis(300), Duration.ofSeconds(2));
            List<String> lines = PushBench.lines(r, tokens);
            System.out.println("---- PushBenchIT (10 clients, concurrency 2, 2 s; figures mean nothing here) ----");
            lines.forEach(System.out::println);
            System.out.printf("stack %.1f s, clients %.1f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);

            assertTrue(r.requests() > 0, "requests: " + r.requests());
            assertEquals(0, r.errors(), "failed pushes: " + r.errorSamples());
            assertEquals(0, r.warmupErrors(), "failed warm-up pushes: " + r.errorSamples());
            assertEquals(r.requests(), r.okCurrent() + r.okPrevious());
            assertTrue(r.okCurrent() > 0, "pushes accepted from the current slot: " + r.okCurrent());
            assertTrue(r.okPrevious() > 0, "pushes accepted from the previous slot: " + r.okPrevious());
            assertTrue(r.percentileMillis(50) > 0);
            assertTrue(r.percentileMillis(50) <= r.percentileMillis(99), r.toString());
            assertTrue(r.percentileMillis(99) <= r.percentileMillis(100), r.toString());
            for (String line : lines) {
                assertTrue(line.matches("push\\.[a-z0-9.]+: [0-9]+(\\.[0-9]+)? [a-z/]+"), line);
            }
            assertTrue(lines.contains("push.errors: 0 errors"), lines.toString());

            // No authorizer cache: disabling a client denies its tokens on the very next push.
            HttpClient http = HttpClient.newHttpClient();
            for (PushLoad.PushToken t : List.of(tokens.get(0), tokens.get(1))) {
                PushBench.invoke(http, stack.lambdaEndpoint(), "set-status", Map.of("clientId", t.clientId, "active", false));
                HttpResponse<String> denied = http.send(HttpRequest.newBuilder(stack.httpEndpoint().resolve("/push"))
                        .header("Authorization", t.authorization)
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(403, denied.statusCode(), t + " after set-status active=false");
            }
        }
    }
}
