package dev.gracekeys.lambda;

import dev.gracekeys.core.metrics.Metric;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.lambda.logging.JsonLogConfigurator;
import dev.gracekeys.lambda.logging.RawJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.spi.LoggingEventBuilder;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The core's {@link Metrics} as CloudWatch Embedded Metric Format: each observation is one JSON log
 * line (through the logger {@value JsonLogConfigurator#METRICS_LOGGER}) with a top-level
 * {@code _aws} member ({@code Timestamp}, {@code CloudWatchMetrics: [{Namespace, Dimensions,
 * Metrics: [{Name, Unit}]}]}), each metric's value and dimension value at the top level, and the
 * observation's properties (clientId, tokenId) as plain top-level members: searchable in Logs
 * Insights and Contributor Insights, but never a dimension (one metric per client would follow).
 * CloudWatch Logs extracts the metrics; nothing here does any I/O but the log write, starts a
 * thread or calls an API.
 *
 * <p>The {@code CloudWatchMetrics} entry of each metric is built once, as JSON text; a line costs a
 * string concatenation and a few key/value pairs, which {@code JsonLineEncoder} writes at the top level. Recording never throws, except for a dimension
 * value the metric does not declare (a programming error the port documents).
 */
public final class EmfMetrics implements Metrics {

    /** The setting naming the CloudWatch namespace. */
    public static final String NAMESPACE_SETTING = "METRICS_NAMESPACE";
    public static final String DEFAULT_NAMESPACE = "GraceKeys";
    /** The message of every metric line. */
    static final String MESSAGE = "metrics";

    /** CloudWatch's namespace rules: 1..255 of these characters, not starting with ':' nor "AWS/". */
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._/#: -]{1,255}");
    /** Members a property must not overwrite: the line's own fields and the EMF root members. */
    private static final Set<String> RESERVED = Set.of("_aws", "timestamp", "level", "message", "logger",
            "functionName", "awsRequestId", "stack_trace");

    private static final Logger LOG = LoggerFactory.getLogger(JsonLogConfigurator.METRICS_LOGGER);

    private final Clock clock;
    private final String namespace;
    /** Per metric (by ordinal): its MetricDirective, as JSON text. */
    private final String[] directives;

    private EmfMetrics(String namespace, Clock clock) {
        this.namespace = namespace;
        this.clock = clock;
        Metric[] all = Metric.values();
        this.directives = new String[all.length];
        for (Metric m : all) {
            directives[m.ordinal()] = "{\"Namespace\":\"" + namespace + "\",\"Dimensions\":[["
                    + (m.dimension() == null ? "" : "\"" + m.dimension() + "\"") + "]],\"Metrics\":[{\"Name\":\""
                    + m.metricName() + "\",\"Unit\":\"" + m.unit().emfName() + "\"}]}";
        }
    }

    /**
     * Metrics in {@code namespace}, stamped with {@code clock}'s time.
     *
     * @throws IllegalArgumentException if the namespace is not one CloudWatch takes
     */
    public static EmfMetrics create(String namespace, Clock clock) {
        Objects.requireNonNull(clock, "clock");
        if (namespace == null || !NAMESPACE.matcher(namespace).matches() || namespace.startsWith(":")
                || namespace.startsWith("AWS/")) {
            throw new IllegalArgumentException(NAMESPACE_SETTING + " must be a CloudWatch namespace: 1 to 255 of"
                    + " letters, digits, . _ / # : - and spaces, not starting with ':' or 'AWS/' (such as "
                    + DEFAULT_NAMESPACE + "); got '" + namespace + "'");
        }
        return new EmfMetrics(namespace, clock);
    }

    /** From the settings: {@code METRICS_NAMESPACE}, {@value #DEFAULT_NAMESPACE} when unset. */
    public static EmfMetrics fromSettings(Settings settings, Clock clock) {
        return create(settings.getOrDefault(NAMESPACE_SETTING, DEFAULT_NAMESPACE), clock);
    }

    public String namespace() {
        return namespace;
    }

    @Override
    public void record(Metric metric, String dimensionValue, double value, Map<String, String> properties) {
        recordTogether(properties, new Value(metric, dimensionValue, value));
    }

    @Override
    public void recordTogether(Map<String, String> properties, Value... values) {
        check(values);
        if (!LOG.isInfoEnabled()) {
            return;
        }
        try {
            StringBuilder aws = new StringBuilder(128 + 160 * values.length)
                    .append("{\"Timestamp\":").append(clock.millis()).append(",\"CloudWatchMetrics\":[");
            for (int i = 0; i < values.length; i++) {
                aws.append(i == 0 ? "" : ",").append(directives[values[i].metric().ordinal()]);
            }
            LoggingEventBuilder line = LOG.atInfo().setMessage(MESSAGE)
                    .addKeyValue("_aws", new RawJson(aws.append("]}").toString()));
            for (Value v : values) {
                Metric m = v.metric();
                if (m.dimension() != null) {
                    line.addKeyValue(m.dimension(), v.dimensionValue());
                }
                line.addKeyValue(m.metricName(), number(v.value()));
            }
            if (properties != null) {
                for (Map.Entry<String, String> p : properties.entrySet()) {
                    if (p.getValue() != null && !taken(p.getKey(), values)) {
                        line.addKeyValue(p.getKey(), p.getValue());
                    }
                }
            }
            line.log();
        } catch (RuntimeException e) {
            // A metric that cannot be written is dropped; the caller's work goes on.
        }
    }

    /** Dimension values are declared ones, one value per metric and per dimension name. */
    private static void check(Value[] values) {
        for (int i = 0; i < values.length; i++) {
            Metric m = values[i].metric();
            String d = values[i].dimensionValue();
            if (!Double.isFinite(values[i].value())) {
                throw new IllegalArgumentException("metric " + m.metricName() + " takes a finite value, got "
                        + values[i].value());
            }
            if (m.dimension() == null ? d != null : !m.dimensionValues().contains(d)) {
                throw new IllegalArgumentException("metric " + m.metricName() + " takes "
                        + (m.dimension() == null ? "no dimension value" : m.dimension() + " one of " + m.dimensionValues())
                        + ", got " + d);
            }
            for (int j = 0; j < i; j++) {
                Metric other = values[j].metric();
                if (other == m || (m.dimension() != null && m.dimension().equals(other.dimension())
                        && !d.equals(values[j].dimensionValue()))) {
                    throw new IllegalArgumentException("one observation takes each metric once, and one value per"
                            + " dimension: " + m.metricName() + " clashes with " + other.metricName());
                }
            }
        }
    }

    /**
     * Whether a property named {@code key} would clash with a member of the line: a reserved one,
     * a metric's or dimension's, or an MDC entry (written by the encoder already).
     */
    private static boolean taken(String key, Value[] values) {
        if (RESERVED.contains(key) || MDC.get(key) != null) {
            return true;
        }
        for (Value v : values) {
            if (key.equals(v.metric().metricName()) || key.equals(v.metric().dimension())) {
                return true;
            }
        }
        return false;
    }

    /** Counts as whole numbers ({@code 1}, not {@code 1.0}). */
    private static Number number(double value) {
        long whole = (long) value;
        return whole == value ? (Number) whole : (Number) value;
    }
}
