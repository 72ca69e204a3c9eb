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
        assertEquals(Duration.ofSeconds(60), c.authorizerCacheTtl(), "the template's AuthorizerResultTtlSeconds default");
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
                "TTL_DELAY_SECONDS", "5", "AUTHORIZER_CACHE_TTL_SECONDS", "90"));
        assertEquals(new GraceKeysConfig("gk-table", "acme_", "old_[0-9]{16}", 3, Duration.ofSeconds(60), Duration.ofSeconds(120),
                Duration.ofSeconds(10), Duration.ofMillis(700), Duration.ofSeconds(5), Duration.ofSeconds(90)), c);
    }

    @Test
    void authorizerCacheTtl_takesApiGatewaysRange_0To3600_andRefusesOutsideIt_sayingHowToFixIt() {
        for (String ok : new String[] {"0", "1", "60", "3600", " 3600 "}) {
            assertEquals(Duration.ofSeconds(Long.parseLong(ok.trim())), GraceKeysConfig.fromEnv(Map.of("TABLE_NAME", "gk-table",
                    "AUTHORIZER_CACHE_TTL_SECONDS", ok)).authorizerCacheTtl(), ok);
        }
        assertEquals(Duration.ofSeconds(60), GraceKeysConfig.fromEnv(Map.of("TABLE_NAME", "gk-table",
                "AUTHORIZER_CACHE_TTL_SECONDS", " ")).authorizerCacheTtl(), "blank: the default");
        for (String bad : new String[] {"-1", "3601"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraceKeysConfig.fromEnv(
                    Map.of("TABLE_NAME", "gk-table", "AUTHORIZER_CACHE_TTL_SECONDS", bad)));
            assertTrue(e.getMessage().startsWith("AUTHORIZER_CACHE_TTL_SECONDS must be 0..3600"), e.getMessage());
            assertTrue(e.getMessage().contains("AuthorizerResultTtlSeconds"), "says what to set it to: " + e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraceKeysConfig.fromEnv(
                Map.of("TABLE_NAME", "gk-table", "AUTHORIZER_CACHE_TTL_SECONDS", "1m")));
        assertEquals("AUTHORIZER_CACHE_TTL_SECONDS must be a whole number, got '1m'", e.getMessage());
        GraceKeysConfig defaults = GraceKeysConfig.defaults("gk-table");
        assertThrows(IllegalArgumentException.class, () -> defaults.withAuthorizerCacheTtl(Duration.ofSeconds(3601)));
        assertThrows(IllegalArgumentException.class, () -> defaults.withAuthorizerCacheTtl(Duration.ofSeconds(-1)));
        assertEquals(Duration.ZERO, defaults.withAuthorizerCacheTtl(Duration.ZERO).authorizerCacheTtl());
        assertEquals(defaults.lastUseInterval(), defaults.withAuthorizerCacheTtl(Duration.ZERO).lastUseInterval());
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
        assertMessage("AUTHORIZER_CACHE_TTL_SECONDS", Map.of("TABLE_NAME", "gk-table", "AUTHORIZER_CACHE_TTL_SECONDS", "3601"));
    }

    private static void assertMessage(String variable, Map<String, String> env) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraceKeysConfig.fromEnv(env));
        assertTrue(e.getMessage().contains(variable), e.getMessage());
    }
}
