package dev.gracekeys.core.ops;

import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.token.PepperRing;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.Base64;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ReplayCipherTest {

    private static final String TOKEN = "gk_1uW3mTKaBp5X5FFsFB8Hv9q7QYTdpeJSX4Y5008h7xdgGwo2uA06jWfv";

    private final ReplayCipher cipher = new ReplayCipher(PepperRing.fixed(Fixture.PEPPER));

    @Test
    void encrypt_usesAFreshNonceEachTime_andEachCiphertextOpens() {
        Set<String> nonces = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            String sealed = cipher.encrypt(TOKEN, "req-1");
            byte[] raw = Base64.getDecoder().decode(sealed);
            assertTrue(nonces.add(Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(raw, 12))),
                    "nonce repeated at encryption " + i);
            assertEquals(TOKEN, cipher.decrypt(sealed, "req-1"));
            assertNull(cipher.decrypt(sealed, "req-2"), "the requestId is bound as associated data");
        }
    }

    @Test
    void cipher_keepsNoRandomSource_thatASnapshotCouldCopy() {
        // SnapStart restores many containers from one snapshot: a random source kept in a field (static
        // or not) would be copied into each, and equal nonces under one key break AES-GCM. The nonce
        // source is made for each encryption instead; this keeps it that way.
        for (Field f : ReplayCipher.class.getDeclaredFields()) {
            assertFalse(Random.class.isAssignableFrom(f.getType()), "random source kept in field " + f.getName());
        }
    }
}
