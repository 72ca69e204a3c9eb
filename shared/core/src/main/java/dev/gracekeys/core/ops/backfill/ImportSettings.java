package dev.gracekeys.core.ops.backfill;

/**
 * How an import runs.
 *
 * @param dryRun      report what the import would do, writing nothing
 * @param concurrency chunks in flight at once (1..64)
 */
public record ImportSettings(boolean dryRun, int concurrency) {

    /** The chunks in flight unless told otherwise (the backfill function takes BACKFILL_CONCURRENCY). */
    public static final int DEFAULT_CONCURRENCY = 4;

    /** @throws IllegalArgumentException if {@code concurrency} is not 1..64 */
    public ImportSettings {
        if (concurrency < 1 || concurrency > 64) {
            throw new IllegalArgumentException("concurrency must be 1..64, got " + concurrency);
        }
    }

    /** A real or dry run with {@link #DEFAULT_CONCURRENCY}. */
    public static ImportSettings of(boolean dryRun) {
        return new ImportSettings(dryRun, DEFAULT_CONCURRENCY);
    }
}
