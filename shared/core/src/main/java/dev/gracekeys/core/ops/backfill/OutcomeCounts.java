package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.ops.ImportResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Outcome counts; thread-safe. Records are done in any order, but are counted in feed order:
 * one done early waits here until all before it are done, so the counts always cover a gap-free
 * start of the input (after a failure, exactly the records before it) and the problems listed
 * are the first ones in input order, at most {@link ImportResult#MAX_LISTED} of each kind.
 * What waits is what was done while an earlier record was still in flight: a few chunks, plus
 * the unreadable records fed meanwhile (they take no slot), one small entry each.
 */
final class OutcomeCounts {
    private final boolean dryRun;
    private final TreeMap<Long, Counted> early = new TreeMap<>();
    private long next; // the sequence of the first record not counted yet
    private int read;
    private int imported;
    private int skipped;
    private int conflictCount;
    private int rejectedCount;
    private final List<ImportResult.Problem> conflicts = new ArrayList<>();
    private final List<ImportResult.Problem> rejected = new ArrayList<>();

    private record Counted(int index, RecordResult result) {
    }

    OutcomeCounts(boolean dryRun) {
        this.dryRun = dryRun;
    }

    synchronized void add(long seq, int index, RecordResult result) {
        early.put(seq, new Counted(index, result));
        for (Map.Entry<Long, Counted> e = early.firstEntry(); e != null && e.getKey() == next;
             e = early.firstEntry()) {
            early.pollFirstEntry();
            count(e.getValue());
            next++;
        }
    }

    private void count(Counted c) {
        RecordResult r = c.result();
        switch (r.outcome()) {
            case IMPORTED -> imported++;
            case SKIPPED -> skipped++;
            case CONFLICT -> {
                if (conflictCount++ < ImportResult.MAX_LISTED) {
                    conflicts.add(new ImportResult.Problem(c.index(), r.clientId(), r.reason()));
                }
            }
            case REJECTED -> {
                if (rejectedCount++ < ImportResult.MAX_LISTED) {
                    rejected.add(new ImportResult.Problem(c.index(), r.clientId(), r.reason()));
                }
            }
        }
        read++;
    }

    synchronized int read() {
        return read;
    }

    synchronized ImportResult result(ImportResult.Stop stop) {
        return new ImportResult(dryRun, read, imported, skipped, conflicts, rejected, conflictCount, rejectedCount,
                stop);
    }
}
