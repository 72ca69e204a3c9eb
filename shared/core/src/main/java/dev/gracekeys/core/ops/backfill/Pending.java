package dev.gracekeys.core.ops.backfill;

import java.util.concurrent.CompletableFuture;

/**
 * A parsed record on its way; {@code seq} is its place in the feed, {@code index} its position in
 * the input, {@code done} completes when it is counted (exceptionally when it failed).
 */
record Pending(long seq, int index, ParsedRecord parsed, CompletableFuture<Void> done) {

    /** Where the writer reports each record's outcome, or its failure. */
    interface Settlement {

        void settle(Pending p, RecordResult result);

        void fail(Pending p, RuntimeException e);
    }
}
