package dev.gracekeys.functions.rotatesecret;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.lambda.Settings;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.LambdaApplicationContextBuilder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import static dev.gracekeys.lambda.LambdaTestKit.event;
import static dev.gracekeys.lambda.LambdaTestKit.lambdaContext;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The payload Secrets Manager sends, validated before any step runs: each refusal names the field
 * (in Secrets Manager's spelling) and never echoes a value. No table or secret is reached (the
 * settings point at a closed port), so nothing here needs DynamoDB Local or moto.
 */
class RotateSecretHandlerTest {

    private static final String T = "5f0c7d1e-3b8a-4c2f-9e61-0a7b4d2c8f35";

    @Test
    void invalidSamples_areRefused_namingTheField() {
        try (RotateSecretHandler handler = new RotateSecretHandler(context())) {
            assertRefused(handler, event("rotate-secret/invalid-step.json"), "Step", "createSecret, setSecret, testSecret, finishSecret");
            assertRefused(handler, event("rotate-secret/missing-token.json"), "ClientRequestToken", "required");
        }
    }

    @Test
    void eachField_isRequired_andShaped_asSecretsManagerSendsIt() {
        try (RotateSecretHandler handler = new RotateSecretHandler(context())) {
            assertRefused(handler, payload(null, "gracekeys/c1", T), "Step", "none");
            assertRefused(handler, payload("createSecret", null, T), "SecretId", "required");
            assertRefused(handler, payload("createSecret", "", T), "SecretId", "required");
            assertRefused(handler, payload("createSecret", "gracekeys/c1 with spaces", T), "SecretId", "name or ARN");
            assertRefused(handler, payload("createSecret", "gracekeys/c1", "too-short"), "ClientRequestToken", "32 to 64");
            assertRefused(handler, payload("createSecret", "gracekeys/c1", "x".repeat(65)), "ClientRequestToken", "32 to 64");
            Map<String, Object> number = payload("createSecret", "gracekeys/c1", T);
            number.put("SecretId", 42);
            assertRefused(handler, number, "SecretId", "a string");
        }
    }

    /**
     * Secrets Manager's rotation event has grown a field before (RotationToken): fields the function
     * does not read must not fail a rotation. The step gets past validation (and then fails only on
     * what the test's context lacks, never on the extra fields).
     */
    @Test
    void fieldsItDoesNotRead_areIgnored_soAGrowingEventNeverFailsARotation() {
        try (RotateSecretHandler handler = new RotateSecretHandler(context())) {
            Map<String, Object> grown = payload("createSecret", "gracekeys/c1", T);
            grown.put("RotationToken", 17);
            grown.put("SomeFutureField", Map.of("x", 1));
            try {
                handler.handleRequest(grown, lambdaContext());
            } catch (ValidationException e) {
                throw new AssertionError("refused a field it does not read: " + e.getMessage(), e);
            } catch (RuntimeException expectedWithoutSecretsManager) {
                // past validation
            }
        }
    }

    @Test
    void aStepName_isNeverEchoedBeyondItsLetters() {
        try (RotateSecretHandler handler = new RotateSecretHandler(context())) {
            ValidationException e = assertThrows(ValidationException.class, () -> handler.handleRequest(
                    payload("gk_secretLooking\"<>", "gracekeys/c1", T), lambdaContext()));
            assertFalse(e.getMessage().contains("\"<>"), e.getMessage());
        }
    }

    private static void assertRefused(RotateSecretHandler handler, Map<String, Object> payload, String field, String mention) {
        ValidationException e = assertThrows(ValidationException.class, () -> handler.handleRequest(payload, lambdaContext()),
                String.valueOf(payload));
        assertTrue(e.getMessage().contains(field) && e.getMessage().contains(mention), e.getMessage());
    }

    /** Secrets Manager's rotation event, as the function receives it. */
    static Map<String, Object> payload(String step, String secretId, String token) {
        Map<String, Object> p = new HashMap<>();
        p.put("Step", step);
        p.put("SecretId", secretId);
        p.put("ClientRequestToken", token);
        return p;
    }

    /** The handler's Lambda context, with settings that reach nothing: validation comes first. */
    static ApplicationContextBuilder context() {
        Map<String, String> settings = new HashMap<>();
        settings.put("TABLE_NAME", "not-reached");
        settings.put("DYNAMODB_ENDPOINT", "http://127.0.0.1:9");
        settings.put("SECRETSMANAGER_ENDPOINT", "http://127.0.0.1:9");
        settings.put("AWS_REGION", "us-east-1");
        settings.put("PEPPER", Base64.getEncoder().encodeToString(
                "unit-pepper-0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)));
        ApplicationContextBuilder builder = new LambdaApplicationContextBuilder();
        builder.singletons(Settings.of(settings));
        return builder;
    }
}
