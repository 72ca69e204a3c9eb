package dev.gracekeys.core;

import dev.gracekeys.core.token.IssuedToken;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenFormat.Kind;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class TokenFormatTest {

    private final TokenFormat format = new TokenFormat("gk_", java.util.regex.Pattern.compile(dev.gracekeys.core.testing.Fixture.LEGACY_KEYS));
    private final SecureTokenGenerator generator = new SecureTokenGenerator(format);

    @Test
    void generatedToken_hasPrefix_50RandomBase62_and6ChecksumChars() {
        IssuedToken t = generator.next();
        assertTrue(t.value().matches("gk_[0-9A-Za-z]{56}"), t.value());
        assertEquals(Kind.GRACEKEYS, format.classify(t.value()));
        assertEquals(t.value().substring(0, 9), t.tokenId());
        // 50 base62 characters carry 50 * log2(62) = 297.7 bits; the tokenId shows 6 of them.
        assertTrue((TokenFormat.RANDOM_CHARS - TokenFormat.TOKEN_ID_CHARS) * Math.log(62) / Math.log(2) >= 256);
    }

    @Test
    void generatedTokens_areUnique_andUseTheWholeAlphabet() {
        Set<String> seen = new HashSet<>();
        int[] counts = new int[128];
        for (int i = 0; i < 5_000; i++) {
            String v = generator.next().value();
            assertTrue(seen.add(v));
            for (char c : v.substring(3, 53).toCharArray()) {
                counts[c]++;
            }
        }
        // 250,000 characters over 62 symbols: about 4,032 each. A biased generator (modulo bias,
        // a missing range) lands far outside this generous band.
        for (char c : "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray()) {
            assertTrue(counts[c] > 3_500 && counts[c] < 4_600, c + " appeared " + counts[c] + " times");
        }
    }

    @Test
    void anySingleCharacterTypo_isRejectedOffline() {
        String token = generator.next().value();
        for (int i = 3; i < token.length(); i++) {
            char original = token.charAt(i);
            char replacement = original == 'x' ? 'y' : 'x';
            String typo = token.substring(0, i) + replacement + token.substring(i + 1);
            assertEquals(Kind.MALFORMED, format.classify(typo), "typo at " + i);
        }
        String swapped = token.substring(0, 10) + token.charAt(11) + token.charAt(10) + token.substring(12);
        if (!swapped.equals(token)) {
            assertEquals(Kind.MALFORMED, format.classify(swapped));
        }
    }

    @Test
    void garbage_isMalformed_neverAnException() {
        String token = generator.next().value();
        for (String s : new String[]{null, "", "gk_", token + "a", token.substring(0, token.length() - 1),
                "\u0000".repeat(60), "gk_" + "\u00e9".repeat(56), "x".repeat(1_000_000),
                "short", "has spaces in it but long enough", "tab\there-0123456789abcdef"}) {
            assertEquals(Kind.MALFORMED, format.classify(s), String.valueOf(s).length() + " chars");
        }
        // Without our prefix a token-shaped string is legacy-shaped: looked up (found unknown) only
        // where the declared legacy format admits it. With legacy keys off it is malformed.
        assertEquals(Kind.LEGACY, format.classify(token.replace("gk_", "Gk_")));
        assertEquals(Kind.MALFORMED, new TokenFormat("gk_").classify(token.replace("gk_", "Gk_")));
    }

    @Test
    void legacyShapedKeys_areLegacy_onlyWhileLegacyTokensAreOn() {
        String legacy = "sk_live-0123456789abcdefABCDEF";
        assertEquals(Kind.LEGACY, format.classify(legacy));
        assertEquals(Kind.MALFORMED, new TokenFormat("gk_").classify(legacy));
        assertEquals(Kind.MALFORMED, TokenFormat.defaults().classify(legacy), "no legacy keys unless declared");
        assertEquals(Kind.MALFORMED, format.classify("gk_looksLikeOursButIsNot0123456789"), "our prefix is never legacy");
    }

    @Test
    void prefix_isConfigurable_andValidated() {
        TokenFormat acme = new TokenFormat("acme_");
        String t = new SecureTokenGenerator(acme).next().value();
        assertTrue(t.startsWith("acme_"));
        assertEquals(Kind.GRACEKEYS, acme.classify(t));
        for (String bad : new String[]{"", "gk", "g k_", "x".repeat(17) + "_", "ü_"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenFormat(bad));
            assertTrue(e.getMessage().contains("TOKEN_PREFIX"));
        }
    }

    @Test
    void legacyKeys_mustMatchTheDeclaredPatternInFull_elseMalformed() {
        TokenFormat declared = new TokenFormat("gk_", java.util.regex.Pattern.compile("sk_live_[A-Za-z0-9]{24}"));
        assertEquals(Kind.LEGACY, declared.classify("sk_live_0123456789abcdefABCDEFGH"));
        for (String junk : new String[]{"sk_live_0123456789abcdefABCDEFGHx", "xsk_live_0123456789abcdefABCDEFGH",
                "sk_test_0123456789abcdefABCDEFGH", "some-random-junk-of-the-right-length", "a".repeat(256)}) {
            assertEquals(Kind.MALFORMED, declared.classify(junk), junk);
        }
        // The declared pattern narrows the header-safe shape; it never widens it.
        TokenFormat loose = new TokenFormat("gk_", java.util.regex.Pattern.compile(".*"));
        assertEquals(Kind.MALFORMED, loose.classify("has spaces in it but long enough"));
        assertEquals(Kind.MALFORMED, loose.classify("short"));
    }

    @Test
    void issuedToken_neverShowsItsValueInToString() {
        IssuedToken t = generator.next();
        assertFalse(t.toString().contains(t.value()));
        assertTrue(t.toString().contains(t.tokenId()));
    }
}
