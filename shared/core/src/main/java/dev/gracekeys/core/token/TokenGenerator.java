package dev.gracekeys.core.token;

/** Issues new tokens. A seam so tests can pin tokens; production uses {@link SecureTokenGenerator}. */
@FunctionalInterface
public interface TokenGenerator {

    /** A new token, with its tokenId. Never the same twice. */
    IssuedToken next();

    /**
     * Drops whatever random state this generator holds and draws fresh entropy, so it cannot repeat
     * tokens another copy of the same state issues: for after the process was restored from a
     * snapshot (Lambda SnapStart), where every restored container starts with the same state. (The
     * Lambda wiring calls {@link SecureTokenGenerator#reseedAll()}, which reaches every
     * {@code SecureTokenGenerator} of the process.) A generator without random state (a test's
     * pinned tokens) has nothing to do.
     */
    default void reseed() {
    }
}
