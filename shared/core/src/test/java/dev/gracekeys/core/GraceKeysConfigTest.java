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
        assertNull(c.legacyKeyPattern(), "no legacy keys unless their format is declared");
        assertFalse(c.tokenFormat().legacyTokens());
    }

    @Test
    void legacyKeyPattern_turnsLegacyKeysOn_andLegacyTokensFalseTurnsThemOff() {
        assertEquals("sk_[a-z0-9]{20}", GraceKeysConfig.fromEnv(Map.of("TABLE_NAME", "gk-table",
                "LEGACY_KEY_PATTERN", "sk_[a-z0-9]{20}")).legacyKeyPattern());
        assertNull(GraceKeysConfig.fromEnv(Map.of("TABLE_NAME", "gk-table",
                "LEGACY_KEY_PATTERN", "sk_[a-z0-9]{20}", "LEGACY_TOKENS", "false")).legacyKeyPattern());
    }

    @Test
    void everySetting_isReadFromItsVariable() {
        GraceKeysConfig c = GraceKeysConfig.fromEnv(Map.of("TABLE_NAME", "gk-table", "TOKEN_PREFIX", "acme_",
                "MAX_PREVIOUS_TOKENS", "3", "DEFAULT_GRACE_SECONDS", "60", "MAX_GRACE_SECONDS", "120",
                "LAST_USE_INTERVAL_SECONDS", "10", "VERIFY_TIMEOUT_MILLIS", "700", "LEGACY_KEY_PATTERN", "old_[0-9]{16}",
                "TTL_DELAY_SECONDS", "5"));
        assertEquals(new GraceKeysConfig("gk-table", "acme_", "old_[0-9]{16}", 3, Duration.ofSeconds(60), Duration.ofSeconds(120),
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
        assertMessage("LEGACY_KEY_PATTERN", Map.of("TABLE_NAME", "gk-table", "LEGACY_TOKENS", "true"));
        assertMessage("LEGACY_KEY_PATTERN", Map.of("TABLE_NAME", "gk-table", "LEGACY_KEY_PATTERN", "([a-z"));
        assertMessage("TOKEN_PREFIX", Map.of("TABLE_NAME", "gk-table", "TOKEN_PREFIX", "no prefix"));
    }

    private static void assertMessage(String variable, Map<String, String> env) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraceKeysConfig.fromEnv(env));
        assertTrue(e.getMessage().contains(variable), e.getMessage());
    }
}
