package dev.gracekeys.testkit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link MotoServer}: one per test JVM, started at the first class that asks (moto
 * takes seconds to start, and every test names its own secrets, buses and buckets, so they share
 * it), stopped when the JVM exits. Declare it with {@code @ExtendWith(MotoServerExtension.class)}
 * and take a {@code MotoServer} as a parameter of the constructor, a {@code @BeforeAll}, or a test.
 *
 * <p>Where moto is not installed, every test of the class is <em>skipped</em> (disabled, with what
 * was tried as the reason; {@link #server()} called directly fails an assumption instead), never
 * failed: moto is a Python program, and a machine with only a JDK must still build. Where {@code MOTO_SERVER} is set (as {@code .ci/run} does when it finds moto) and
 * does not start, the class fails: the machine said moto is there.
 */
public final class MotoServerExtension implements ExecutionCondition, BeforeAllCallback, ParameterResolver {

    private static MotoServer server;
    private static String unavailable;
    private static RuntimeException broken;

    /** The JVM's moto server, started on first use; skips the calling test where moto is missing. */
    public static synchronized MotoServer server() {
        startOnce();
        if (broken != null) {
            throw broken;
        }
        Assumptions.assumeTrue(server != null, () -> "skipped: " + unavailable);
        return server;
    }

    private static synchronized void startOnce() {
        if (server == null && unavailable == null && broken == null) {
            try {
                MotoServer started = MotoServer.start(System.getenv());
                Runtime.getRuntime().addShutdownHook(new Thread(started::close, "moto-server-stop"));
                server = started;
                System.out.println("moto server: " + started.command() + " (log: " + started.log() + ")");
            } catch (MotoServer.Unavailable e) {
                unavailable = e.getMessage();
            } catch (RuntimeException e) {
                broken = e;
            }
        }
    }

    /** Disabled where moto is missing; a broken MOTO_SERVER is not a reason to skip (beforeAll fails). */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = unavailableReason();
        return reason == null
                ? ConditionEvaluationResult.enabled("moto's server is running, or MOTO_SERVER is broken")
                : ConditionEvaluationResult.disabled(reason);
    }

    private static synchronized String unavailableReason() {
        startOnce();
        return unavailable;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == MotoServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server();
    }
}
