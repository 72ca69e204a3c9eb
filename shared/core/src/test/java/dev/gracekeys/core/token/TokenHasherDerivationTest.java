package dev.gracekeys.core.token;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a stored item key or tokenId is derived from must not drift: keys imported by an earlier
 * version are looked up by this one, and tokenIds are stored on items and shown in events and
 * describe. So these tests pin the derivations to their definitions (docs/design.md, "Legacy keys")
 * and to known answers.
 */
class TokenHasherDerivationTest {

    private static final byte[] PEPPER = "0123456789abcdef0123456789abcdef-pepper".getBytes(StandardCharsets.UTF_8);
    private final TokenHasher hasher = new TokenHasher(Pepper.of(PEPPER));

    private static String hmacBase64Url(byte[] key, String input) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void legacyKey_isHmacOfTheLabelledLowercaseSha256Hex_asDocumented() throws Exception {
        String raw = "sk_live_0123456789abcdefABCDEFGH";
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
        String expected = hmacBase64Url(PEPPER, "legacy-sha256:" + hex);
        assertEquals(expected, hasher.keyOfLegacyKey(raw).value());
        assertEquals(expected, hasher.keyOfLegacySha256(hex.toUpperCase()).value());
        // Without the label a legacy key's hash input could equal some other input of the pepper.
        assertNotEquals(hmacBase64Url(PEPPER, hex), hasher.keyOfLegacySha256(hex).value());
    }

    @Test
    void legacyTokenId_isStableAcrossVersions() {
        // Known answers: a change here renames every imported key in events, logs and describe.
        assertEquals("legacy_kEsdZvnn", TokenHasher.legacyTokenId(TokenKey.of("abc")));
        assertEquals("legacy_rpTgz6KF", TokenHasher.legacyTokenId(hasher.keyOfLegacyKey("sk_live_0123456789abcdefABCDEFGH")));
    }

    @Test
    void legacyTokenIds_ofDifferentKeys_differ() {
        // 8 base62 characters from 48 bits of a hash: 5,000 keys collide with odds of about 1 in 10^7.
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5_000; i++) {
            String id = TokenHasher.legacyTokenId(hasher.keyOfLegacyKey("legacy-key-" + i));
            assertTrue(id.matches("legacy_[0-9A-Za-z]{8}"), id);
            assertTrue(ids.add(id), "two legacy keys share the tokenId " + id);
        }
    }

    @Test
    void hashers_areEqual_exactlyWhenTheirPeppersAre() {
        TokenHasher same = new TokenHasher(Pepper.of(PEPPER.clone()));
        TokenHasher other = new TokenHasher(Pepper.of("another-pepper-0123456789abcdef0123456".getBytes(StandardCharsets.UTF_8)));
        // The verifier relies on this not to look a token up twice under one pepper after a refresh.
        assertEquals(hasher, same);
        assertEquals(hasher.hashCode(), same.hashCode());
        assertNotEquals(hasher, other);
        assertNotEquals(other, hasher);
        assertNotEquals(hasher, "a string");
    }

    @Test
    void toString_neverShowsThePepper() {
        String shown = hasher.toString();
        assertTrue(shown.contains("redacted"), shown);
        assertFalse(shown.contains("pepper"));
        assertFalse(shown.contains(Base64.getEncoder().encodeToString(PEPPER)));
        assertFalse(shown.contains(HexFormat.of().formatHex(PEPPER)));
    }
}
