package dev.gracekeys.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How ops call a function: the real AWS CLI v2 ({@code aws lambda invoke --endpoint-url ...}) when
 * it is installed at /usr/bin/aws, else the AWS SDK's {@code LambdaClient}. Both speak the Lambda
 * Invoke API over HTTP to the local stack, as they would to AWS.
 */
interface Ops extends AutoCloseable {

    ObjectMapper JSON = new ObjectMapper();

    /** The function's JSON answer, and its function error ("Unhandled") or null. */
    record Answer(Map<String, Object> body, String functionError) {
        Object get(String field) {
            return body.get(field);
        }
    }

    Answer invoke(String function, String payload) throws Exception;

    String name();

    @Override
    default void close() {
    }

    /** The CLI when it is there; {@code -Dgracekeys.e2e.client=sdk} forces the SDK. */
    static Ops forEndpoint(URI endpoint, Path workDir) {
        Path cli = Path.of("/usr/bin/aws");
        boolean sdkForced = "sdk".equals(System.getProperty("gracekeys.e2e.client"));
        if (!sdkForced && Files.isExecutable(cli) && cliVersion(cli).startsWith("aws-cli/2")) {
            return new Cli(cli, endpoint, workDir);
        }
        return new Sdk(endpoint);
    }

    private static String cliVersion(Path cli) {
        try {
            Process p = new ProcessBuilder(cli.toString(), "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(30, TimeUnit.SECONDS);
            return v;
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    /**
     * The AWS SDK's LambdaClient for the local stack's Lambda Invoke API at {@code endpoint} (or a
     * proxy in front of it): us-east-1, the credentials the stack accepts ({@code local}), the given
     * HTTP client. The caller closes it.
     */
    static LambdaClient lambdaClient(URI endpoint, SdkHttpClient httpClient) {
        return LambdaClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(httpClient).build();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String json) throws IOException {
        return JSON.readValue(json, Map.class);
    }

    /** The real AWS CLI v2, as an operator types it. */
    record Cli(Path cli, URI endpoint, Path workDir) implements Ops {

        @Override
        public String name() {
            return "AWS CLI v2 (" + cli + ")";
        }

        @Override
        public Answer invoke(String function, String payload) throws Exception {
            Path out = Files.createTempFile(workDir, function, ".json");
            ProcessBuilder pb = new ProcessBuilder(cli.toString(), "lambda", "invoke",
                    "--endpoint-url", endpoint.toString(), "--function-name", function,
                    "--cli-binary-format", "raw-in-base64-out", "--payload", payload, out.toString())
                    .redirectErrorStream(true);
            pb.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local",
                    "AWS_REGION", "us-east-1", "AWS_PAGER", "", "AWS_CONFIG_FILE", "/dev/null",
                    "AWS_SHARED_CREDENTIALS_FILE", "/dev/null"));
            Process p = pb.start();
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("aws lambda invoke " + function + " failed: " + printed);
            }
            Map<String, Object> meta = parse(printed);
            return new Answer(parse(Files.readString(out)), (String) meta.get("FunctionError"));
        }
    }

    /** The AWS SDK's LambdaClient. */
    final class Sdk implements Ops {
        private final LambdaClient client;

        Sdk(URI endpoint) {
            client = lambdaClient(endpoint, UrlConnectionHttpClient.create());
        }

        @Override
        public String name() {
            return "AWS SDK LambdaClient";
        }

        @Override
        public Answer invoke(String function, String payload) throws Exception {
            InvokeResponse r = client.invoke(b -> b.functionName(function).payload(SdkBytes.fromUtf8String(payload)));
            return new Answer(parse(r.payload().asUtf8String()), r.functionError());
        }

        @Override
        public void close() {
            client.close();
        }
    }

    static List<String> names(List<Map<String, Object>> events) {
        return events.stream().map(e -> (String) e.get("detail-type")).toList();
    }
}
