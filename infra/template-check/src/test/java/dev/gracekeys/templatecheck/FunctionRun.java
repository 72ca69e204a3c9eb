package dev.gracekeys.templatecheck;



import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.lambda.AwsClients;
import dev.gracekeys.lambda.LambdaTestKit;
import dev.gracekeys.lambda.PepperSettings;
import dev.gracekeys.lambda.Settings;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextBuilder;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One function as the template deploys it, run locally: the handler class the template names,
 * built like the Lambda runtime builds it but with a Micronaut context whose {@link Settings} are
 * the template's environment for that function. Only what cannot exist here is swapped:
 * <ul>
 *   <li>the table is a DynamoDB Local table ({@code Ref TokensTable} evaluates to its name, and
 *       {@code DYNAMODB_ENDPOINT} points at it);</li>
 *   <li>the pepper is given inline as {@code PEPPER} instead of read from the secret that
 *       {@code PEPPER_SECRET_ID} names (a function the template gives no pepper secret gets no
 *       pepper at all); for a run {@linkplain Lambda#duringPepperRotation() during a
 *       pepper rotation}, {@code PEPPER} is a new pepper and {@code PEPPER_PREVIOUS} the one the
 *       samples were seeded with (on AWS: the secret's AWSCURRENT and AWSPREVIOUS versions);</li>
 *   <li>{@code AWS_REGION}, which Lambda sets, is set here;</li>
 *   <li>EventBridge, Secrets Manager (token delivery) and S3 (backfill's imports) are a
 *       {@link ContractAws}: {@code EVENTBRIDGE_ENDPOINT}, {@code SECRETSMANAGER_ENDPOINT} and
 *       {@code S3_ENDPOINT} point at it.</li>
 * </ul>
 * Everything else is the production wiring: in particular no event collector is registered, so a
 * function that publishes builds the real EventBridge publisher from {@code EVENT_BUS_NAME} and
 * really calls PutEvents. The run records every AWS request the code makes ({@link AwsCallRecorder})
 * and every setting it reads ({@link Settings#requested()}).
 *
 * <p>All seven function modules share this test's classpath, unlike their jars; Micronaut creates
 * beans on demand, so a handler's context still builds only what that handler uses.
 */
final class FunctionRun implements AutoCloseable {

    /** The pepper a run during a pepper rotation holds as current (the seeded tokens use the previous). */
    private static final String ROTATED_PEPPER = Base64.getEncoder().encodeToString(
            "template-check-rotated-pepper-0123456789abcdef".getBytes(StandardCharsets.UTF_8));

    final LambdaTestKit kit;
    private final Settings settings;
    private final AwsCallRecorder recorder = new AwsCallRecorder();
    private final ContractAws aws;
    private final RequestHandler<Object, Object> handler;

    private FunctionRun(Lambda lambda, Deployment.Function function, TestTable table) {
        this.kit = new LambdaTestKit(table);
        Map<String, String> local = kit.settings();
        if (!table.name().equals(function.environment().get("TABLE_NAME"))) {
            throw new AssertionError(function.logicalId() + ": TABLE_NAME should be the stack's table (Ref "
                    + Template.TABLE + "), is " + function.environment().get("TABLE_NAME"));
        }
        Map<String, String> values = new HashMap<>(function.environment());
        // No Secrets Manager here: the pepper comes inline, and only to the functions the template
        // gives the pepper secret; the others run with no pepper at all, as on AWS.
        boolean hasPepper = values.remove(PepperSettings.PEPPER_SECRET_ID) != null;
        if (!hasPepper) {
            // nothing: a function that never hashes must work without one
        } else if (lambda.duringPepperRotation()) {
            values.put(PepperSettings.PEPPER, ROTATED_PEPPER);
            values.put(PepperSettings.PEPPER_PREVIOUS, local.get(PepperSettings.PEPPER));
        } else {
            values.put(PepperSettings.PEPPER, local.get(PepperSettings.PEPPER));
        }
        values.put(AwsClients.DYNAMODB_ENDPOINT, local.get(AwsClients.DYNAMODB_ENDPOINT));
        values.put(AwsClients.REGION, local.get(AwsClients.REGION));
        this.aws = ContractAws.start();
        values.put(AwsClients.EVENTBRIDGE_ENDPOINT, aws.endpoint().toString());
        values.put(AwsClients.SECRETSMANAGER_ENDPOINT, aws.endpoint().toString());
        values.put("S3_ENDPOINT", aws.endpoint().toString());
        this.settings = Settings.of(values);
        // Settings, clock and the recorder only: the EventPublisher, TokenDelivery and every AWS
        // client are the production beans.
        ApplicationContextBuilder context = ApplicationContext.builder().singletons(settings, kit.clock, recorder);
        try {
            this.handler = newHandler(function, context);
        } catch (RuntimeException | Error e) {
            aws.close();
            throw e;
        }
    }

    static FunctionRun start(Lambda lambda, Deployment.Function function, TestTable table) {
        return new FunctionRun(lambda, function, table);
    }

    /** Invokes the handler with {@code events/<sample>}, as the Lambda runtime would. */
    Map<String, Object> invoke(String sample) {
        return invoke(sample, Map.of());
    }

    /** Invokes the handler with {@code events/<sample>} plus (or overriding) the given fields. */
    @SuppressWarnings("unchecked")
    Map<String, Object> invoke(String sample, Map<String, Object> more) {
        Map<String, Object> event = new LinkedHashMap<>(LambdaTestKit.event(sample));
        event.putAll(more);
        return (Map<String, Object>) handler.handleRequest(event, LambdaTestKit.lambdaContext());
    }

    /** The loopback EventBridge, Secrets Manager and S3, with what they received. */
    ContractAws aws() {
        return aws;
    }

    /** Every setting the code has read so far. */
    Set<String> settingsRead() {
        return settings.requested();
    }

    /** Every permission the code's AWS requests have needed so far. */
    List<AwsCallRecorder.Call> calls() {
        return recorder.calls();
    }

    @Override
    public void close() throws IOException {
        try {
            ((Closeable) handler).close(); // the handler's Micronaut context
        } finally {
            aws.close();
        }
    }

    /** The template's Handler ({@code <class>::handleRequest}), built with the test's context. */
    @SuppressWarnings("unchecked")
    private static RequestHandler<Object, Object> newHandler(Deployment.Function function,
                                                            ApplicationContextBuilder context) {
        String className = function.handler().substring(0, function.handler().indexOf("::"));
        try {
            Class<?> type = Class.forName(className);
            return (RequestHandler<Object, Object>) type.getConstructor(ApplicationContextBuilder.class)
                    .newInstance(context);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(function.logicalId() + ": cannot build " + className
                    + " with a Micronaut context builder", e);
        }
    }
}
