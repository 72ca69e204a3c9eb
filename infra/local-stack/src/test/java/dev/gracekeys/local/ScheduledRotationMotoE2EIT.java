package dev.gracekeys.local;

import dev.gracekeys.testkit.MotoServer;
import dev.gracekeys.testkit.MotoServerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scheduled rotation end to end, as it runs on AWS but against emulators: the local stack started
 * with {@code --aws-endpoint} (moto's Secrets Manager) over DynamoDB Local, a client delivering to a
 * secret, and Secrets Manager's part played as moto allows: {@code aws secretsmanager rotate-secret
 * --client-request-token T} (the AWS CLI v2 at {@code /usr/bin/aws} when present, else the SDK) makes
 * the AWSPENDING stub and answers an error, since moto cannot invoke a Lambda; the test then invokes
 * rotate-secret's four steps with {@code T} through the local Lambda API, retrying steps, as Secrets
 * Manager would. Meanwhile consumers read AWSCURRENT through a one-hour cache and push through the
 * HTTP API while the stack's clock moves ({@code /_local/clock}): none is ever denied, through an
 * abandoned rotation (which never starts a grace clock) and a finished one (whose old token stops at
 * promotion + 24 h, after every consumer moved on). Skipped (not failed) without moto.
 */
@ExtendWith(MotoServerExtension.class)
class ScheduledRotationMotoE2EIT {

    private static final long HOUR = 3600;
    /** The Secrets Manager caching clients' default TTL. */
    private static final long CACHE_TTL = HOUR;
    private static final long GRACE = 24 * HOUR;

    @TempDir
    static Path dataDir;

    private static MotoServer moto;
    private static E2EStack e2e;
    private static SecretsManagerClient secrets;
    /** Seconds the stack's clock has been moved: the consumers' caches read this clock. */
    private static long now;

    @BeforeAll
    static void start(MotoServer server) throws Exception {
        moto = server;
        secrets = moto.configure(SecretsManagerClient.builder()).build();
        e2e = E2EStack.start(new LocalOptions(dataDir, true, 0, 0, 0, 0, true).withAwsEndpoint(moto.endpoint()), Map.of());
        System.out.println("scheduled rotation e2e: Secrets Manager through " + (cli() ? "the AWS CLI v2" : "the SDK"));
    }

    @AfterAll
    static void stop() {
        E2EStack.closeAll(e2e, secrets);
    }

    @Test
    void consumersReadingAwsCurrentThroughAnHourCache_areNeverDenied_throughAnAbandonedAndAFinishedRotation() throws Exception {
        String client = "ROTA01";
        String secret = "gracekeys/e2e-" + UUID.randomUUID().toString().substring(0, 8) + "/" + client;
        secrets.createSecret(r -> r.name(secret).description("delivery secret of " + client));
        Ops.Answer created = e2e.ok("rotate", "{\"clientId\":\"" + client + "\",\"create\":true,\"deliverToSecretId\":\""
                + secret + "\"}");
        String first = (String) created.get("token");
        assertEquals(first, token(readCurrent(secret)));

        // Three consumers whose caches run out at different times.
        List<Consumer> consumers = List.of(new Consumer(secret, 0), new Consumer(secret, 20 * 60), new Consumer(secret, 40 * 60));
        run(consumers, 2 * HOUR);

        // ---- an abandoned rotation: createSecret and setSecret (retried), then nothing more -----
        String t1 = UUID.randomUUID().toString();
        startRotation(secret, t1);
        step("createSecret", secret, t1);
        step("createSecret", secret, t1); // Secrets Manager retries
        String pending1 = token(value(secret, t1, "AWSPENDING"));
        assertNotEquals(first, pending1);
        run(consumers, 10 * 60);
        step("setSecret", secret, t1);
        step("setSecret", secret, t1);
        assertEquals(200, e2e.push(pending1).statusCode(), "a pending token verifies beside the current one");
        assertEquals("current", Ops.parse(e2e.push(pending1).body()).get("tokenSlot"), "as current on the wire");
        Map<?, ?> described = e2e.ok("describe", "{\"clientId\":\"" + client + "\"}").body();
        assertTrue(described.containsKey("pending"), "describe shows the pending token: " + described);
        assertNull(described.get("previous"), "no grace clock started: " + described);
        // ... abandoned: nothing moves AWSCURRENT, and a day later the pending token stops by itself
        run(consumers, 25 * HOUR);
        assertEquals(first, token(readCurrent(secret)));
        assertEquals(200, e2e.push(first).statusCode(), "the old token is still the current one");
        assertEquals(403, e2e.push(pending1).statusCode(), "an abandoned rotation's token stops 24 h after setSecret");

        // The operator clears the abandoned AWSPENDING (AWS refuses the next rotation until then).
        removePending(secret, t1);

        // ---- a finished rotation, each step retried, time passing between them ------------------
        String t2 = UUID.randomUUID().toString();
        startRotation(secret, t2);
        step("createSecret", secret, t2);
        run(consumers, 5 * 60);
        step("createSecret", secret, t2);
        String second = token(value(secret, t2, "AWSPENDING"));
        step("setSecret", secret, t2);
        run(consumers, 5 * 60);
        step("testSecret", secret, t2);
        step("testSecret", secret, t2);
        step("setSecret", secret, t2); // a late retry of an earlier step changes nothing
        step("finishSecret", secret, t2);
        long promotedAt = now;
        step("finishSecret", secret, t2);
        assertEquals(second, token(readCurrent(secret)), "AWSCURRENT moved to the new version");
        assertEquals(first, token(value(secret, null, "AWSPREVIOUS")));
        Map<?, ?> after = e2e.ok("describe", "{\"clientId\":\"" + client + "\"}").body();
        assertFalse(after.containsKey("pending"), "promoted: " + after);
        assertEquals(created.get("tokenId"), ((Map<?, ?>) after.get("previous")).get("tokenId"));

        // Consumers move to the new token within their cache TTL; the old one keeps working meanwhile.
        run(consumers, CACHE_TTL + 10 * 60);
        for (Consumer c : consumers) {
            assertEquals(second, c.cached, "every consumer has read the new token within its cache TTL");
        }
        run(consumers, GRACE - CACHE_TTL - 20 * 60);
        assertEquals(200, e2e.push(first).statusCode(), "the old token works until promotion + grace");
        run(consumers, 20 * 60);
        assertTrue(now - promotedAt >= GRACE);
        assertEquals(403, e2e.push(first).statusCode(), "the old token stops at promotion + grace");
        run(consumers, HOUR);

        long rotated = Files.readAllLines(e2e.system().eventsFile()).stream()
                .filter(l -> l.contains("\"TokenRotated\"") && l.contains(client)).count();
        assertEquals(1, rotated, "one TokenRotated: the finished rotation, retries included");
        for (Consumer c : consumers) {
            assertTrue(c.pushes > 150, "pushes of a consumer: " + c.pushes);
        }
    }

    /** A consumer that reads AWSCURRENT through a cache of {@link #CACHE_TTL} and pushes with it. */
    private static final class Consumer {
        final String secret;
        String cached;
        long fetchedAt;
        int pushes;

        Consumer(String secret, long phase) throws Exception {
            this.secret = secret;
            this.cached = token(readCurrent(secret));
            this.fetchedAt = now - phase;
        }

        void push() throws Exception {
            if (now - fetchedAt >= CACHE_TTL) {
                cached = token(readCurrent(secret));
                fetchedAt = now;
            }
            HttpResponse<String> r = e2e.push(cached);
            assertEquals(200, r.statusCode(), "a consumer was denied at +" + now + " s: " + r.body());
            pushes++;
        }
    }

    /** Moves the stack's clock {@code seconds} forward in 10-minute steps, every consumer pushing at each. */
    private static void run(List<Consumer> consumers, long seconds) throws Exception {
        long end = now + seconds;
        while (now < end) {
            long step = Math.min(600, end - now);
            advanceClock(step);
            for (Consumer c : consumers) {
                c.push();
            }
        }
    }

    // ---- Secrets Manager's part, as moto can play it ---------------------------------------------

    /** rotate-secret: moto makes version t (AWSPENDING, no value), then fails to invoke the Lambda. */
    private static void startRotation(String secret, String t) throws Exception {
        String lambdaArn = "arn:aws:lambda:us-east-1:" + MotoServer.ACCOUNT + ":function:rotate-secret";
        if (cli()) {
            Cli r = aws("secretsmanager", "rotate-secret", "--secret-id", secret, "--client-request-token", t,
                    "--rotation-lambda-arn", lambdaArn, "--rotation-rules", "ScheduleExpression=rate(30 days)");
            assertNotEquals(0, r.exit, "moto cannot invoke the rotation Lambda: " + r.output);
        } else {
            try {
                secrets.rotateSecret(b -> b.secretId(secret).clientRequestToken(t).rotationLambdaARN(lambdaArn)
                        .rotationRules(rr -> rr.scheduleExpression("rate(30 days)")));
            } catch (SecretsManagerException expected) {
                // moto cannot invoke the rotation Lambda
            }
        }
        assertEquals(List.of("AWSPENDING"), secrets.describeSecret(b -> b.secretId(secret)).versionIdsToStages().get(t),
                "the stub of the rotation");
    }

    /** What the runbook gives for an abandoned rotation: take AWSPENDING off its version. */
    private static void removePending(String secret, String t) throws Exception {
        if (cli()) {
            Cli r = aws("secretsmanager", "update-secret-version-stage", "--secret-id", secret,
                    "--version-stage", "AWSPENDING", "--remove-from-version-id", t);
            assertEquals(0, r.exit, r.output);
        } else {
            secrets.updateSecretVersionStage(b -> b.secretId(secret).versionStage("AWSPENDING").removeFromVersionId(t));
        }
    }

    /** One step, invoked as Secrets Manager invokes the rotation function; it answers null. */
    private static void step(String step, String secret, String t) throws Exception {
        Ops.Answer a = e2e.invoke("rotate-secret", "{\"Step\":\"" + step + "\",\"SecretId\":\"" + secret
                + "\",\"ClientRequestToken\":\"" + t + "\"}");
        assertNull(a.functionError(), step + " failed: " + a.body());
        assertNull(a.body(), step + " answers nothing");
    }

    /** AWSCURRENT, named (moto answers a stageless read from the version last put, not from AWSCURRENT). */
    private static String readCurrent(String secret) {
        return value(secret, null, "AWSCURRENT");
    }

    private static String value(String secret, String version, String stage) {
        return secrets.getSecretValue(b -> b.secretId(secret).versionId(version).versionStage(stage)).secretString();
    }

    private static String token(String json) throws IOException {
        return (String) Ops.parse(json).get("token");
    }

    // ---- the local stack ---------------------------------------------------------------------

    /** Moves the stack's clock, and {@link #now} with it. */
    private static void advanceClock(long seconds) throws Exception {
        e2e.advanceClock(seconds);
        now += seconds;
    }

    // ---- the AWS CLI v2 against moto ---------------------------------------------------------

    private record Cli(int exit, String output) {
    }

    private static boolean cli() {
        return Files.isExecutable(Path.of("/usr/bin/aws")) && !"sdk".equals(System.getProperty("gracekeys.e2e.client"));
    }

    private static Cli aws(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/aws", "--endpoint-url", moto.endpoint().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", "moto", "AWS_SECRET_ACCESS_KEY", "moto",
                "AWS_REGION", "us-east-1", "AWS_PAGER", "", "AWS_CONFIG_FILE", "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE", "/dev/null"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("aws " + String.join(" ", args) + " did not finish");
        }
        return new Cli(p.exitValue(), out);
    }
}
