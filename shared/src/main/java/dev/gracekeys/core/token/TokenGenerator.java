package dev.gracekeys.core.token;

/** Issues new tokens. A seam so tests can pin tokens; production uses {@link SecureTokenGenerator}. */
@FunctionalInterface
public interface TokenGenerator {

    IssuedToken next();
}
