package dev.gracekeys.local;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 11, defect 4, in AWS's world: the response of an ops call is lost between the function and
 * the client, and the client (the real AWS SDK, and the real AWS CLI v2 where installed) resends
 * it by itself. With {@code MAX_PREVIOUS_TOKENS=1} (the default), a rotate that runs twice drops
 * the token the fleet still pushes with; with a {@code requestId} the resend gets the first answer.
 */
class RetriedOpsCallIT {

    @TempDir
    static Path dataDir;

    private static LocalSystem stack;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        stack = LocalSystem.start(new LocalOptions(dataDir, true, 0, 0, 0, 0, false), Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void sdkResendOfALostRotate_withoutRequestId_rotatesTwice_andDropsTheFleetsToken() throws Exception {
        String fleet = create("LOST01");
        try (LosingProxy proxy = new LosingProxy(stack.lambdaEndpoint(), 1); LambdaClient lambda = sdk(proxy)) {
            Map<String, Object> answer = invoke(lambda, "{\"clientId\":\"LOST01\",\"graceSeconds\":86400}");
            assertNotNull(answer.get("token"));
            assertEquals(1, proxy.lost(), "the first response was lost and the SDK resent the call");
        }
        assertEquals(403, push(fleet), "the harm requestId prevents: two rotations, the fleet's token dropped");
    }

    @Test
    void sdkResendOfALostRotate_withRequestId_returnsTheFirstToken_andTheFleetKeepsPushing() throws Exception {
        String fleet = create("LOST02");
        String fleetTokenId = tokenIdOfCurrent("LOST02");
        Map<String, Object> answer;
        try (LosingProxy proxy = new LosingProxy(stack.lambdaEndpoint(), 1); LambdaClient lambda = sdk(proxy)) {
            answer = invoke(lambda, "{\"clientId\":\"LOST02\",\"graceSeconds\":86400,\"requestId\":\"rotate-LOST02-1\"}");
            assertEquals(1, proxy.lost(), "the first response was lost and the SDK resent the call");
        }
        assertEquals(200, push(fleet), "the fleet's token is in its grace window");
        assertEquals(200, push((String) answer.get("token")), "the token the resend returned is the current one");
        Map<String, Object> d = describe("LOST02");
        assertEquals(answer.get("tokenId"), ((Map<?, ?>) d.get("current")).get("tokenId"));
        assertEquals(fleetTokenId, ((Map<?, ?>) d.get("previous")).get("tokenId"), "rotated once");
        assertEquals(1, rotatedEvents("LOST02"));
    }

    /** The same with the real AWS CLI v2, which resends on a dropped connection (its retry mode). */
    @Test
    void cliResendOfALostRotate_withRequestId_rotatesOnce() throws Exception {
        Path cli = Path.of("/usr/bin/aws");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(cli), "AWS CLI v2 not installed at /usr/bin/aws");
        String fleet = create("LOST03");
        try (LosingProxy proxy = new LosingProxy(stack.lambdaEndpoint(), 1)) {
            Path out = dataDir.resolve("cli-out.json");
            ProcessBuilder pb = new ProcessBuilder(cli.toString(), "lambda", "invoke", "--endpoint-url", proxy.endpoint().toString(),
                    "--function-name", "rotate", "--cli-binary-format", "raw-in-base64-out", "--cli-read-timeout", "10",
                    "--payload", "{\"clientId\":\"LOST03\",\"graceSeconds\":86400,\"requestId\":\"rotate-LOST03-1\"}",
                    out.toString())
                    .redirectErrorStream(true).redirectOutput(dataDir.resolve("cli.log").toFile());
            pb.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local",
                    "AWS_REGION", "us-east-1", "AWS_PAGER", "", "AWS_RETRY_MODE", "standard", "AWS_MAX_ATTEMPTS", "3"));
            Process p = pb.start();
            p.getOutputStream().close();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the CLI finished");
            assertEquals(0, p.exitValue(), Files.readString(dataDir.resolve("cli.log")));
            assertEquals(1, proxy.lost(), "the first response was lost and the CLI resent the call");
            Map<String, Object> answer = Ops.parse(Files.readString(out));
            assertEquals(200, push((String) answer.get("token")));
        }
        assertEquals(200, push(fleet));
        assertEquals(1, rotatedEvents("LOST03"));
    }

    private static LambdaClient sdk(LosingProxy proxy) {
        return Ops.lambdaClient(proxy.endpoint(),
                UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(10)).build());
    }

    private static Map<String, Object> invoke(LambdaClient lambda, String payload) throws Exception {
        InvokeResponse r = lambda.invoke(b -> b.functionName("rotate").payload(SdkBytes.fromUtf8String(payload)));
        assertNull(r.functionError(), r.payload().asUtf8String());
        return Ops.parse(r.payload().asUtf8String());
    }

    private static String create(String clientId) throws Exception {
        try (Ops ops = new Ops.Sdk(stack.lambdaEndpoint())) {
            Ops.Answer a = ops.invoke("rotate", "{\"clientId\":\"" + clientId + "\",\"create\":true}");
            assertNull(a.functionError(), String.valueOf(a.body()));
            return (String) a.get("token");
        }
    }

    private static Map<String, Object> describe(String clientId) throws Exception {
        try (Ops ops = new Ops.Sdk(stack.lambdaEndpoint())) {
            return ops.invoke("describe", "{\"clientId\":\"" + clientId + "\"}").body();
        }
    }

    private static String tokenIdOfCurrent(String clientId) throws Exception {
        return (String) ((Map<?, ?>) describe(clientId).get("current")).get("tokenId");
    }

    private static long rotatedEvents(String clientId) throws Exception {
        List<String> lines = Files.readAllLines(stack.eventsFile());
        return lines.stream().filter(l -> l.contains("\"TokenRotated\"") && l.contains("\"" + clientId + "\"")).count();
    }

    private static int push(String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(stack.httpEndpoint().resolve("/push"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
