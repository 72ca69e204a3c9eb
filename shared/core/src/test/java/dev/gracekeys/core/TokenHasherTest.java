package dev.gracekeys.core;

import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.token.TokenKey;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

class TokenHasherTest {

    private static final byte[] PEPPER_BYTES = "0123456789abcdef0123456789abcdef-pepper".getBytes(StandardCharsets.UTF_8);
    private final TokenHasher hasher = new TokenHasher(Pepper.of(PEPPER_BYTES));

    @Test
    void key_isBase64UrlOfHmacSha256WithThePepper() throws Exception {
        String token = new SecureTokenGenerator(TokenFormat.defaults()).next().value();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(PEPPER_BYTES, "HmacSHA256"));
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(token.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, hasher.keyOfToken(token).value());
        assertEquals(hasher.keyOfToken(token), hasher.keyOfToken(token));
    }

    @Test
    void anotherPepper_givesAnotherKey() {
        String token = new SecureTokenGenerator(TokenFormat.defaults()).next().value();
        TokenHasher other = new TokenHasher(Pepper.of("another-pepper-0123456789abcdef0123456".getBytes(StandardCharsets.UTF_8)));
        assertNotEquals(hasher.keyOfToken(token), other.keyOfToken(token));
    }

    @Test
    void legacyRawKey_andItsSha256_giveTheSameKey_inAnyHexCase() throws Exception {
        String raw = "legacy-key-0123456789";
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
        TokenKey k = hasher.keyOfLegacyKey(raw);
        assertEquals(k, hasher.keyOfLegacySha256(hex));
        assertEquals(k, hasher.keyOfLegacySha256(hex.toUpperCase()));
        assertNotEquals(k, hasher.keyOfToken(raw), "legacy and GraceKeys keys are kept apart");
        assertThrows(IllegalArgumentException.class, () -> hasher.keyOfLegacySha256("abc"));
    }

    @Test
    void legacyTokenId_isStable_andRevealsNothingOfTheKey() {
        TokenKey k = hasher.keyOfLegacyKey("legacy-key-0123456789");
        String id = TokenHasher.legacyTokenId(k);
        assertTrue(id.matches("legacy_[0-9A-Za-z]{8}"), id);
        assertEquals(id, TokenHasher.legacyTokenId(hasher.keyOfLegacyKey("legacy-key-0123456789")));
        assertFalse(k.value().contains(id.substring(7)));
    }

    @Test
    void secrets_neverShowInToString() {
        Pepper p = Pepper.of(PEPPER_BYTES);
        assertFalse(p.toString().contains("pepper"));
        assertFalse(p.toString().contains(Base64.getEncoder().encodeToString(PEPPER_BYTES)));
        TokenKey k = hasher.keyOfToken("whatever");
        assertFalse(k.toString().contains(k.value()));
    }

    @Test
    void pepper_mustBeLongEnough_andValidBase64() {
        assertThrows(IllegalArgumentException.class, () -> Pepper.of(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> Pepper.fromBase64("not base64 !!"));
        assertEquals(Pepper.of(PEPPER_BYTES), Pepper.fromBase64(Base64.getEncoder().encodeToString(PEPPER_BYTES)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pepper.fromBase64("c2hvcnQ="));
        assertTrue(e.getMessage().contains("openssl rand"), "says how to make one: " + e.getMessage());
    }
}
