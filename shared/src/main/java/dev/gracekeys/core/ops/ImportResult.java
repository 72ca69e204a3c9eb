package dev.gracekeys.core.ops;

import java.util.List;

/** What a backfill did (or, with dryRun, would do). */
public record ImportResult(boolean dryRun, int read, int imported, int skipped,
                           List<Problem> conflicts, List<Problem> rejected) {

    /** A record not imported: its position (0-based), its clientId when readable, and why. */
    public record Problem(int index, String clientId, String reason) {
    }
}
