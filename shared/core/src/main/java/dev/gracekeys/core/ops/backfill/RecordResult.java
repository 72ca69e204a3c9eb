package dev.gracekeys.core.ops.backfill;

/**
 * The outcome of one record and, unless imported or skipped, why.
 *
 * @param clientId the record's clientId as it may be shown, or {@code null} when it looks like a key
 * @param reason   why it was not imported (a conflict or a rejection), else {@code null}
 */
public record RecordResult(Outcome outcome, String clientId, String reason) {

    /** What happened to one record. */
    public enum Outcome { IMPORTED, SKIPPED, CONFLICT, REJECTED }
}
