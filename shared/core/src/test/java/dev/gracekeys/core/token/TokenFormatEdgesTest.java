package dev.gracekeys.core.token;

import dev.gracekeys.core.token.TokenFormat.Kind;
import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The edges of the offline check: what {@link TokenFormat#classify} lets through to a database read
 * and what it denies for free. In this package so that it can build a token with a valid checksum
 * around any random part ({@link TokenFormat#assemble}), which is what a forger or a corrupting proxy
 * can do too: the checksum is public knowledge, not a secret.
 */
class TokenFormatEdgesTest {

    private final TokenFormat format = TokenFormat.defaults();

    private static String base62(int n) {
        return "aB3".repeat(n / 3 + 1).substring(0, n);
    }

    @Test
    void aNonBase62Character_isMalformed_evenWithAValidChecksum() {
        assertEquals(Kind.GRACEKEYS, format.classify(format.assemble(base62(50))), "the control");
        // Tokens are base62 only: anything else (header-special, URL-special, non-ASCII) is denied
        // offline, whatever the checksum says, and never hashed or looked up.
        for (char bad : new char[]{'-', '_', '.', '+', '/', '=', ' ', '%', '\u00e9', '\u0000'}) {
            for (int at : new int[]{0, 25, 49}) {
                String random = base62(at) + bad + base62(49 - at);
                String forged = format.assemble(random);
                assertEquals(format.tokenLength(), forged.length());
                assertEquals(Kind.MALFORMED, format.classify(forged),
                        "a '" + bad + "' at " + at + " with its checksum recomputed");
            }
        }
    }

    @Test
    void legacyKeys_areLookedUp_from16To256Characters_andNoLonger() {
        TokenFormat legacy = new TokenFormat("gk_", Pattern.compile("[A-Za-z0-9]+"));
        assertEquals(Kind.MALFORMED, legacy.classify("a".repeat(15)));
        assertEquals(Kind.LEGACY, legacy.classify("a".repeat(16)));
        assertEquals(Kind.LEGACY, legacy.classify("a".repeat(255)));
        assertEquals(Kind.LEGACY, legacy.classify("a".repeat(256)), "256 characters is still a legacy key");
        assertEquals(Kind.MALFORMED, legacy.classify("a".repeat(257)));
    }

    @Test
    void prefix_isTheConfiguredOne_andStartsEveryTokenAndTokenId() {
        TokenFormat acme = new TokenFormat("acme7_");
        assertEquals("acme7_", acme.prefix());
        assertEquals("gk_", TokenFormat.defaults().prefix());
        String token = new SecureTokenGenerator(acme).next().value();
        assertEquals(acme.prefix().length() + 56, token.length());
        assertTrue(token.startsWith(acme.prefix()));
        assertEquals(token.substring(0, acme.prefix().length() + TokenFormat.TOKEN_ID_CHARS), acme.tokenIdOf(token));
    }

    @Test
    void primingToken_isWellFormed_soAVerifyOfItCostsWhatAnUnknownTokenCosts() {
        String priming = format.primingToken();
        assertEquals(Kind.GRACEKEYS, format.classify(priming), "malformed would skip the hash and the read");
        assertEquals("gk_" + "0".repeat(50), priming.substring(0, 53), "all-zero random part: never issued in practice");
        assertEquals(Kind.GRACEKEYS, new TokenFormat("acme_").classify(new TokenFormat("acme_").primingToken()));
    }
}
