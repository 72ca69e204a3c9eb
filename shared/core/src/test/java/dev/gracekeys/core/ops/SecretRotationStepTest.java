package dev.gracekeys.core.ops;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.ops.SecretRotation.Step;
import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Step#fromWire}: the four names, and nothing of anything else echoed (review F10). */
class SecretRotationStepTest {

    @Test
    void theFourWireNames_areTheSteps() {
        for (Step step : Step.values()) {
            assertEquals(step, Step.fromWire(step.wireName()));
        }
    }

    // A token pasted as Step must not come back in the error, not even its letters.
    @Test
    void anythingElse_isRefused_withoutEchoingIt() {
        for (String sent : new String[]{"gk_Qz7WxVuTsRpOnMlKjIhG", "createSecretX", "Finish-Secret-Now"}) {
            ValidationException e = assertThrows(ValidationException.class, () -> Step.fromWire(sent));
            String message = e.getMessage().toLowerCase(Locale.ROOT);
            String letters = sent.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
            assertFalse(message.contains(sent.toLowerCase(Locale.ROOT)), e.getMessage());
            assertFalse(message.contains(letters), e.getMessage());
            assertTrue(e.getMessage().contains("createSecret, setSecret, testSecret, finishSecret"), e.getMessage());
        }
        assertThrows(ValidationException.class, () -> Step.fromWire(null));
    }
}
