package dev.gracekeys.lambda.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.gracekeys.core.events.JsonText;
import org.slf4j.event.KeyValuePair;

import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Encodes each logging event as one flat JSON object on one line: {@code timestamp} (RFC 3339, UTC,
 * nanoseconds), {@code level}, {@code message}, {@code logger}, the fixed fields (such as
 * {@code functionName}), every MDC entry, every key/value pair the line was logged with (SLF4J's
 * {@code addKeyValue}), and {@code stack_trace} when there is one — all at the top level, where
 * Logs Insights, Contributor Insights and CloudWatch's Embedded Metric Format expect them.
 *
 * <p>Why not logstash-logback-encoder, which issue 14 first used: it builds a Jackson
 * {@code ObjectMapper} at start-up, about 215 ms of every cold start under the Lambda runtime's C1
 * (measured: 580 more classes, authorizer cold start 805 -&gt; 1,037 ms, docs/benchmarks.md); this
 * encoder loads none and writes a verify's metric line in a fraction of the time. Logback's own
 * {@code JsonEncoder} nests the MDC and key/value pairs, which EMF cannot read.
 *
 * <p>Values: a {@link Number} is written as a JSON number (non-finite ones as {@code null}), a
 * {@link Boolean} as a boolean, a {@link RawJson} as its text unchanged (the caller's promise that
 * it is one JSON value), {@code null} as {@code null}, anything else as its string, escaped.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

    private String fixed = "";

    /** A field written on every line after {@code logger}, such as the function's name. */
    public void addFixedField(String name, String value) {
        StringBuilder b = new StringBuilder(fixed).append(',');
        JsonText.quote(b, name).append(':');
        JsonText.quote(b, value);
        fixed = b.toString();
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"timestamp\":\"");
        DateTimeFormatter.ISO_INSTANT.formatTo(event.getInstant(), b);
        b.append("\",\"level\":\"").append(event.getLevel().toString()).append("\",\"message\":");
        JsonText.quote(b, event.getFormattedMessage()).append(",\"logger\":");
        JsonText.quote(b, event.getLoggerName()).append(fixed);
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null) {
            for (Map.Entry<String, String> e : mdc.entrySet()) {
                b.append(',');
                JsonText.quote(b, e.getKey()).append(':');
                JsonText.quote(b, e.getValue());
            }
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs != null) {
            for (KeyValuePair p : pairs) {
                b.append(',');
                JsonText.quote(b, p.key).append(':');
                value(b, p.value);
            }
        }
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            b.append(",\"stack_trace\":");
            JsonText.quote(b, ThrowableProxyUtil.asString(thrown));
        }
        return b.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void value(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof RawJson raw) {
            b.append(raw.json());
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            b.append(Double.isFinite(d) ? String.valueOf(v) : "null");
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else {
            JsonText.quote(b, v.toString());
        }
    }
}
