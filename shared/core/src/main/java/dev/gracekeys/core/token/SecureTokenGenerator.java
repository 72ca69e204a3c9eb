package dev.gracekeys.core.token;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * 50 base62 characters (297 bits) from {@link SecureRandom}, plus prefix and checksum.
 *
 * <p><b>Snapshots.</b> With Lambda SnapStart one initialised process is snapshotted and many
 * containers are restored from it, each with a copy of whatever random state the generator held at
 * the snapshot. Two containers drawing from the same state would issue the same token. So after a
 * restore every generator must draw from a fresh {@code SecureRandom}: {@link #reseedAll()} (called
 * by the runtime hook the Lambda wiring registers) marks every generator of the process, and each
 * replaces its source before its next token. Process-wide on purpose: a restore affects every
 * generator the process holds, whoever built it, so none can be forgotten.
 */
public final class SecureTokenGenerator implements TokenGenerator {

    /** Advanced by {@link #reseedAll()}; a source from an earlier generation is not used again. */
    private static final AtomicLong GENERATION = new AtomicLong();

    private final TokenFormat format;
    private volatile Source source;

    /** The random source and the generation it was made in. */
    private record Source(SecureRandom random, long generation) {
    }

    public SecureTokenGenerator(TokenFormat format) {
        this(format, new SecureRandom());
    }

    /**
     * With a random source of the caller's, used until the next {@link #reseed()} or
     * {@link #reseedAll()}; after that, a new {@code SecureRandom} (uniqueness after a restore wins
     * over a caller's determinism).
     */
    public SecureTokenGenerator(TokenFormat format, SecureRandom random) {
        this.format = format;
        this.source = new Source(random, GENERATION.get());
    }

    @Override
    public IssuedToken next() {
        String token = format.assemble(Base62.random(random(), TokenFormat.RANDOM_CHARS));
        return new IssuedToken(token, format.tokenIdOf(token));
    }

    /**
     * Replaces this generator's random source with a new {@code SecureRandom}, which seeds itself
     * from the operating system's entropy at its first use. Cheap (no I/O until the next token).
     */
    @Override
    public void reseed() {
        // The generation is read first: should a restore fall in between, the new source counts
        // as older than the restore and is replaced once more, never the other way round.
        long generation = GENERATION.get();
        source = new Source(new SecureRandom(), generation);
    }

    /**
     * After this process was restored from a snapshot: every {@code SecureTokenGenerator} of the
     * process replaces its random source (as {@link #reseed()}) before it issues its next token.
     */
    public static void reseedAll() {
        GENERATION.incrementAndGet();
    }

    private SecureRandom random() {
        Source s = source;
        if (s.generation() != GENERATION.get()) {
            reseed();
            s = source;
        }
        return s.random();
    }
}
