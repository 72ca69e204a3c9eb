package dev.gracekeys.lambda.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every line the encoder writes is one flat JSON object a real parser reads back exactly. */
class JsonLineEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final LoggerContext context = new LoggerContext();
    private final LogbackMDCAdapter mdc = new LogbackMDCAdapter();

    JsonLineEncoderTest() {
        context.setMDCAdapter(mdc);
    }

    private JsonNode encode(JsonLineEncoder encoder, LoggingEvent event) throws Exception {
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
        return JSON.readTree(line);
    }

    private LoggingEvent event(String message, Throwable thrown) {
        LoggingEvent e = new LoggingEvent("x.Y", context.getLogger("x.Y"), Level.WARN, message, thrown, null);
        e.setInstant(Instant.parse("2026-12-06T12:00:00.123456789Z"));
        return e;
    }

    @Test
    void fields_atTheTopLevel_mdcAndKeyValuesToo() throws Exception {
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.addFixedField("functionName", "gk-verify-authorizer");
        mdc.put("awsRequestId", "req-1");
        LoggingEvent e = event("token rotated", null);
        e.addKeyValuePair(new KeyValuePair("clientId", "ACME01"));
        e.addKeyValuePair(new KeyValuePair("count", 3L));
        e.addKeyValuePair(new KeyValuePair("millis", 0.25));
        e.addKeyValuePair(new KeyValuePair("done", true));
        e.addKeyValuePair(new KeyValuePair("lastUsedAt", null));
        e.addKeyValuePair(new KeyValuePair("_aws", new RawJson("{\"Timestamp\":1,\"CloudWatchMetrics\":[]}")));

        JsonNode j = encode(encoder, e);

        assertEquals("2026-12-06T12:00:00.123456789Z", j.get("timestamp").asText());
        assertEquals("WARN", j.get("level").asText());
        assertEquals("token rotated", j.get("message").asText());
        assertEquals("x.Y", j.get("logger").asText());
        assertEquals("gk-verify-authorizer", j.get("functionName").asText());
        assertEquals("req-1", j.get("awsRequestId").asText());
        assertEquals("ACME01", j.get("clientId").asText());
        assertTrue(j.get("count").isIntegralNumber() && j.get("count").asLong() == 3);
        assertTrue(j.get("millis").isDouble() && j.get("millis").asDouble() == 0.25);
        assertTrue(j.get("done").isBoolean() && j.get("done").asBoolean());
        assertTrue(j.get("lastUsedAt").isNull());
        assertEquals(1, j.get("_aws").get("Timestamp").asLong(), "raw JSON kept as an object");
        assertFalse(j.has("stack_trace"));
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = j.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        assertEquals(List.of("timestamp", "level", "message", "logger", "functionName", "awsRequestId", "clientId",
                "count", "millis", "done", "lastUsedAt", "_aws"), names, "no other field, none nested");
    }

    @Test
    void everyCharacter_survives_escapedAsJsonRequires() throws Exception {
        String nasty = "quote\" backslash\\ newline\n return\r tab\t bell\u0007 nul\u0000 unicode é € \u2028 😀 </script>";
        LoggingEvent e = event(nasty, null);
        e.addKeyValuePair(new KeyValuePair("key \"with\" quotes", nasty));

        JsonNode j = encode(new JsonLineEncoder(), e);

        assertEquals(nasty, j.get("message").asText());
        assertEquals(nasty, j.get("key \"with\" quotes").asText());
    }

    @Test
    void aThrowable_isOneStackTraceField_onTheSameLine() throws Exception {
        JsonNode j = encode(new JsonLineEncoder(), event("failed", new IllegalStateException("bad\nstate")));

        String trace = j.get("stack_trace").asText();
        assertTrue(trace.startsWith("java.lang.IllegalStateException: bad\nstate"), trace);
        assertTrue(trace.contains("JsonLineEncoderTest"), trace);
    }

    @Test
    void nonFiniteNumbers_areNull_notInvalidJson() throws Exception {
        LoggingEvent e = event("m", null);
        e.addKeyValuePair(new KeyValuePair("nan", Double.NaN));
        e.addKeyValuePair(new KeyValuePair("inf", Float.POSITIVE_INFINITY));

        JsonNode j = encode(new JsonLineEncoder(), e);

        assertTrue(j.get("nan").isNull() && j.get("inf").isNull());
    }
}
