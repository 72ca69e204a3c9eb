package dev.gracekeys.templatecheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gracekeys.lambda.LambdaTestKit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code template.yaml} as written (intrinsics in their long form), with the lookups the tests
 * share. {@link #deploy} evaluates it for one imagined deployment.
 */
final class Template {

    /** The imagined deployment every test evaluates the template for. */
    static final String STACK_NAME = "gracekeys";
    static final String REGION = "us-east-1";
    static final String ACCOUNT = "123456789012";

    static final String SERVERLESS_FUNCTION = "AWS::Serverless::Function";

    /** The stack's resources the functions refer to, and the ARN the pepper secret stands in with. */
    static final String TABLE = "TokensTable";
    static final String PEPPER_SECRET = "PepperSecret";
    static final String PEPPER_SECRET_ARN = "arn:aws:secretsmanager:" + REGION + ":" + ACCOUNT
            + ":secret:PepperSecret-AbCdEf";
    /** The events bus: Ref gives its name (the template's Name), GetAtt Arn its ARN. */
    static final String EVENT_BUS = "EventBus";
    static final String EVENT_BUS_NAME = STACK_NAME + "-events";
    static final String EVENT_BUS_ARN = "arn:aws:events:" + REGION + ":" + ACCOUNT + ":event-bus/" + EVENT_BUS_NAME;
    /** The sample subscription: Ref of a topic gives its ARN; a rule on a custom bus has the bus in its ARN. */
    static final String EXPIRING_SOON_TOPIC = "ExpiringSoonTopic";
    static final String EXPIRING_SOON_TOPIC_ARN = "arn:aws:sns:" + REGION + ":" + ACCOUNT + ":" + STACK_NAME
            + "-expiring-soon";
    static final String EXPIRING_SOON_RULE = "ExpiringSoonRule";
    static final String EXPIRING_SOON_RULE_ARN = "arn:aws:events:" + REGION + ":" + ACCOUNT + ":rule/"
            + EVENT_BUS_NAME + "/" + STACK_NAME + "-expiring-soon";

    private final Path file;
    private final Map<String, Object> root;

    private Template(Path file, Map<String, Object> root) {
        this.file = file;
        this.root = root;
    }

    /** The repository's template.yaml. */
    static Template load() {
        return parse(text());
    }

    /** The repository's template.yaml as text (a test may change it and {@link #parse} the result). */
    static String text() {
        Path file = file0();
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A template from text, reported as template.yaml (for tests of the checks themselves). */
    static Template parse(String yaml) {
        return new Template(file0(), CloudFormationYaml.parse(yaml));
    }

    private static Path file0() {
        return LambdaTestKit.repoRoot().resolve("template.yaml");
    }

    Path file() {
        return file;
    }

    /** The whole template as JSON, the way CloudFormation and the SAM schema see it. */
    JsonNode json() {
        return new ObjectMapper().valueToTree(root);
    }

    /** A top-level section (Parameters, Conditions, Globals, Resources, Outputs); empty if absent. */
    Map<String, Object> section(String name) {
        return map(root.getOrDefault(name, Map.of()), name);
    }

    Map<String, Object> resource(String logicalId) {
        Object resource = section("Resources").get(logicalId);
        if (resource == null) {
            throw new AssertionError("template.yaml has no resource " + logicalId);
        }
        return map(resource, logicalId);
    }

    Map<String, Object> properties(String logicalId) {
        return map(resource(logicalId).getOrDefault("Properties", Map.of()), logicalId + ".Properties");
    }

    String type(String logicalId) {
        return (String) resource(logicalId).get("Type");
    }

    /** Logical ids of the resources of a type, in template order. */
    List<String> resourcesOfType(String type) {
        List<String> ids = new ArrayList<>();
        section("Resources").forEach((id, r) -> {
            if (type.equals(map(r, id).get("Type"))) {
                ids.add(id);
            }
        });
        return ids;
    }

    Map<String, Object> parameter(String name) {
        Object p = section("Parameters").get(name);
        if (p == null) {
            throw new AssertionError("template.yaml has no parameter " + name);
        }
        return map(p, "Parameters." + name);
    }

    /**
     * The template evaluated for stack {@value #STACK_NAME} in {@value #REGION}: parameters at their
     * defaults unless overridden, and the stack's own resources (by {@code Ref} name or
     * {@code Resource.Attribute}) replaced by the local things that stand for them.
     */
    Deployment deploy(Map<String, String> parameters, Map<String, String> standIns) {
        return new Deployment(this, parameters, standIns);
    }

    /**
     * {@link #deploy} with the table standing in as {@code tableName}, and made-up ARNs for the
     * secret, the bus, and the sample rule and topic.
     */
    Deployment deploy(String tableName, Map<String, String> parameters) {
        return deploy(parameters, Map.of(
                TABLE, tableName,
                TABLE + ".Arn", tableArn(tableName),
                PEPPER_SECRET, PEPPER_SECRET_ARN,
                EVENT_BUS, EVENT_BUS_NAME,
                EVENT_BUS + ".Arn", EVENT_BUS_ARN,
                EXPIRING_SOON_TOPIC, EXPIRING_SOON_TOPIC_ARN,
                EXPIRING_SOON_RULE + ".Arn", EXPIRING_SOON_RULE_ARN));
    }

    static String tableArn(String tableName) {
        return "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + tableName;
    }

    /**
     * A function's properties as SAM sees them: the Globals' Function section merged under the
     * resource's own (maps merge, lists add up, a value of the function's own wins), not yet
     * evaluated.
     */
    Map<String, Object> functionProperties(String logicalId) {
        if (!SERVERLESS_FUNCTION.equals(type(logicalId))) {
            throw new AssertionError(logicalId + " is not an " + SERVERLESS_FUNCTION);
        }
        Map<String, Object> globals = map(section("Globals").getOrDefault("Function", Map.of()), "Globals.Function");
        return merge(globals, properties(logicalId));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> merge(Map<String, Object> global, Map<String, Object> local) {
        Map<String, Object> merged = new LinkedHashMap<>(global);
        local.forEach((key, value) -> {
            Object g = merged.get(key);
            if (g instanceof Map && value instanceof Map && !isIntrinsic(g) && !isIntrinsic(value)) {
                merged.put(key, merge((Map<String, Object>) g, (Map<String, Object>) value));
            } else if (g instanceof List && value instanceof List) {
                List<Object> both = new ArrayList<>((List<Object>) g);
                both.addAll((List<Object>) value);
                merged.put(key, both);
            } else {
                merged.put(key, value);
            }
        });
        return merged;
    }

    static boolean isIntrinsic(Object node) {
        if (node instanceof Map<?, ?> m && m.size() == 1) {
            Object key = m.keySet().iterator().next();
            return "Ref".equals(key) || (key instanceof String k && k.startsWith("Fn::"));
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node, String where) {
        if (!(node instanceof Map)) {
            throw new AssertionError(where + " should be a mapping, is " + node);
        }
        return (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object node, String where) {
        if (node instanceof List) {
            return (List<Object>) node;
        }
        return List.of(node); // IAM and CloudFormation accept one value where a list is allowed
    }
}
