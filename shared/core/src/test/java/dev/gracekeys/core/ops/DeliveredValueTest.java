package dev.gracekeys.core.ops;

import dev.gracekeys.core.ValidationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The delivery secret's value, read without a JSON library: exactly what delivery writes, and nothing else. */
class DeliveredValueTest {

    private static final DeliveredValue V = new DeliveredValue("GRACE01", "gk_abc123", "gk_token.value-1_X");

    @Test
    void readsWhatDeliveryWrites_inAnyOrder_withWhitespace() {
        assertEquals("{\"clientId\":\"GRACE01\",\"tokenId\":\"gk_abc123\",\"token\":\"gk_token.value-1_X\"}", V.json());
        assertEquals(V, DeliveredValue.parse(V.json()));
        assertEquals(V, DeliveredValue.parse(" {\n  \"token\" : \"gk_token.value-1_X\",\"clientId\":\"GRACE01\" ,\t"
                + "\"tokenId\":\"gk_abc123\"}\n"));
    }

    @Test
    void anythingElse_isNotAGraceKeysValue() {
        for (String s : new String[]{null, "", "{", "}", "{}", "hunter2", "[\"a\"]",
                "{\"clientId\":\"A\",\"tokenId\":\"B\"}",
                "{\"clientId\":\"A\",\"tokenId\":\"B\",\"token\":\"C\",\"extra\":\"D\"}",
                "{\"clientId\":\"A\",\"clientId\":\"B\",\"token\":\"C\"}",
                "{\"clientId\":\"A\",\"tokenId\":\"B\",\"token\":\"C D\"}",
                "{\"clientId\":\"A\",\"tokenId\":\"B\",\"token\":\"C\\\"\"}",
                "{\"clientId\":\"A\",\"tokenId\":\"B\",\"token\":\"\"}",
                "{\"clientId\":\"A\",\"tokenId\":\"B\",\"token\":1}",
                "x{\"clientId\":\"A\",\"tokenId\":\"B\",\"token\":\"C\"}"}) {
            assertNull(DeliveredValue.parse(s), String.valueOf(s));
        }
    }

    @Test
    void aValueOfMoreThan1024Characters_isNotRead() {
        String head = "{\"clientId\":\"A\",\"tokenId\":\"B\",\"token\":\"";
        String exact = head + "x".repeat(1024 - head.length() - 2) + "\"}";
        assertEquals(1024, exact.length());
        assertNotNull(DeliveredValue.parse(exact));
        String over = head + "x".repeat(1025 - head.length() - 2) + "\"}";
        assertNull(DeliveredValue.parse(over));
        assertEquals(new DeliveredValue("A", "B", "x"), DeliveredValue.parse("{\"clientId\":\"A\",\"tokenId\":\"B\",\"token\":\"x\"}"));
    }

    @Test
    void toString_neverShowsTheToken() {
        assertEquals("DeliveredValue[clientId=GRACE01, tokenId=gk_abc123, token=<redacted>]", V.toString());
    }

    @Test
    void steps_byTheNamesSecretsManagerSends() {
        for (SecretRotation.Step step : SecretRotation.Step.values()) {
            assertEquals(step, SecretRotation.Step.fromWire(step.wireName()));
        }
        assertEquals("createSecret", SecretRotation.Step.CREATE_SECRET.wireName());
        ValidationException e = assertThrows(ValidationException.class, () -> SecretRotation.Step.fromWire("Create_Secret!"));
        assertTrue(e.getMessage().endsWith("the Step given is none of them (not quoted)"), e.getMessage());
        assertFalse(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("create_secret"), "never echoed");
        assertTrue(assertThrows(ValidationException.class, () -> SecretRotation.Step.fromWire(null)).getMessage()
                .endsWith("none was given"));
    }
}
