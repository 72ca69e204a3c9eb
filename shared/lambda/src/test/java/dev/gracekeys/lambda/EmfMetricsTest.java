package dev.gracekeys.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gracekeys.core.metrics.Metric;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.testkit.MutableClock;
import io.micronaut.logging.impl.LogbackLoggingSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EmfMetrics' lines against the EMF specification's shape, as the JSON logger really writes them. */
class EmfMetricsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final MutableClock clock = new MutableClock();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private PrintStream out;

    @BeforeEach
    void capture() {
        out = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(out);
        MDC.clear();
    }

    private List<JsonNode> lines() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                lines.add(JSON.readTree(l));
            }
        }
        return lines;
    }

    @Test
    void verifyObservation_isOneEmfDocument_withBothMetrics_andClientIdAsAPropertyNotADimension() throws Exception {
        EmfMetrics metrics = EmfMetrics.create("GraceKeys-test", clock);
        MDC.put("awsRequestId", "req-1");
        metrics.recordTogether(Map.of("clientId", "ACME01", "tokenId", "tok1", "slot", "previous"),
                new Metrics.Value(Metric.VERIFY_DECISIONS, "AllowedPrevious", 1),
                new Metrics.Value(Metric.VERIFY_LATENCY, null, 3.25));

        List<JsonNode> lines = lines();
        assertEquals(1, lines.size(), "one line: " + lines);
        JsonNode line = lines.get(0);
        JsonNode aws = line.get("_aws");
        assertEquals(clock.millis(), aws.get("Timestamp").asLong(), "Timestamp: epoch millis of the injected clock");
        JsonNode directives = aws.get("CloudWatchMetrics");
        assertEquals(2, directives.size());
        JsonNode decisions = directives.get(0);
        assertEquals("GraceKeys-test", decisions.get("Namespace").asText());
        assertEquals("[[\"Outcome\"]]", decisions.get("Dimensions").toString());
        assertEquals("[{\"Name\":\"VerifyDecisions\",\"Unit\":\"Count\"}]", decisions.get("Metrics").toString());
        assertEquals("[[]]", directives.get(1).get("Dimensions").toString(), "latency has no dimension");
        assertEquals("[{\"Name\":\"VerifyLatency\",\"Unit\":\"Milliseconds\"}]", directives.get(1).get("Metrics").toString());
        // every target member at the root, with the right JSON type
        assertEquals("AllowedPrevious", line.get("Outcome").asText());
        assertTrue(line.get("VerifyDecisions").isIntegralNumber() && line.get("VerifyDecisions").asLong() == 1);
        assertEquals(3.25, line.get("VerifyLatency").asDouble());
        // properties: top level, never a dimension
        assertEquals("ACME01", line.get("clientId").asText());
        assertEquals("tok1", line.get("tokenId").asText());
        assertFalse(aws.toString().contains("clientId"), "clientId is no dimension");
        // the JSON log line's own fields
        assertEquals("INFO", line.get("level").asText());
        assertEquals("req-1", line.get("awsRequestId").asText());
        assertEquals("gracekeys.metrics", line.get("logger").asText());
    }

    @Test
    void propertiesNeverOverwriteTheLinesOwnMembers_andNeverRepeatAnMdcKey() throws Exception {
        EmfMetrics metrics = EmfMetrics.create("GraceKeys", clock);
        MDC.put("clientId", "FROM-MDC");
        metrics.record(Metric.ROTATIONS, null, 1, Map.of("clientId", "FROM-PROPS", "_aws", "x", "Rotations", "9",
                "level", "ERROR"));
        String text = bytes.toString(StandardCharsets.UTF_8);
        JsonNode line = lines().get(0);
        assertEquals(1, text.split("\"clientId\"", -1).length - 1, "clientId once: " + text);
        assertEquals("FROM-MDC", line.get("clientId").asText());
        assertEquals(1, line.get("Rotations").asLong());
        assertEquals("INFO", line.get("level").asText());
        assertEquals("[[]]", line.get("_aws").get("CloudWatchMetrics").get(0).get("Dimensions").toString());
    }

    @Test
    void anUndeclaredDimensionValue_isRefused_withTheValuesItTakes() {
        EmfMetrics metrics = EmfMetrics.create("GraceKeys", clock);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> metrics.count(Metric.SWEEP_RUNS, "Done"));
        assertTrue(e.getMessage().contains("[Complete, Partial]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> metrics.count(Metric.ROTATIONS, "Complete"));
        assertThrows(IllegalArgumentException.class, () -> metrics.record(Metric.VERIFY_LATENCY, null, Double.NaN, Map.of()));
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "nothing written");
    }

    @Test
    void aBadNamespace_failsTheInit_sayingWhatIsAllowed() {
        for (String bad : new String[] {"", "AWS/Lambda", "a\"b", ":x", "x".repeat(256)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmfMetrics.create(bad, clock), bad);
            assertTrue(e.getMessage().startsWith("METRICS_NAMESPACE must be a CloudWatch namespace"), e.getMessage());
        }
        assertEquals("GraceKeys", EmfMetrics.fromSettings(Settings.of(Map.of()), clock).namespace());
        assertEquals("Team/GK", EmfMetrics.fromSettings(Settings.of(Map.of("METRICS_NAMESPACE", "Team/GK")), clock).namespace());
    }

    @Test
    void micronautsLogbackRefresh_keepsTheCodeConfiguredJsonOutput() throws Exception {
        new LogbackLoggingSystem(null, null).refresh();
        LoggerFactory.getLogger("dev.gracekeys.test").info("after refresh");
        List<JsonNode> lines = lines();
        assertEquals(1, lines.size(), bytes.toString(StandardCharsets.UTF_8));
        assertEquals("after refresh", lines.get(0).get("message").asText());
        assertTrue(lines.get(0).get("timestamp").asText().endsWith("Z"), "RFC 3339 UTC");
    }

    @Test
    void theLevelProperty_quietsTheLog_butNeverTheMetricLines() throws Exception {
        System.setProperty(dev.gracekeys.lambda.logging.JsonLogConfigurator.LEVEL_PROPERTY, "WARN");
        try {
            new LogbackLoggingSystem(null, null).refresh();
            LoggerFactory.getLogger("dev.gracekeys.test").info("chatter");
            LoggerFactory.getLogger("dev.gracekeys.test").warn("a warning");
            EmfMetrics.create("GraceKeys-test", clock).count(Metric.ROTATIONS, null);
        } finally {
            System.clearProperty(dev.gracekeys.lambda.logging.JsonLogConfigurator.LEVEL_PROPERTY);
            new LogbackLoggingSystem(null, null).refresh();
        }
        List<JsonNode> lines = lines();
        assertEquals(2, lines.size(), bytes.toString(StandardCharsets.UTF_8));
        assertEquals("a warning", lines.get(0).get("message").asText());
        assertEquals(1, lines.get(1).get("Rotations").asLong(), "the metric line, at INFO, still written");
        LoggerFactory.getLogger("dev.gracekeys.test").info("INFO again");
        assertEquals("INFO again", lines().get(2).get("message").asText());
    }
}
