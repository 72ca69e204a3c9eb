package dev.gracekeys.templatecheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.gracekeys.templatecheck.Template.list;
import static dev.gracekeys.templatecheck.Template.map;

/**
 * A function's inline policy statements (its SAM {@code Policies}, evaluated), and IAM's matching
 * of an action on a resource: {@code *} and {@code ?} wildcards, actions case-insensitive, an
 * explicit Deny winning over any Allow. Effect, Action and Resource are understood, and a
 * Condition on the request context {@link AwsCallRecorder} computes ({@code dynamodb:LeadingKeys},
 * {@code dynamodb:Attributes}, {@code dynamodb:ReturnValues}) with the operators
 * {@code ForAllValues:StringEquals|StringLike} and {@code StringEquals|StringLike[IfExists]}. A
 * NotAction or NotResource, another condition key or operator, a managed policy or a SAM policy
 * template fails the check, because the test could not tell what it grants.
 *
 * <p>Stricter than IAM in one way, on purpose: a {@code ForAllValues} condition on a key the request
 * does not carry is false here (IAM calls it true), so a statement never allows a request whose
 * context the recorder could not work out.
 */
final class IamPolicy {

    private static final Set<String> UNDERSTOOD = Set.of("Sid", "Effect", "Action", "Resource", "Condition");
    private static final Set<String> CONDITION_KEYS = Set.of(
            AwsCallRecorder.LEADING_KEYS, AwsCallRecorder.ATTRIBUTES, AwsCallRecorder.RETURN_VALUES);

    /** One test of a condition block: {@code operator: {key: values}}. */
    record Condition(String operator, String key, List<String> values) {

        boolean holds(Map<String, List<String>> context) {
            List<String> actual = context.get(key);
            boolean like = operator.endsWith("StringLike") || operator.endsWith("StringLikeIfExists");
            if (operator.startsWith("ForAllValues:")) {
                // IAM: true for a missing key; here false (see the class comment).
                return actual != null && actual.stream().allMatch(v -> matchesAny(v, like));
            }
            if (actual == null) {
                return operator.endsWith("IfExists");
            }
            return actual.size() == 1 && matchesAny(actual.get(0), like);
        }

        private boolean matchesAny(String value, boolean like) {
            return values.stream().anyMatch(p -> like ? glob(p, value, false) : p.equals(value));
        }
    }

    record Statement(boolean allow, List<String> actions, List<String> resources, List<Condition> conditions) {

        Statement(boolean allow, List<String> actions, List<String> resources) {
            this(allow, actions, resources, List.of());
        }

        /** Action and resource match, whatever the conditions say. */
        boolean matches(String action, String resource) {
            return actions.stream().anyMatch(a -> glob(a, action, true))
                    && resources.stream().anyMatch(r -> glob(r, resource, false));
        }

        /** Applies to this request: action, resource and every condition. */
        boolean applies(AwsCallRecorder.Call call) {
            return matches(call.action(), call.resource())
                    && conditions.stream().allMatch(c -> c.holds(call.context()));
        }
    }

    private final List<Statement> statements;

    private IamPolicy(List<Statement> statements) {
        this.statements = List.copyOf(statements);
    }

    static IamPolicy of(String function, Object policies) {
        List<Statement> statements = new ArrayList<>();
        for (Object policy : list(policies, function + ".Policies")) {
            if (!(policy instanceof Map<?, ?> document) || !document.containsKey("Statement")) {
                throw new AssertionError(function + ": every policy must be an inline document with a Statement"
                        + " list (no managed policies or SAM policy templates), so its actions can be checked; got "
                        + policy);
            }
            for (Object s : list(document.get("Statement"), function + " Statement")) {
                Map<String, Object> statement = map(s, function + " statement");
                for (String key : statement.keySet()) {
                    if (!UNDERSTOOD.contains(key)) {
                        throw new AssertionError(function + ": the template check cannot judge a statement with "
                                + key + ": " + statement);
                    }
                }
                statements.add(new Statement("Allow".equals(statement.get("Effect")),
                        strings(statement.get("Action")), strings(statement.get("Resource")),
                        conditions(function, statement.get("Condition"))));
            }
        }
        return new IamPolicy(statements);
    }

    List<Statement> statements() {
        return statements;
    }

    /**
     * Whether the policy allows this action on this resource for a request that carries no
     * condition context: a statement with conditions never allows it (see the class comment).
     */
    boolean allows(String action, String resource) {
        return allows(new AwsCallRecorder.Call("(no request)", action, resource));
    }

    /** Whether the policy allows this request, conditions included. */
    boolean allows(AwsCallRecorder.Call call) {
        boolean allowed = false;
        for (Statement s : statements) {
            if (s.applies(call)) {
                if (!s.allow()) {
                    return false;
                }
                allowed = true;
            }
        }
        return allowed;
    }

    /** IAM's wildcard match: {@code *} any run of characters, {@code ?} any one. */
    static boolean glob(String pattern, String value, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0).matcher(value).matches();
    }

    static boolean hasWildcard(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
    }

    static String service(String action) {
        return action.substring(0, action.indexOf(':')).toLowerCase(Locale.ROOT);
    }

    private static List<Condition> conditions(String function, Object block) {
        if (block == null) {
            return List.of();
        }
        List<Condition> out = new ArrayList<>();
        for (Map.Entry<String, Object> operator : map(block, function + " Condition").entrySet()) {
            String op = operator.getKey();
            if (!Set.of("ForAllValues:StringEquals", "ForAllValues:StringLike", "StringEquals", "StringLike",
                    "StringEqualsIfExists", "StringLikeIfExists").contains(op)) {
                throw new AssertionError(function + ": the template check cannot judge the condition operator " + op);
            }
            for (Map.Entry<String, Object> key : map(operator.getValue(), function + " " + op).entrySet()) {
                if (!CONDITION_KEYS.contains(key.getKey())) {
                    throw new AssertionError(function + ": the template check cannot judge the condition key "
                            + key.getKey() + " (it knows " + CONDITION_KEYS + ")");
                }
                Object v = key.getValue();
                out.add(new Condition(op, key.getKey(), v instanceof String one ? List.of(one) : strings(v)));
            }
        }
        return out;
    }

    private static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        for (Object v : list(value, "Action/Resource")) {
            if (!(v instanceof String s)) {
                throw new AssertionError("an Action or Resource must evaluate to a string, got " + v);
            }
            out.add(s);
        }
        return out;
    }
}
