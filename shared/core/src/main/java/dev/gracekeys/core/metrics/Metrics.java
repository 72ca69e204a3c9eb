package dev.gracekeys.core.metrics;

import java.util.Map;

/**
 * The port the core records its metrics through. On Lambda it writes CloudWatch Embedded Metric
 * Format lines (shared/lambda); tests collect them. Recording never throws and never blocks on
 * I/O beyond writing a log line: a metric that cannot be written is dropped, never a push.
 */
public interface Metrics {

    /** Records nothing. */
    Metrics NONE = (metric, dimensionValue, value, properties) -> { };

    /**
     * Records one value.
     *
     * @param dimensionValue one of {@link Metric#dimensionValues()}, or {@code null} for a metric without a dimension
     * @param properties     searchable context for the log line (clientId, tokenId); never a token, hash or pepper
     * @throws IllegalArgumentException if {@code dimensionValue} is not one the metric declares
     */
    void record(Metric metric, String dimensionValue, double value, Map<String, String> properties);

    /**
     * Records values observed together, as one observation: on Lambda one log line (one EMF
     * document) carries them all, so a query or a Contributor Insights rule sees them side by side
     * (the verify's decision and latency). At most one value per metric. By default, one
     * {@link #record} each.
     *
     * @throws IllegalArgumentException if a dimension value is not one its metric declares
     */
    default void recordTogether(Map<String, String> properties, Value... values) {
        for (Value v : values) {
            record(v.metric(), v.dimensionValue(), v.value(), properties);
        }
    }

    /** One value of {@link #recordTogether}: as the arguments of {@link #record}. */
    record Value(Metric metric, String dimensionValue, double value) {
    }

    /** Counts one, with no properties. */
    default void count(Metric metric, String dimensionValue) {
        record(metric, dimensionValue, 1, Map.of());
    }
}
