package dev.gracekeys.core.metrics;

import java.util.List;

/**
 * Every metric GraceKeys emits, with its unit and its one dimension (if any) and the values that
 * dimension takes: the single list the code emits from, and that template.yaml's alarms and
 * dashboard are checked against (infra/template-check). Client ids are never a dimension (they
 * would make one metric per client); they travel as properties of the log line instead.
 */
public enum Metric {

    /** One per verify, by how it was decided. */
    VERIFY_DECISIONS("VerifyDecisions", Unit.COUNT, "Outcome", List.of(
            "AllowedCurrent", "AllowedPrevious", "DeniedMalformed", "DeniedUnknown", "DeniedExpired",
            "DeniedInactive", "DeniedStoreUnavailable")),
    /** A verify's whole time, from the event to the decision (the budget covers this). */
    VERIFY_LATENCY("VerifyLatency", Unit.MILLISECONDS, null, List.of()),
    /** Rotations that issued a token (a client's first token included). */
    ROTATIONS("Rotations", Unit.COUNT, null, List.of()),
    /** Previous tokens stopped before their expiry (revoke-old, a rotation beyond the cap, grace 0). */
    REVOCATIONS("Revocations", Unit.COUNT, null, List.of()),
    /** Previous tokens removed by the sweep (or a rotation) after their expiry. */
    EXPIRIES("Expiries", Unit.COUNT, null, List.of()),
    /** PreviousTokenExpiringSoon notices sent. */
    EXPIRING_SOON_NOTICES("ExpiringSoonNotices", Unit.COUNT, null, List.of()),
    /** Backfill records, by outcome. */
    BACKFILL_RECORDS("BackfillRecords", Unit.COUNT, "Outcome", List.of("Imported", "Skipped", "Conflict", "Rejected")),
    /** Expire-sweep runs, by whether the run finished its work ("Complete") or stopped at its deadline. */
    SWEEP_RUNS("SweepRuns", Unit.COUNT, "Result", List.of("Complete", "Partial")),
    /** Domain events the publisher gave up on (after its retries): each one is lost to subscribers. */
    EVENT_PUBLISH_FAILURES("EventPublishFailures", Unit.COUNT, null, List.of());

    /** CloudWatch units, as EMF names them. */
    public enum Unit {
        COUNT("Count"), MILLISECONDS("Milliseconds");

        private final String emfName;

        Unit(String emfName) {
            this.emfName = emfName;
        }

        public String emfName() {
            return emfName;
        }
    }

    private final String metricName;
    private final Unit unit;
    private final String dimension;
    private final List<String> dimensionValues;

    Metric(String metricName, Unit unit, String dimension, List<String> dimensionValues) {
        this.metricName = metricName;
        this.unit = unit;
        this.dimension = dimension;
        this.dimensionValues = dimensionValues;
    }

    /** The name in CloudWatch. */
    public String metricName() {
        return metricName;
    }

    public Unit unit() {
        return unit;
    }

    /** The dimension's name, or {@code null} for a metric without one. */
    public String dimension() {
        return dimension;
    }

    /** The values {@link #dimension()} takes; empty without a dimension. */
    public List<String> dimensionValues() {
        return dimensionValues;
    }
}
