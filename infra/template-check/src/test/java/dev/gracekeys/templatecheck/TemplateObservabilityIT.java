package dev.gracekeys.templatecheck;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gracekeys.core.metrics.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.gracekeys.templatecheck.Template.list;
import static dev.gracekeys.templatecheck.Template.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * template.yaml's alarms, dashboard and Contributor Insights rule against the code's metric
 * catalogue ({@link Metric}): every (namespace, metric, dimension, value) they read is one the code
 * emits under the MetricsNamespace parameter (or one of a short list of AWS metrics, of this
 * stack's own functions and rules), and every catalogue metric and dimension value is read by some
 * alarm or widget, so a metric renamed on either side, or added to the code and never watched,
 * fails here rather than leaving a flat line on the dashboard. Also: every alarm notifies the alarm
 * topic (which only this stack's alarms may publish to) and fits CloudWatch's evaluation limits; the
 * latency alarm is relative to the budget the functions get; the rule and the log widget read the
 * authorizer's and the sweep's own log groups, by fields their log lines carry.
 */
class TemplateObservabilityIT {

    /**
     * The AWS metrics the template may read, each with its dimension names: only these, and only
     * with values naming this stack's functions and rules (checked below).
     */
    static final Map<String, Map<String, List<Set<String>>>> AWS_METRICS = Map.of(
            "AWS/Lambda", Map.of(
                    "Errors", List.of(Set.of("FunctionName")),
                    "Throttles", List.of(Set.of("FunctionName"))),
            "AWS/Events", Map.of(
                    // RuleName alone: a rule on the default bus (the sweep's schedule); with
                    // EventBusName: a rule on a custom bus (the stack's bus).
                    "FailedInvocations", List.of(Set.of("RuleName"), Set.of("EventBusName", "RuleName"))));

    /**
     * The searchable properties the code puts on a metric's log line besides the dimension
     * ({@link dev.gracekeys.core.metrics.Metrics#record}: "clientId, tokenId"): what a Contributor
     * Insights rule may key on.
     */
    static final Set<String> METRIC_LINE_PROPERTIES = Set.of("clientId", "tokenId");

    /** The sweep's log line for each previous token expiring within 24 h, and its fields. */
    static final String EXPIRING_SOON_MESSAGE = "previous token expiring soon";
    static final Set<String> EXPIRING_SOON_FIELDS = Set.of("clientId", "tokenId", "expiresAt", "lastUsedAt");

    private static final ObjectMapper JSON = new ObjectMapper();

    // ---- the catalogue, both ways -------------------------------------------------------------

    /**
     * The template evaluated for a non-default namespace too: a namespace written into the
     * template instead of MetricsNamespace would read nothing the code emits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "GraceKeys-check"})
    void alarmsAndDashboard_readExactlyTheCatalogue(String namespace) {
        Map<String, String> parameters = namespace.isEmpty() ? Map.of() : Map.of("MetricsNamespace", namespace);
        List<String> problems = new Observability(Template.load(), parameters).catalogueProblems();
        assertEquals(List.of(), problems, "template.yaml against dev.gracekeys.core.metrics.Metric");
    }

    /** Control: a misspelt metric name in a widget is caught (and its real metric is then unread). */
    @Test
    void check_catchesAMisspeltMetric() {
        String yaml = replaceOnce(Template.text(), "\"Rotations\", {\"label\"", "\"Rotatons\", {\"label\"");
        List<String> problems = new Observability(Template.parse(yaml), Map.of()).catalogueProblems();
        assertTrue(problems.stream().anyMatch(p -> p.contains("Rotatons") && p.contains("not in the catalogue")),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("Rotations") && p.contains("no alarm or widget")),
                problems.toString());
    }

    /** Control: a dimension value the code never emits is caught. */
    @Test
    void check_catchesADimensionValueTheCodeNeverEmits() {
        String yaml = replaceOnce(Template.text(), "Value: DeniedStoreUnavailable", "Value: DeniedStoreDown");
        List<String> problems = new Observability(Template.parse(yaml), Map.of()).catalogueProblems();
        assertTrue(problems.stream().anyMatch(p -> p.contains("DeniedStoreDown")), problems.toString());
    }

    /** Control: a catalogue metric that no alarm or widget reads is caught. */
    @Test
    void check_catchesACatalogueMetricNothingReads() {
        String yaml = replaceOnce(Template.text(),
                "[\"${MetricsNamespace}\", \"Expiries\", {\"label\": \"expiries\"}],", "");
        List<String> problems = new Observability(Template.parse(yaml), Map.of()).catalogueProblems();
        assertEquals(List.of("Expiries: a catalogue metric no alarm or widget reads (add it to the dashboard)"),
                problems);
    }

    /** Control: an AWS metric off the list, or one of another function, is caught. */
    @Test
    void check_catchesAnAwsMetricOffTheList_orOfAFunctionNotInTheStack() {
        String yaml = replaceOnce(Template.text(), "[\"AWS/Lambda\", \"Throttles\", \"FunctionName\", \"${VerifyAuthorizerFunction}\"",
                "[\"AWS/Lambda\", \"Throttles\", \"FunctionName\", \"someone-elses-function\"");
        yaml = replaceOnce(yaml, "[\"AWS/Lambda\", \"Errors\", \"FunctionName\", \"${VerifyAuthorizerFunction}\"",
                "[\"AWS/Lambda\", \"Duration\", \"FunctionName\", \"${VerifyAuthorizerFunction}\"");
        List<String> problems = new Observability(Template.parse(yaml), Map.of()).catalogueProblems();
        assertTrue(problems.stream().anyMatch(p -> p.contains("someone-elses-function")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("AWS/Lambda Duration")), problems.toString());
    }

    // ---- alarms -------------------------------------------------------------------------------

    /**
     * Every alarm notifies the alarm topic on ALARM and on OK, is named under the stack (the only
     * alarms the topic's policy lets publish), is on the dashboard's alarm widget, and fits
     * CloudWatch's evaluation range (7 days with periods of an hour or more, else 1 day).
     */
    @Test
    void everyAlarm_notifiesTheTopic_mayPublishToIt_isOnTheDashboard_andFitsCloudWatchsLimits() {
        Observability o = new Observability(Template.load(), Map.of());
        List<String> alarms = o.template.resourcesOfType("AWS::CloudWatch::Alarm");
        assertTrue(alarms.size() >= 7, "alarms: " + alarms);
        String topicArn = o.standIns.get("AlarmTopic");

        Map<?, ?> policy = (Map<?, ?>) o.deployment.resolve(o.template.properties("AlarmTopicPolicy"));
        assertEquals(List.of(topicArn), policy.get("Topics"));
        List<?> statements = (List<?>) ((Map<?, ?>) policy.get("PolicyDocument")).get("Statement");
        assertEquals(1, statements.size());
        Map<?, ?> statement = (Map<?, ?>) statements.get(0);
        assertEquals(Map.of("Service", "cloudwatch.amazonaws.com"), statement.get("Principal"));
        assertEquals("sns:Publish", statement.get("Action"));
        assertEquals(topicArn, statement.get("Resource"));
        String sourceArn = (String) ((Map<?, ?>) ((Map<?, ?>) statement.get("Condition")).get("ArnLike")).get("aws:SourceArn");
        Pattern allowed = Pattern.compile(Pattern.quote(sourceArn).replace("*", "\\E.*\\Q"));

        Set<String> onDashboard = new TreeSet<>();
        for (JsonNode widget : o.dashboard.path("widgets")) {
            if ("alarm".equals(widget.path("type").asText())) {
                widget.at("/properties/alarms").forEach(a -> onDashboard.add(a.asText()));
            }
        }
        for (String id : alarms) {
            Map<?, ?> alarm = (Map<?, ?>) o.deployment.resolve(o.template.properties(id));
            assertEquals(List.of(topicArn), alarm.get("AlarmActions"), id + " AlarmActions");
            assertEquals(List.of(topicArn), alarm.get("OKActions"), id + " OKActions");
            String arn = o.standIns.get(id + ".Arn");
            assertTrue(allowed.matcher(arn).matches(), id + ": " + arn + " may not publish to the topic (" + sourceArn + ")");
            assertTrue(onDashboard.contains(arn), id + " is not on the dashboard's alarm widget");

            for (Map.Entry<String, Integer> period : periods(id, alarm).entrySet()) {
                int range = period.getValue() * (Integer) alarm.get("EvaluationPeriods");
                int limit = period.getValue() >= 3600 ? 7 * 86_400 : 86_400;
                assertTrue(range <= limit, id + " (" + period.getKey() + "): evaluation range " + range
                        + " s is beyond CloudWatch's " + limit + " s");
            }
        }
        assertEquals(alarms.size(), onDashboard.size(), "the alarm widget lists an alarm that is not the stack's: " + onDashboard);
    }

    /**
     * The sweep alarm goes off when no complete run was counted in the last 26 h, including when
     * no run wrote anything at all (a sweep that never runs emits nothing).
     */
    @Test
    void sweepAlarm_firesAfter26HoursWithoutACompleteRun() {
        Observability o = new Observability(Template.load(), Map.of());
        Map<?, ?> alarm = (Map<?, ?>) o.deployment.resolve(o.template.properties("SweepNotRunAlarm"));
        assertEquals(Metric.SWEEP_RUNS.metricName(), alarm.get("MetricName"));
        assertEquals(List.of(Map.of("Name", Metric.SWEEP_RUNS.dimension(), "Value", "Complete")), alarm.get("Dimensions"));
        assertEquals("Sum", alarm.get("Statistic"));
        assertEquals("LessThanThreshold", alarm.get("ComparisonOperator"));
        assertEquals(1, ((Number) alarm.get("Threshold")).intValue());
        assertEquals("breaching", alarm.get("TreatMissingData"));
        int periods = (Integer) alarm.get("EvaluationPeriods");
        assertEquals(periods, alarm.get("DatapointsToAlarm"), "every period of the window must lack a complete run");
        assertEquals(26 * 3600, (Integer) alarm.get("Period") * periods, "the window");
    }

    /**
     * The latency alarm compares p99 VerifyLatency with the very budget the authorizer is deployed
     * with (VerifyTimeoutMillis, its VERIFY_TIMEOUT_MILLIS), so changing the budget moves the alarm.
     */
    @Test
    void latencyAlarm_isAShareOfTheBudgetTheAuthorizerGets() {
        Observability o = new Observability(Template.load(), Map.of("VerifyTimeoutMillis", "1234"));
        String budget = o.deployment.function(Lambda.VERIFY_AUTHORIZER.logicalId()).environment().get("VERIFY_TIMEOUT_MILLIS");
        assertEquals("1234", budget);
        Map<?, ?> alarm = (Map<?, ?>) o.deployment.resolve(o.template.properties("VerifyLatencyAlarm"));
        List<?> metrics = (List<?>) alarm.get("Metrics");
        Map<?, ?> stat = (Map<?, ?>) metrics.stream().map(m -> (Map<?, ?>) m).filter(m -> m.containsKey("MetricStat"))
                .findFirst().orElseThrow().get("MetricStat");
        assertEquals(Metric.VERIFY_LATENCY.metricName(), ((Map<?, ?>) stat.get("Metric")).get("MetricName"));
        assertEquals("p99", stat.get("Stat"));
        String expression = (String) metrics.stream().map(m -> (Map<?, ?>) m).filter(m -> m.containsKey("Expression"))
                .findFirst().orElseThrow().get("Expression");
        assertEquals("100 * p99 / " + budget, expression);
        assertEquals(80, ((Number) alarm.get("Threshold")).intValue(), "percent of the budget");
        assertEquals("GreaterThanThreshold", alarm.get("ComparisonOperator"));
    }

    /** The topic mails AlarmEmail only when one is given; its pattern takes an address or nothing. */
    @Test
    void alarmTopic_mailsTheAlarmEmail_onlyWhenOneIsGiven() {
        Template template = Template.load();
        String id = template.resourcesOfType("AWS::SNS::Subscription").stream()
                .filter(s -> Map.of("Ref", "AlarmTopic").equals(template.properties(s).get("TopicArn")))
                .findFirst().orElseThrow(() -> new AssertionError("no subscription to AlarmTopic"));
        String condition = (String) template.resource(id).get("Condition");
        Observability none = new Observability(template, Map.of());
        assertTrue(!none.deployment.condition(condition), "no address by default");
        Observability with = new Observability(template, Map.of("AlarmEmail", "ops@example.com"));
        assertTrue(with.deployment.condition(condition));
        assertEquals(Map.of("TopicArn", with.standIns.get("AlarmTopic"), "Protocol", "email", "Endpoint", "ops@example.com"),
                with.deployment.resolve(template.properties(id)));
        String pattern = (String) template.parameter("AlarmEmail").get("AllowedPattern");
        assertTrue("".matches(pattern) && "ops@example.com".matches(pattern) && !"not an address".matches(pattern));
        assertTrue(template.section("Outputs").containsKey("AlarmTopicArn"), "output AlarmTopicArn");
    }

    /** MetricsNamespace is every function's METRICS_NAMESPACE, and can never be an AWS/ namespace. */
    @Test
    void metricsNamespace_isEveryFunctionsSetting_andNeverAnAwsNamespace() {
        Template template = Template.load();
        Map<String, Object> parameter = template.parameter("MetricsNamespace");
        assertEquals("GraceKeys", parameter.get("Default"), "the code's default namespace");
        String pattern = (String) parameter.get("AllowedPattern");
        for (String ok : List.of("GraceKeys", "GraceKeys-staging", "grace.keys_2")) {
            assertTrue(ok.matches(pattern), ok);
        }
        for (String bad : List.of("", "AWS/Lambda", "Grace Keys", "GraceKeys/x")) {
            assertTrue(!bad.matches(pattern), bad);
        }
        Observability o = new Observability(template, Map.of("MetricsNamespace", "GraceKeys-x"));
        for (Deployment.Function function : o.deployment.functions().values()) {
            assertEquals("GraceKeys-x", function.environment().get("METRICS_NAMESPACE"), function.logicalId());
        }
    }

    // ---- Contributor Insights and the log widget ----------------------------------------------

    /**
     * The rule reads the authorizer's log group, as JSON (the functions' LogFormat), keyed by a
     * property the code writes on its metric lines, filtered on the verify's dimension for
     * AllowedPrevious; the dashboard shows it.
     */
    @Test
    void insightRule_countsClientsAllowedWithAPreviousToken_fromTheAuthorizersLogLines() throws JsonProcessingException {
        Observability o = new Observability(Template.load(), Map.of());
        List<String> rules = o.template.resourcesOfType("AWS::CloudWatch::InsightRule");
        assertEquals(1, rules.size(), rules.toString());
        Map<?, ?> rule = (Map<?, ?>) o.deployment.resolve(o.template.properties(rules.get(0)));
        assertEquals("ENABLED", rule.get("RuleState"));
        JsonNode body = JSON.readTree((String) rule.get("RuleBody"));

        Deployment.Function authorizer = o.deployment.function(Lambda.VERIFY_AUTHORIZER.logicalId());
        assertEquals(List.of("/aws/lambda/" + authorizer.functionName()), strings(body.path("LogGroupNames")));
        assertEquals(o.standIns.get("VerifyAuthorizerLogGroup"), body.path("LogGroupNames").get(0).asText());
        assertEquals("JSON", body.path("LogFormat").asText());
        assertEquals("JSON", ((Map<?, ?>) authorizer.properties().get("LoggingConfig")).get("LogFormat"),
                "the rule reads JSON fields: the authorizer must log JSON");
        assertEquals("CloudWatchLogRule", body.at("/Schema/Name").asText());

        List<String> keys = strings(body.at("/Contribution/Keys"));
        assertEquals(List.of("$.clientId"), keys);
        for (String key : keys) {
            assertTrue(METRIC_LINE_PROPERTIES.contains(key.substring(2)), key + " is not a property the code logs");
        }
        JsonNode filters = body.at("/Contribution/Filters");
        assertEquals(1, filters.size(), filters.toString());
        assertEquals("$." + Metric.VERIFY_DECISIONS.dimension(), filters.get(0).path("Match").asText());
        List<String> in = strings(filters.get(0).path("In"));
        assertEquals(List.of("AllowedPrevious"), in);
        assertTrue(Metric.VERIFY_DECISIONS.dimensionValues().containsAll(in), in + " vs the catalogue");

        List<String> shown = new ArrayList<>();
        for (JsonNode widget : o.dashboard.path("widgets")) {
            JsonNode insight = widget.at("/properties/insightRule");
            if (!insight.isMissingNode()) {
                shown.add(insight.path("ruleName").asText());
            }
        }
        assertEquals(List.of(rule.get("RuleName")), shown, "the dashboard's top-contributors widget");
    }

    /** The expiring-soon widget queries the sweep's log group for its notice lines' fields. */
    @Test
    void expiringSoonWidget_queriesTheSweepsLogLines() {
        Observability o = new Observability(Template.load(), Map.of());
        List<String> queries = new ArrayList<>();
        for (JsonNode widget : o.dashboard.path("widgets")) {
            if ("log".equals(widget.path("type").asText())) {
                assertEquals(Template.REGION, widget.at("/properties/region").asText());
                queries.add(widget.at("/properties/query").asText());
            }
        }
        assertEquals(1, queries.size(), queries.toString());
        String query = queries.get(0);
        assertTrue(query.startsWith("SOURCE '" + o.standIns.get("ExpireSweepLogGroup") + "' |"), query);
        assertTrue(query.contains("filter message = '" + EXPIRING_SOON_MESSAGE + "'"), query);
        Matcher fields = Pattern.compile("\\| fields ([^|]+)").matcher(query);
        assertTrue(fields.find(), query);
        Set<String> named = new TreeSet<>(List.of(fields.group(1).trim().split("\\s*,\\s*")));
        assertEquals(new TreeSet<>(EXPIRING_SOON_FIELDS), named);
    }

    // ---- the check ----------------------------------------------------------------------------

    /** A metric an alarm or a widget reads. */
    record MetricRef(String where, String namespace, String name, Map<String, String> dimensions) {
        String describe() {
            return namespace + " " + name + (dimensions.isEmpty() ? "" : " " + dimensions) + " (" + where + ")";
        }
    }

    /** The template deployed for stack gracekeys, with every resource the observability part names standing in. */
    static final class Observability {
        final Template template;
        final Map<String, String> standIns;
        final Deployment deployment;
        final JsonNode dashboard;
        final String namespace;

        Observability(Template template, Map<String, String> parameters) {
            this.template = template;
            this.standIns = standIns(template, parameters);
            this.deployment = template.deploy(parameters, standIns);
            this.namespace = (String) deployment.resolve(Map.of("Ref", "MetricsNamespace"));
            List<String> dashboards = template.resourcesOfType("AWS::CloudWatch::Dashboard");
            if (dashboards.size() != 1) {
                throw new AssertionError("one dashboard expected, found " + dashboards);
            }
            String body = (String) deployment.resolve(template.properties(dashboards.get(0)).get("DashboardBody"));
            try {
                this.dashboard = JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError("the DashboardBody is not JSON once evaluated: " + e.getOriginalMessage() + "\n" + body);
            }
        }

        /**
         * What CloudFormation gives for a Ref or GetAtt of each resource, from the names the template
         * gives them (which depend on the stack name and parameters only).
         */
        private static Map<String, String> standIns(Template template, Map<String, String> parameters) {
            Deployment names = template.deploy(parameters, Map.of());
            String arn = ":" + Template.REGION + ":" + Template.ACCOUNT + ":";
            Map<String, String> s = new HashMap<>();
            s.put(Template.TABLE, "gracekeys-table");
            s.put(Template.TABLE + ".Arn", Template.tableArn("gracekeys-table"));
            s.put(Template.PEPPER_SECRET, Template.PEPPER_SECRET_ARN);
            template.section("Resources").forEach((id, r) -> {
                Map<String, Object> p = template.properties(id);
                switch (template.type(id)) {
                    case Template.SERVERLESS_FUNCTION -> s.put(id, (String) names.resolve(p.get("FunctionName")));
                    case "AWS::Logs::LogGroup" -> s.put(id, (String) names.resolve(p.get("LogGroupName")));
                    case "AWS::SNS::Topic" -> s.put(id, "arn:aws:sns" + arn + names.resolve(p.get("TopicName")));
                    case "AWS::CloudWatch::Alarm" -> s.put(id + ".Arn", "arn:aws:cloudwatch" + arn + "alarm:"
                            + names.resolve(p.get("AlarmName")));
                    case "AWS::CloudWatch::InsightRule" -> s.put(id + ".RuleName", (String) names.resolve(p.get("RuleName")));
                    case "AWS::CloudWatch::Dashboard" -> s.put(id, (String) names.resolve(p.get("DashboardName")));
                    case "AWS::Events::EventBus" -> {
                        String name = (String) names.resolve(p.get("Name"));
                        s.put(id, name);
                        s.put(id + ".Arn", "arn:aws:events" + arn + "event-bus/" + name);
                    }
                    default -> { }
                }
            });
            return s;
        }

        /** The catalogue check, both ways: each problem says what to change. */
        List<String> catalogueProblems() {
            List<MetricRef> refs = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (String id : template.resourcesOfType("AWS::CloudWatch::Alarm")) {
                collectAlarm(id, map(deployment.resolve(template.properties(id)), id), refs, problems);
            }
            int i = 0;
            for (JsonNode widget : dashboard.path("widgets")) {
                collectWidget("dashboard widget " + i++ + " '" + widget.at("/properties/title").asText() + "'",
                        widget, refs, problems);
            }

            Map<String, Set<String>> read = new TreeMap<>(); // catalogue metric -> dimension values read
            Set<String> functionNames = new TreeSet<>();
            deployment.functions().values().forEach(f -> functionNames.add(f.functionName()));
            Map<String, String> rules = rules(); // rule name -> its bus ("default" for the default bus)
            for (MetricRef ref : refs) {
                if (ref.namespace().equals(namespace)) {
                    Metric metric = metric(ref.name());
                    if (metric == null) {
                        problems.add(ref.describe() + ": metric " + ref.name() + " is not in the catalogue"
                                + " (dev.gracekeys.core.metrics.Metric); use one of " + catalogueNames());
                        continue;
                    }
                    if (metric.dimension() == null) {
                        if (!ref.dimensions().isEmpty()) {
                            problems.add(ref.describe() + ": " + ref.name() + " has no dimension in the catalogue; read it without one");
                            continue;
                        }
                        read.computeIfAbsent(metric.metricName(), k -> new TreeSet<>()).add("");
                    } else {
                        String value = ref.dimensions().get(metric.dimension());
                        if (ref.dimensions().size() != 1 || value == null) {
                            problems.add(ref.describe() + ": " + ref.name() + " is emitted with exactly the dimension "
                                    + metric.dimension() + " (one of " + metric.dimensionValues() + ")");
                            continue;
                        }
                        if (!metric.dimensionValues().contains(value)) {
                            problems.add(ref.describe() + ": " + metric.dimension() + "=" + value
                                    + " is not in the catalogue; the code emits " + metric.dimensionValues());
                            continue;
                        }
                        read.computeIfAbsent(metric.metricName(), k -> new TreeSet<>()).add(value);
                    }
                } else if (AWS_METRICS.containsKey(ref.namespace())) {
                    List<Set<String>> allowed = AWS_METRICS.get(ref.namespace()).get(ref.name());
                    if (allowed == null || !allowed.contains(ref.dimensions().keySet())) {
                        problems.add(ref.describe() + ": " + ref.namespace() + " " + ref.name() + " with "
                                + ref.dimensions().keySet() + " is not on the AWS_METRICS list " + AWS_METRICS);
                        continue;
                    }
                    ref.dimensions().forEach((name, value) -> {
                        boolean ours = switch (name) {
                            case "FunctionName" -> functionNames.contains(value);
                            case "EventBusName" -> value.equals(standIns.get(Template.EVENT_BUS));
                            case "RuleName" -> rules.containsKey(value) && rules.get(value).equals(
                                    ref.dimensions().getOrDefault("EventBusName", "default"));
                            default -> false;
                        };
                        if (!ours) {
                            problems.add(ref.describe() + ": " + name + "=" + value + " is none of this stack's"
                                    + (name.equals("FunctionName") ? " functions " + functionNames : " buses and rules " + rules));
                        }
                    });
                } else {
                    problems.add(ref.describe() + ": namespace " + ref.namespace() + " is neither MetricsNamespace ("
                            + namespace + ") nor one of " + AWS_METRICS.keySet());
                }
            }

            for (Metric metric : Metric.values()) {
                Set<String> values = read.getOrDefault(metric.metricName(), Set.of());
                if (metric.dimension() == null) {
                    if (values.isEmpty()) {
                        problems.add(metric.metricName() + ": a catalogue metric no alarm or widget reads (add it to the dashboard)");
                    }
                } else {
                    Set<String> unread = new LinkedHashSet<>(metric.dimensionValues());
                    unread.removeAll(values);
                    if (!unread.isEmpty()) {
                        problems.add(metric.metricName() + " " + metric.dimension() + "=" + unread
                                + ": catalogue values no alarm or widget reads (add them to the dashboard)");
                    }
                }
            }
            return problems;
        }

        /** The stack's rules by name, with their bus: SAM schedules on the default bus, rules on theirs. */
        private Map<String, String> rules() {
            Map<String, String> rules = new TreeMap<>();
            template.section("Resources").forEach((id, r) -> {
                if ("AWS::Events::Rule".equals(template.type(id))) {
                    Map<?, ?> p = (Map<?, ?>) deployment.resolve(template.properties(id));
                    Object bus = p.get("EventBusName");
                    rules.put((String) p.get("Name"), bus == null ? "default" : (String) bus);
                } else if (Template.SERVERLESS_FUNCTION.equals(template.type(id))) {
                    Object events = template.properties(id).get("Events");
                    if (events != null) {
                        map(events, id + ".Events").forEach((name, e) -> {
                            Map<String, Object> event = map(e, id + ".Events." + name);
                            if ("Schedule".equals(event.get("Type"))) {
                                Map<?, ?> p = (Map<?, ?>) deployment.resolve(event.get("Properties"));
                                rules.put((String) p.get("Name"), "default");
                            }
                        });
                    }
                }
            });
            return rules;
        }

        private static void collectAlarm(String id, Map<String, Object> alarm, List<MetricRef> refs, List<String> problems) {
            if (alarm.containsKey("MetricName")) {
                refs.add(new MetricRef(id, (String) alarm.get("Namespace"), (String) alarm.get("MetricName"),
                        dimensions(alarm.get("Dimensions"))));
            }
            for (Object m : list(alarm.getOrDefault("Metrics", List.of()), id + ".Metrics")) {
                Map<String, Object> query = map(m, id + ".Metrics");
                if (query.containsKey("MetricStat")) {
                    Map<String, Object> metric = map(map(query.get("MetricStat"), id).get("Metric"), id);
                    refs.add(new MetricRef(id + " " + query.get("Id"), (String) metric.get("Namespace"),
                            (String) metric.get("MetricName"), dimensions(metric.get("Dimensions"))));
                } else {
                    expression(id + " " + query.get("Id"), (String) query.get("Expression"), problems);
                }
            }
        }

        private static Map<String, String> dimensions(Object node) {
            Map<String, String> out = new TreeMap<>();
            if (node != null) {
                for (Object d : list(node, "Dimensions")) {
                    Map<String, Object> dimension = map(d, "Dimensions");
                    out.put((String) dimension.get("Name"), (String) dimension.get("Value"));
                }
            }
            return out;
        }

        private void collectWidget(String where, JsonNode widget, List<MetricRef> refs, List<String> problems) {
            JsonNode properties = widget.path("properties");
            String type = widget.path("type").asText();
            if (("metric".equals(type) || "log".equals(type)) && !Template.REGION.equals(properties.path("region").asText())) {
                problems.add(where + ": region must be ${AWS::Region} (this stack's), is " + properties.path("region"));
            }
            for (JsonNode line : properties.path("metrics")) {
                if (line.size() > 0 && line.get(0).isObject()) {
                    expression(where, line.get(0).path("expression").asText(), problems);
                    continue;
                }
                List<String> words = new ArrayList<>();
                for (JsonNode word : line) {
                    if (word.isTextual()) {
                        words.add(word.asText());
                    }
                }
                if (words.contains(".") || words.contains("...") || words.size() < 2 || words.size() % 2 != 0) {
                    problems.add(where + ": write each metric in full, [namespace, name, dimension, value, ...,"
                            + " {options}], without the '.' and '...' shorthands: " + line);
                    continue;
                }
                Map<String, String> dimensions = new TreeMap<>();
                for (int i = 2; i < words.size(); i += 2) {
                    dimensions.put(words.get(i), words.get(i + 1));
                }
                refs.add(new MetricRef(where, words.get(0), words.get(1), dimensions));
            }
        }

        /** Expressions may combine the metrics listed beside them, never search for others. */
        private static void expression(String where, String expression, List<String> problems) {
            if (expression == null || expression.isBlank() || expression.toUpperCase().contains("SEARCH(")
                    || expression.toUpperCase().contains("SELECT ")) {
                problems.add(where + ": an expression must combine the metrics listed with it (no SEARCH or"
                        + " Metrics Insights query, which the check cannot tie to the catalogue): " + expression);
            }
        }

        private static Metric metric(String name) {
            for (Metric m : Metric.values()) {
                if (m.metricName().equals(name)) {
                    return m;
                }
            }
            return null;
        }

        private static List<String> catalogueNames() {
            return List.of(Metric.values()).stream().map(Metric::metricName).toList();
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Periods of an alarm: its own, or each of its metric queries'. */
    private static Map<String, Integer> periods(String id, Map<?, ?> alarm) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (alarm.get("Period") != null) {
            out.put(id, (Integer) alarm.get("Period"));
        }
        for (Object m : list(alarm.get("Metrics") == null ? List.of() : alarm.get("Metrics"), id)) {
            Map<?, ?> stat = (Map<?, ?>) ((Map<?, ?>) m).get("MetricStat");
            if (stat != null) {
                out.put(id + " " + ((Map<?, ?>) m).get("Id"), (Integer) stat.get("Period"));
            }
        }
        return out;
    }

    private static String replaceOnce(String text, String from, String to) {
        int at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) {
            throw new AssertionError("the control needs exactly one '" + from + "' in template.yaml");
        }
        return text.substring(0, at) + to + text.substring(at + from.length());
    }
}
