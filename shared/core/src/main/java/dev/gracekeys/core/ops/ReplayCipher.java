package dev.gracekeys.core.ops;

import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenHasher;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Keeps the token of a rotate's replay unreadable at rest: AES-256-GCM under a key derived from
 * the pepper ({@link TokenHasher#derivedKey}), a fresh 96-bit nonce each time, the requestId as
 * associated data (a ciphertext moved to another request's item does not decrypt). A table dump
 * alone reveals no token; with the pepper an attacker could mint tokens anyway. Decrypting tries
 * every pepper the ring knows, so a pepper rotation inside the replay window does not lose it.
 *
 * <p>The nonce comes from a {@link SecureRandom} made for each encryption, never from one kept since
 * start-up: with Lambda SnapStart many containers are restored from one snapshot, and a generator
 * whose state is in that snapshot can give each of them the same nonces (a DRBG or SHA1PRNG does;
 * Linux's default, NativePRNG, mixes fresh /dev/urandom bytes into each draw). Two encryptions
 * under one key with one nonce reveal the XOR of the two tokens and let an attacker forge tags. A
 * new instance costs microseconds, and there is one encryption per rotate that carries a requestId.
 */
final class ReplayCipher {

    private static final String PURPOSE = "replay-token-v1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final PepperRing peppers;

    ReplayCipher(PepperRing peppers) {
        this.peppers = peppers;
    }

    String encrypt(String token, String requestId) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            new SecureRandom().nextBytes(nonce);
            Cipher c = cipher(Cipher.ENCRYPT_MODE, peppers.view().current(), nonce, requestId);
            byte[] sealed = c.doFinal(token.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /** The token, or {@code null} if no pepper the ring knows opens it. */
    String decrypt(String sealed, String requestId) {
        byte[] in;
        try {
            in = Base64.getDecoder().decode(sealed);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (in.length <= NONCE_BYTES) {
            return null;
        }
        byte[] nonce = java.util.Arrays.copyOf(in, NONCE_BYTES);
        for (TokenHasher hasher : peppers.view().lookup()) {
            try {
                Cipher c = cipher(Cipher.DECRYPT_MODE, hasher, nonce, requestId);
                return new String(c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
            } catch (GeneralSecurityException e) {
                // not this pepper
            }
        }
        return null;
    }

    private static Cipher cipher(int mode, TokenHasher hasher, byte[] nonce, String requestId)
            throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(hasher.derivedKey(PURPOSE), "AES"), new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(requestId.getBytes(StandardCharsets.US_ASCII));
        return c;
    }
}
