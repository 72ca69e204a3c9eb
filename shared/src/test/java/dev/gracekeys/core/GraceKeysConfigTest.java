package dev.gracekeys.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class GraceKeysConfigTest {

    @Test
    void defaults_matchTheDesign() {
        GraceKeysConfig c = GraceKeysConfig.defaults("gk-table");
        assertEquals("gk_", c.tokenPrefix());
        assertEquals(1, c.maxPreviousTokens());
        assertEquals(Duration.ofHours(24), c.defaultGrace());
        assertEquals(Duration.ofDays(30), c.maxGrace());
        assertEquals(Duration.ofMinutes(5), c.lastUseInterval());
        assertTrue(c.legacyTokens());
    }

    @Test
    void everySetting_isReadFromItsVariable() {
        GraceKeysConfig c = GraceKeysConfig.fromEnv(Map.of("TABLE_NAME", "gk-table", "TOKEN_PREFIX", "acme_",
                "MAX_PREVIOUS_TOKENS", "3", "DEFAULT_GRACE_SECONDS", "60", "MAX_GRACE_SECONDS", "120",
                "LAST_USE_INTERVAL_SECONDS", "10", "VERIFY_TIMEOUT_MILLIS", "700", "LEGACY_TOKENS", "false",
                "TTL_DELAY_SECONDS", "5"));
        assertEquals(new GraceKeysConfig("gk-table", "acme_", false, 3, Duration.ofSeconds(60), Duration.ofSeconds(120),
                Duration.ofSeconds(10), Duration.ofMillis(700), Duration.ofSeconds(5)), c);
    }

    @Test
    void badSettings_failAtStartUp_namingTheVariable() {
        assertMessage("TABLE_NAME", Map.of());
        assertMessage("TABLE_NAME", Map.of("TABLE_NAME", "t"));
        assertMessage("TABLE_NAME", Map.of("TABLE_NAME", "my table"));
        assertMessage("MAX_PREVIOUS_TOKENS", Map.of("TABLE_NAME", "gk-table", "MAX_PREVIOUS_TOKENS", "0"));
        assertMessage("MAX_PREVIOUS_TOKENS", Map.of("TABLE_NAME", "gk-table", "MAX_PREVIOUS_TOKENS", "two"));
        assertMessage("DEFAULT_GRACE_SECONDS", Map.of("TABLE_NAME", "gk-table", "DEFAULT_GRACE_SECONDS", "999999999"));
        assertMessage("VERIFY_TIMEOUT_MILLIS", Map.of("TABLE_NAME", "gk-table", "VERIFY_TIMEOUT_MILLIS", "20000"));
        assertMessage("LEGACY_TOKENS", Map.of("TABLE_NAME", "gk-table", "LEGACY_TOKENS", "yes"));
        assertMessage("TOKEN_PREFIX", Map.of("TABLE_NAME", "gk-table", "TOKEN_PREFIX", "no prefix"));
    }

    private static void assertMessage(String variable, Map<String, String> env) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraceKeysConfig.fromEnv(env));
        assertTrue(e.getMessage().contains(variable), e.getMessage());
    }
}
