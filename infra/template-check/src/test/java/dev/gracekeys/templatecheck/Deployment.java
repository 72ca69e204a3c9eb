package dev.gracekeys.templatecheck;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.gracekeys.templatecheck.Template.list;
import static dev.gracekeys.templatecheck.Template.map;

/**
 * The template evaluated the way CloudFormation would for one deployment: {@code Ref},
 * {@code Fn::GetAtt}, {@code Fn::Sub}, {@code Fn::Join}, {@code Fn::If} with the template's
 * conditions, and {@code AWS::NoValue} dropping what it stands in. Anything else, and any resource
 * without a local stand-in, fails loudly: a test must never check a value it did not really work
 * out.
 */
final class Deployment {

    /** What {@code Ref AWS::NoValue} leaves: removed from the enclosing list or mapping. */
    private static final Object NO_VALUE = new Object();
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

    private final Template template;
    private final Map<String, String> parameters;
    private final Map<String, String> standIns;

    Deployment(Template template, Map<String, String> parameters, Map<String, String> standIns) {
        this.template = template;
        this.parameters = Map.copyOf(parameters);
        this.standIns = Map.copyOf(standIns);
        for (String name : parameters.keySet()) {
            template.parameter(name); // an override of a parameter the template lacks is a test bug
        }
    }

    /** One function as deployed: its properties (Globals merged in) with every intrinsic evaluated. */
    record Function(String logicalId, Map<String, Object> properties, Map<String, String> environment,
                    IamPolicy policy) {

        String functionName() {
            return (String) properties.get("FunctionName");
        }

        /** The function's name without the stack's prefix: rotate, verify-authorizer, ... */
        String lambdaName() {
            String prefix = Template.STACK_NAME + "-";
            String name = functionName();
            if (name == null || !name.startsWith(prefix)) {
                throw new AssertionError(logicalId + ": FunctionName should be ${AWS::StackName}-<name>, is " + name);
            }
            return name.substring(prefix.length());
        }

        String handler() {
            return (String) properties.get("Handler");
        }

        String codeUri() {
            return (String) properties.get("CodeUri");
        }
    }

    Function function(String logicalId) {
        Map<String, Object> properties = map(resolve(template.functionProperties(logicalId)), logicalId);
        Map<String, String> environment = new LinkedHashMap<>();
        Object env = properties.get("Environment");
        if (env != null) {
            map(map(env, logicalId + ".Environment").getOrDefault("Variables", Map.of()),
                    logicalId + ".Environment.Variables").forEach((name, value) -> {
                        if (!(value instanceof String s)) {
                            throw new AssertionError(logicalId + ": environment variable " + name
                                    + " must be a string (Lambda takes strings only), is " + value);
                        }
                        environment.put(name, s);
                    });
        }
        return new Function(logicalId, properties, environment,
                IamPolicy.of(logicalId, properties.getOrDefault("Policies", List.of())));
    }

    /** Every AWS::Serverless::Function, by logical id. */
    Map<String, Function> functions() {
        Map<String, Function> all = new LinkedHashMap<>();
        for (String id : template.resourcesOfType(Template.SERVERLESS_FUNCTION)) {
            all.put(id, function(id));
        }
        return all;
    }

    /** The value of a node with every intrinsic evaluated. */
    Object resolve(Object node) {
        Object v = eval(node);
        if (v == NO_VALUE) {
            throw new AssertionError("AWS::NoValue where a value is required: " + node);
        }
        return v;
    }

    boolean condition(String name) {
        Object definition = template.section("Conditions").get(name);
        if (definition == null) {
            throw new AssertionError("template.yaml has no condition " + name);
        }
        return test(definition);
    }

    private Object eval(Object node) {
        if (node instanceof List<?> items) {
            List<Object> out = new ArrayList<>();
            for (Object item : items) {
                Object v = eval(item);
                if (v != NO_VALUE) {
                    out.add(v);
                }
            }
            return out;
        }
        if (!(node instanceof Map<?, ?> m)) {
            return node; // strings, numbers, booleans
        }
        if (Template.isIntrinsic(m)) {
            Map.Entry<?, ?> fn = m.entrySet().iterator().next();
            return function((String) fn.getKey(), fn.getValue());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            Object value = eval(v);
            if (value != NO_VALUE) {
                out.put((String) k, value);
            }
        });
        return out;
    }

    private Object function(String name, Object args) {
        switch (name) {
            case "Ref":
                return ref((String) args);
            case "Fn::GetAtt": {
                List<Object> parts = list(args instanceof String s ? List.of(s.split("\\.", 2)) : args, "Fn::GetAtt");
                return standIn(parts.get(0) + "." + parts.get(1));
            }
            case "Fn::Sub":
                return sub(args);
            case "Fn::Join": {
                List<Object> parts = list(args, "Fn::Join");
                List<String> values = new ArrayList<>();
                for (Object v : list(resolve(parts.get(1)), "Fn::Join values")) {
                    values.add(String.valueOf(v));
                }
                return String.join((String) parts.get(0), values);
            }
            case "Fn::If": {
                List<Object> parts = list(args, "Fn::If");
                return condition((String) parts.get(0)) ? eval(parts.get(1)) : eval(parts.get(2));
            }
            default:
                throw new AssertionError("the template check does not evaluate " + name + " (yet): teach Deployment");
        }
    }

    private Object ref(String name) {
        switch (name) {
            case "AWS::NoValue":
                return NO_VALUE;
            case "AWS::StackName":
                return Template.STACK_NAME;
            case "AWS::Region":
                return Template.REGION;
            case "AWS::AccountId":
                return Template.ACCOUNT;
            case "AWS::Partition":
                return "aws";
            case "AWS::URLSuffix":
                return "amazonaws.com";
            default:
                break;
        }
        if (template.section("Parameters").containsKey(name)) {
            if (parameters.containsKey(name)) {
                return parameters.get(name);
            }
            Object fallback = template.parameter(name).get("Default");
            if (fallback == null) {
                throw new AssertionError("parameter " + name + " has no Default: give the test a value for it");
            }
            return String.valueOf(fallback); // a Ref of any parameter is a string to CloudFormation
        }
        return standIn(name);
    }

    private String standIn(String key) {
        String value = standIns.get(key);
        if (value == null) {
            throw new AssertionError("the test has no local stand-in for " + key + " (a Ref or GetAtt of a"
                    + " stack resource): add one where the test deploys the template");
        }
        return value;
    }

    private String sub(Object args) {
        String text;
        Map<String, Object> variables = Map.of();
        if (args instanceof String s) {
            text = s;
        } else {
            List<Object> parts = list(args, "Fn::Sub");
            text = (String) parts.get(0);
            variables = map(parts.get(1), "Fn::Sub variables");
        }
        Matcher m = SUB_VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String variable = m.group(1);
            String value;
            if (variable.startsWith("!")) {
                value = "${" + variable.substring(1) + "}"; // ${!Literal} is the literal ${Literal}
            } else if (variables.containsKey(variable)) {
                value = String.valueOf(resolve(variables.get(variable)));
            } else if (variable.contains(".") && !variable.startsWith("AWS::")) {
                value = standIn(variable);
            } else {
                value = String.valueOf(ref(variable));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private boolean test(Object condition) {
        Map<String, Object> c = map(condition, "condition");
        if (c.size() != 1) {
            throw new AssertionError("a condition is one function, got " + c);
        }
        Map.Entry<String, Object> fn = c.entrySet().iterator().next();
        List<Object> args = list(fn.getValue(), fn.getKey());
        switch (fn.getKey()) {
            case "Fn::Equals":
                return String.valueOf(resolve(args.get(0))).equals(String.valueOf(resolve(args.get(1))));
            case "Fn::Not":
                return !test(args.get(0));
            case "Fn::And":
                return args.stream().allMatch(this::test);
            case "Fn::Or":
                return args.stream().anyMatch(this::test);
            case "Condition":
                return condition((String) fn.getValue());
            default:
                throw new AssertionError("the template check does not evaluate condition function " + fn.getKey());
        }
    }
}
