package dev.gracekeys.local;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CountDownLatch;

/** {@code infra/run-local}: starts the local stack, prints where everything is, runs until stopped. */
public final class RunLocal {

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        LocalOptions options;
        try {
            options = LocalOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("run-local: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options == null) {
            out.print(LocalOptions.USAGE);
            return;
        }
        if (options.awsEndpoint() != null) {
            // Belt and braces: every client the emulator serves has static credentials and a region,
            // so none asks EC2's instance metadata; should one ever try, the SDK refuses.
            System.setProperty("aws.disableEc2Metadata", "true");
        }
        LocalSystem stack;
        try {
            stack = LocalSystem.start(options, System.getenv(), out);
        } catch (LocalSystem.AwsEndpointException e) {
            System.err.println("run-local: " + e.getMessage());
            System.exit(2);
            return;
        } catch (LocalSystem.PortInUseException | dev.gracekeys.testkit.DynamoDbLocal.PortInUseException e) {
            System.err.println("run-local: " + e.getMessage());
            Runtime.getRuntime().halt(2); // DynamoDB Local may have left threads behind
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("\nStopping the GraceKeys local stack...");
            stack.close();
            out.println("Stopped.");
            stopped.countDown();
        }, "run-local-stop"));
        out.print(banner(stack, options));
        out.flush();
        stopped.await();
    }

    static String banner(LocalSystem stack, LocalOptions options) {
        String client = "DEMO-" + LocalTime.now().format(DateTimeFormatter.ofPattern("HHmmss"));
        String lambda = stack.lambdaEndpoint().toString();
        String http = stack.httpEndpoint().toString();
        return String.format("""

                GraceKeys local stack is up.
                  DynamoDB Local     %s   table %s (%s)
                  Lambda Invoke API  %s   functions: %s
                  HTTP API           %s   POST /push behind verify-authorizer (identity source: %s; authorizer cache: %s; instances: %d)
                  Events             %s
                %s  Data folder        %s

                Try it (AWS CLI v2 and curl; any credentials work locally):
                  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
                  aws lambda invoke --endpoint-url %s --function-name rotate \\
                    --cli-binary-format raw-in-base64-out --payload '{"clientId":"%s","create":true}' out.json
                  TOKEN=$(sed -n 's/.*"token":"\\([^"]*\\)".*/\\1/p' out.json)
                  curl -s -X POST %s/push -H "%s" -d '{"temp":21.5}'; echo

                Runbook: docs/operations.md. Ctrl-C stops the stack.
                """,
                stack.dynamoEndpoint(), LocalSystem.TABLE, options.inMemory() ? "in memory" : "kept on disk",
                lambda, String.join(", ", stack.functionNames()),
                http, options.identitySource(), options.authorizerTtl() == 0 ? "off" : options.authorizerTtl() + " s",
                options.authorizerInstances(),
                stack.eventBus().map(bus -> "EventBridge bus " + bus + " at the AWS emulator (printed here too;"
                        + " events.jsonl is not written)").orElse(stack.eventsFile().toString()),
                emulatorLines(stack), stack.dataDir(),
                lambda, client, http,
                options.identitySource().equals(LocalOptions.AUTHORIZATION) ? "Authorization: Bearer $TOKEN" : "x-api-key: $TOKEN");
    }

    /** With --aws-endpoint: where the emulator is and which adapters use it; else nothing. */
    static String emulatorLines(LocalSystem stack) {
        return stack.awsEndpoint().map(endpoint -> String.format("""
                  AWS emulator       %s   Secrets Manager, EventBridge and S3 clients (dummy credentials, us-east-1; never AWS)
                    pepper           %s
                    token delivery   rotate's deliverToSecretId writes to the emulator's Secrets Manager
                    backfill         {"s3":{"bucket","key"}} reads the emulator's S3
                """, endpoint, stack.pepperSecretId().map(id -> "secret " + id + " (PEPPER_SECRET_ID) at the emulator")
                .orElse("local (PEPPER or the generated file; set PEPPER_SECRET_ID to read it from the emulator)")))
                .orElse("");
    }
}
