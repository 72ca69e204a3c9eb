package dev.gracekeys.core.ops;

import java.util.List;
import java.util.Objects;

/**
 * What a backfill did (or, with dryRun, would do), for the records it covers: all of its input, or,
 * when it {@link #stop stopped} on a failure, the records before the one that failed.
 *
 * <p>The counts are exact. The lists hold at most {@link #MAX_LISTED} problems each, the first ones
 * in input order, so that an answer stays far below Lambda's 6 MB response limit whatever the
 * input; {@link #truncated()} says whether a list was cut.
 *
 * @param conflicts     the first conflicts in input order (at most {@link #MAX_LISTED})
 * @param rejected      the first rejections in input order (at most {@link #MAX_LISTED})
 * @param conflictCount every conflict, listed or not
 * @param rejectedCount every rejection, listed or not
 * @param stop          why and where the import stopped before the end of its input, or {@code null}
 */
public record ImportResult(boolean dryRun, int read, int imported, int skipped,
                           List<Problem> conflicts, List<Problem> rejected,
                           int conflictCount, int rejectedCount, Stop stop) {

    /** The most problems listed per kind; the counts go on. */
    public static final int MAX_LISTED = 100;

    public ImportResult {
        conflicts = List.copyOf(conflicts);
        rejected = List.copyOf(rejected);
        if (conflictCount < conflicts.size() || rejectedCount < rejected.size()) {
            throw new IllegalArgumentException("a count is below the size of its list");
        }
    }

    /** A complete import whose problems are all listed. */
    public ImportResult(boolean dryRun, int read, int imported, int skipped,
                        List<Problem> conflicts, List<Problem> rejected) {
        this(dryRun, read, imported, skipped, conflicts, rejected, conflicts.size(), rejected.size(), null);
    }

    /** Whether a list holds fewer problems than its count (only the first {@link #MAX_LISTED} are listed). */
    public boolean truncated() {
        return conflicts.size() < conflictCount || rejected.size() < rejectedCount;
    }

    /** A record not imported: its position (0-based), its clientId when it may be shown, and why. */
    public record Problem(int index, String clientId, String reason) {
    }

    /**
     * The failure an import stopped at: the record's position (every record before it is done;
     * resume from it) and the error's name and message, which never hold a key.
     *
     * @param errorType    the error's simple class name, e.g. {@code StoreUnavailableException}
     * @param retryable    whether importing again from {@code index} may simply succeed
     */
    public record Stop(int index, String errorType, String errorMessage, boolean retryable) {
        public Stop {
            Objects.requireNonNull(errorType, "errorType");
            Objects.requireNonNull(errorMessage, "errorMessage");
        }
    }
}
