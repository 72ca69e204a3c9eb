package dev.gracekeys.functions.rotate;

import dev.gracekeys.lambda.CapturingRegistrar;
import dev.gracekeys.lambda.ReseedOnRestore;
import dev.gracekeys.lambda.Settings;
import io.micronaut.function.aws.LambdaApplicationContextBuilder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The function that issues tokens registers SnapStart's restore hook while Lambda constructs it. */
class RotateRestoreHookTest {

    @Test
    void constructingTheHandler_registersTheReseedHook_beforeAnyInvocation() {
        CapturingRegistrar registrar = new CapturingRegistrar();
        Settings settings = Settings.of(Map.of(
                "TABLE_NAME", "gracekeys-test",
                "AWS_REGION", "us-east-1",
                "DYNAMODB_ENDPOINT", "http://127.0.0.1:9",
                "PEPPER", Base64.getEncoder().encodeToString(
                        "test-pepper-0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8))));

        try (RotateHandler handler = new RotateHandler(new LambdaApplicationContextBuilder().singletons(settings, registrar))) {
            assertEquals(1, registrar.registered().size());
            assertInstanceOf(ReseedOnRestore.class, registrar.registered().get(0));
            assertSame(handler.getApplicationContext().getBean(ReseedOnRestore.class), registrar.registered().get(0));
        }
    }
}
