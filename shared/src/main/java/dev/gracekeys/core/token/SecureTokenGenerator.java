package dev.gracekeys.core.token;

import java.security.SecureRandom;

/** 50 base62 characters (297 bits) from {@link SecureRandom}, plus prefix and checksum. */
public final class SecureTokenGenerator implements TokenGenerator {

    private final TokenFormat format;
    private final SecureRandom random;

    public SecureTokenGenerator(TokenFormat format) {
        this(format, new SecureRandom());
    }

    public SecureTokenGenerator(TokenFormat format, SecureRandom random) {
        this.format = format;
        this.random = random;
    }

    @Override
    public IssuedToken next() {
        String token = format.assemble(Base62.random(random, TokenFormat.RANDOM_CHARS));
        return new IssuedToken(token, format.tokenIdOf(token));
    }
}
