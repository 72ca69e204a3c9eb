package dev.gracekeys.local;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidRequestContentException;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.RequestTooLargeException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 12: where a script would notice, the local stack's Lambda API and HTTP API answer as AWS
 * does, through the AWS SDK's LambdaClient and the real AWS CLI v2 (/usr/bin/aws; those checks are
 * skipped where it is missing: .ci/run installs it), and only to this machine's scripts (no
 * browser page can call them).
 */
class LocalApisAnswerLikeAwsIT {

    @TempDir
    static Path dataDir;

    private static LocalSystem stack;
    private static LambdaClient lambda;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ByteArrayOutputStream CONSOLE = new ByteArrayOutputStream();
    private static final Path CLI = Path.of("/usr/bin/aws");

    @BeforeAll
    static void start() throws Exception {
        stack = LocalSystem.start(new LocalOptions(dataDir, true, 0, 0, 0, 0, false), Map.of(),
                new PrintStream(CONSOLE, true, StandardCharsets.UTF_8));
        lambda = Ops.lambdaClient(stack.lambdaEndpoint(), UrlConnectionHttpClient.create());
    }

    @AfterAll
    static void stop() {
        lambda.close();
        stack.close();
    }

    @Test
    void invalidJson_isInvalidRequestContentException_andRunsNothing() {
        InvalidRequestContentException e = assertThrows(InvalidRequestContentException.class,
                () -> lambda.invoke(b -> b.functionName("rotate").payload(SdkBytes.fromUtf8String("{\"clientId\":"))));
        assertEquals(400, e.statusCode());
        assertNotNull(e.requestId(), "x-amzn-RequestId");
        assertThrows(InvalidRequestContentException.class, () -> lambda.invoke(b -> b.functionName("rotate")
                .invocationType(InvocationType.EVENT).payload(SdkBytes.fromUtf8String("not json"))));
    }

    @Test
    void oversizedPayloads_areRequestTooLargeException() {
        String big = "{\"clientId\":\"" + "x".repeat(LambdaInvokeApi.MAX_SYNC_PAYLOAD) + "\"}";
        RequestTooLargeException sync = assertThrows(RequestTooLargeException.class,
                () -> lambda.invoke(b -> b.functionName("describe").payload(SdkBytes.fromUtf8String(big))));
        assertEquals(413, sync.statusCode());
        String event = "{\"clientId\":\"" + "x".repeat(LambdaInvokeApi.MAX_EVENT_PAYLOAD) + "\"}";
        assertThrows(RequestTooLargeException.class, () -> lambda.invoke(b -> b.functionName("describe")
                .invocationType(InvocationType.EVENT).payload(SdkBytes.fromUtf8String(event))));
        // Just under the asynchronous limit is accepted (202).
        String fits = "{\"limit\":1,\"x\":\"" + "x".repeat(LambdaInvokeApi.MAX_EVENT_PAYLOAD - 100) + "\"}";
        assertEquals(202, lambda.invoke(b -> b.functionName("describe").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String(fits))).statusCode());
    }

    @Test
    void qualifiers_liveAndLatestWork_anyOtherIsResourceNotFound() {
        for (String ok : List.of("describe:live", "describe:$LATEST",
                "arn:aws:lambda:us-east-1:000000000000:function:describe:live")) {
            assertEquals(200, describeCall(ok, null).statusCode(), ok);
        }
        assertEquals(200, describeCall("describe", "live").statusCode());
        for (String bogus : List.of("describe:bogus", "describe:7")) {
            ResourceNotFoundException e = assertThrows(ResourceNotFoundException.class, () -> describeCall(bogus, null));
            assertEquals(404, e.statusCode());
        }
        assertThrows(ResourceNotFoundException.class, () -> describeCall("describe", "bogus"));
        assertThrows(ResourceNotFoundException.class, () -> describeCall("no-such-function", null));
    }

    private static InvokeResponse describeCall(String name, String qualifier) {
        return lambda.invoke(b -> b.functionName(name).qualifier(qualifier)
                .payload(SdkBytes.fromUtf8String("{\"limit\":1}")));
    }

    @Test
    void logTypeTail_returnsThatInvocationsLog_underItsRequestId() {
        InvokeResponse failed = lambda.invoke(b -> b.functionName("rotate").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"clientId\":\"NO-SUCH-CLIENT\"}")));
        assertEquals("Unhandled", failed.functionError());
        String requestId = failed.responseMetadata().requestId();
        String tail = new String(Base64.getDecoder().decode(failed.logResult()), StandardCharsets.UTF_8);
        assertTrue(tail.contains("START RequestId: " + requestId), tail);
        assertTrue(tail.contains("END RequestId: " + requestId), tail);
        assertTrue(tail.contains("REPORT RequestId: " + requestId), tail);
        assertTrue(tail.contains("ClientNotFoundException"), "why it failed: " + tail);

        InvokeResponse other = lambda.invoke(b -> b.functionName("describe").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"limit\":1}")));
        String otherTail = new String(Base64.getDecoder().decode(other.logResult()), StandardCharsets.UTF_8);
        assertFalse(otherTail.contains(requestId), "another invocation's lines: " + otherTail);
        assertTrue(otherTail.getBytes(StandardCharsets.UTF_8).length <= InvocationLogs.TAIL_BYTES);

        InvokeResponse noTail = lambda.invoke(b -> b.functionName("describe")
                .payload(SdkBytes.fromUtf8String("{\"limit\":1}")));
        assertNull(noTail.logResult(), "no log unless asked for");
    }

    @Test
    void everyResponse_carriesARequestId() throws Exception {
        URI base = stack.lambdaEndpoint();
        List<HttpRequest> requests = List.of(
                HttpRequest.newBuilder(base.resolve("/2015-03-31/functions/describe/invocations"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"limit\":1}")).build(),
                HttpRequest.newBuilder(base.resolve("/2015-03-31/functions/nope/invocations"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpRequest.newBuilder(base.resolve("/2015-03-31/functions/describe/invocations"))
                        .POST(HttpRequest.BodyPublishers.ofString("{")).build(),
                HttpRequest.newBuilder(base.resolve("/2015-03-31/functions/")).GET().build(),
                HttpRequest.newBuilder(base.resolve("/nothing-here")).GET().build());
        for (HttpRequest r : requests) {
            HttpResponse<String> response = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            assertTrue(response.headers().firstValue("x-amzn-RequestId").isPresent(), r + " → " + response.statusCode());
        }
    }

    @Test
    void listFunctions_andGetFunction_describeTheEightFunctions_asTheTemplateDeploysThem() {
        List<FunctionConfiguration> all = lambda.listFunctions().functions();
        assertEquals(List.of("rotate", "verify-authorizer", "revoke-old", "describe", "set-status", "backfill",
                "expire-sweep", "rotate-secret"), all.stream().map(FunctionConfiguration::functionName).toList());
        for (FunctionConfiguration f : all) {
            assertEquals("java21", f.runtimeAsString(), f.functionName());
            assertTrue(f.handler().endsWith("::handleRequest"), f.handler());
            assertEquals("gracekeys-local", f.environment().variables().get("TABLE_NAME"), f.functionName());
        }
        GetFunctionResponse authorizer = lambda.getFunction(b -> b.functionName("verify-authorizer"));
        assertEquals("dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler::handleRequest",
                authorizer.configuration().handler());
        assertEquals(10, authorizer.configuration().timeout());
        assertEquals(1024, authorizer.configuration().memorySize());
        assertEquals("$request.header.Authorization",
                authorizer.configuration().environment().variables().get("IDENTITY_SOURCE"));
        assertFalse(authorizer.configuration().environment().variables().containsKey("EVENT_BUS_NAME"));
        assertEquals(900, lambda.getFunction(b -> b.functionName("backfill:live")).configuration().timeout());
        assertThrows(ResourceNotFoundException.class, () -> lambda.getFunction(b -> b.functionName("bogus")));
        assertThrows(ResourceNotFoundException.class, () -> lambda.getFunction(b -> b.functionName("rotate:bogus")));
    }

    @Test
    void browserRequests_areRefused_andNoCorsIsServed() throws Exception {
        URI invoke = stack.lambdaEndpoint().resolve("/2015-03-31/functions/set-status/invocations");
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(invoke).header("Origin", "http://evil.example")
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"clientId\":\"GRACE01\",\"active\":false}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, post.statusCode());
        assertTrue(post.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(invoke).header("Origin", "http://evil.example")
                .header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertNotEquals(200, preflight.statusCode());
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").isEmpty());
    }

    /**
     * Without --aws-endpoint the stack has no Secrets Manager: a deliverToSecretId is refused with a
     * message saying how to get one, and nothing is rotated, instead of the client going to the real
     * AWS with the developer's own credentials.
     */
    @Test
    void withoutAnEmulator_deliveryIsRefused_neverSentToRealAws() {
        InvokeResponse r = lambda.invoke(b -> b.functionName("rotate").payload(SdkBytes.fromUtf8String(
                "{\"clientId\":\"NOAWS01\",\"create\":true,\"deliverToSecretId\":\"gracekeys/clients/NOAWS01\"}")));
        assertEquals("Unhandled", r.functionError());
        String body = r.payload().asUtf8String();
        assertTrue(body.contains("TokenDeliveryException") && body.contains("--aws-endpoint"), body);
        InvokeResponse describe = lambda.invoke(b -> b.functionName("describe")
                .payload(SdkBytes.fromUtf8String("{\"clientId\":\"NOAWS01\"}")));
        assertTrue(describe.payload().asUtf8String().contains("ClientNotFoundException"), "nothing was created");
    }

    @Test
    void httpApi_bodyOver10Mb_is413() throws Exception {
        byte[] body = new byte[HttpApi.MAX_BODY + 1];
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(stack.httpEndpoint().resolve("/push"))
                .header("Authorization", "Bearer gk_whatever")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode());
    }

    // ---- the same through the real AWS CLI v2 ---------------------------------------------------------

    @Test
    void cli_invalidJson_exits254_withInvalidRequestContentException() throws Exception {
        Cli r = cli("lambda", "invoke", "--function-name", "rotate", "--cli-binary-format", "raw-in-base64-out",
                "--payload", "{not json", dataDir.resolve("bad.json").toString());
        assertEquals(254, r.exit, r.output);
        assertTrue(r.output.contains("InvalidRequestContentException"), r.output);
    }

    @Test
    void cli_logTypeTail_unknownQualifier_listAndGetFunction() throws Exception {
        Cli tail = cli("lambda", "invoke", "--function-name", "rotate:live", "--log-type", "Tail",
                "--cli-binary-format", "raw-in-base64-out", "--payload", "{\"clientId\":\"NOPE-CLI\"}",
                dataDir.resolve("tail.json").toString());
        assertEquals(0, tail.exit, tail.output);
        Map<String, Object> meta = Ops.parse(tail.output);
        assertEquals("Unhandled", meta.get("FunctionError"));
        String log = new String(Base64.getDecoder().decode((String) meta.get("LogResult")), StandardCharsets.UTF_8);
        assertTrue(log.contains("START RequestId: ") && log.contains("ClientNotFoundException"), log);

        Cli bogus = cli("lambda", "invoke", "--function-name", "rotate", "--qualifier", "bogus",
                "--cli-binary-format", "raw-in-base64-out", "--payload", "{}", dataDir.resolve("q.json").toString());
        assertEquals(254, bogus.exit, bogus.output);
        assertTrue(bogus.output.contains("ResourceNotFoundException"), bogus.output);

        Cli list = cli("lambda", "list-functions", "--query", "Functions[].FunctionName", "--output", "text");
        assertEquals(0, list.exit, list.output);
        assertEquals(List.of("rotate", "verify-authorizer", "revoke-old", "describe", "set-status", "backfill",
                "expire-sweep", "rotate-secret"), List.of(list.output.trim().split("\\s+")));

        Cli get = cli("lambda", "get-function", "--function-name", "rotate",
                "--query", "Configuration.[Handler,Runtime,Timeout,MemorySize]", "--output", "text");
        assertEquals(0, get.exit, get.output);
        assertEquals("dev.gracekeys.functions.rotate.RotateHandler::handleRequest java21 30 512",
                get.output.trim().replaceAll("\\s+", " "));
    }

    private record Cli(int exit, String output) {
    }

    private static Cli cli(String... args) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(CLI), "the AWS CLI v2 at /usr/bin/aws (apt-get install awscli)");
        List<String> command = new ArrayList<>(List.of(CLI.toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--endpoint-url", stack.lambdaEndpoint().toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local",
                "AWS_REGION", "us-east-1", "AWS_PAGER", "", "AWS_CONFIG_FILE", "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE", "/dev/null", "AWS_MAX_ATTEMPTS", "1"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the CLI finished");
        return new Cli(p.exitValue(), out);
    }
}
