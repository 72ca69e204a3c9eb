package dev.gracekeys.lambda;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import io.micronaut.context.ApplicationContext;
import io.micronaut.function.aws.LambdaApplicationContextBuilder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The SnapStart restore hook as the function wiring registers it. No network: building the core
 * makes clients but calls nothing.
 */
class ReseedOnRestoreTest {

    private static Settings settings() {
        return Settings.of(Map.of(
                "TABLE_NAME", "gracekeys-test",
                "AWS_REGION", "us-east-1",
                "DYNAMODB_ENDPOINT", "http://127.0.0.1:9",
                "PEPPER", Base64.getEncoder().encodeToString(
                        "test-pepper-0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void lambdasContext_registersTheHook_whenItStarts_soBeforeTheSnapshot() {
        CapturingRegistrar registrar = new CapturingRegistrar();
        // Lambda's context builder creates every singleton at start, in the init phase SnapStart snapshots.
        try (ApplicationContext context = new LambdaApplicationContextBuilder().singletons(settings(), registrar).start()) {
            assertEquals(1, registrar.registered().size(), "one hook, registered at start");
            assertSame(context.getBean(ReseedOnRestore.class), registrar.registered().get(0),
                    "the context holds the hook: CRaC's global context keeps hooks by weak reference only");
        }
    }

    @Test
    void anyCoreBuilt_hasTheHookRegistered_evenInALazyContext() {
        CapturingRegistrar registrar = new CapturingRegistrar();
        try (ApplicationContext context = ApplicationContext.builder().singletons(settings(), registrar).start()) {
            context.getBean(TokenService.class);
            assertEquals(1, registrar.registered().size());
            assertInstanceOf(ReseedOnRestore.class, registrar.registered().get(0));
            context.getBean(GraceKeys.class);
            assertEquals(1, registrar.registered().size(), "one core, one hook");
        }
    }

    @Test
    void production_registersWithCracsGlobalContext() {
        try (ApplicationContext context = new LambdaApplicationContextBuilder().singletons(settings()).start()) {
            assertSame(ReseedOnRestore.Registrar.CRAC, context.getBean(ReseedOnRestore.Registrar.class));
        }
    }

    @Test
    void theRegisteredHook_givesContainersRestoredFromOneSnapshot_differentTokens() throws Exception {
        CapturingRegistrar registrar = new CapturingRegistrar();
        try (ApplicationContext context = new LambdaApplicationContextBuilder().singletons(settings(), registrar).start()) {
            assertEquals(List.of(context.getBean(ReseedOnRestore.class)), registrar.registered());
            // Two containers restored from one snapshot: two generators holding identical random state
            // (a seeded SHA1PRNG stands for the snapshotted state).
            TokenFormat format = TokenFormat.defaults();
            SecureTokenGenerator containerA = new SecureTokenGenerator(format, snapshotState());
            SecureTokenGenerator containerB = new SecureTokenGenerator(format, snapshotState());
            assertEquals(containerA.next().value(), containerB.next().value(), "premise: without the hook, the same token");

            registrar.restore(); // what Lambda does in each container after restoring it

            assertNotEquals(containerA.next().value(), containerB.next().value());
        }
    }

    private static SecureRandom snapshotState() throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed("state at the snapshot".getBytes(StandardCharsets.UTF_8));
        return random;
    }
}
