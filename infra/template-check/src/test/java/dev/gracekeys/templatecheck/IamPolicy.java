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
 * explicit Deny winning over any Allow. Only Effect, Action and Resource are understood: a
 * Condition, NotAction or NotResource, a managed policy or a SAM policy template fails the check,
 * because the test could not tell what it grants.
 */
final class IamPolicy {

    private static final Set<String> UNDERSTOOD = Set.of("Sid", "Effect", "Action", "Resource");

    record Statement(boolean allow, List<String> actions, List<String> resources) {

        boolean matches(String action, String resource) {
            return actions.stream().anyMatch(a -> glob(a, action, true))
                    && resources.stream().anyMatch(r -> glob(r, resource, false));
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
                        strings(statement.get("Action")), strings(statement.get("Resource"))));
            }
        }
        return new IamPolicy(statements);
    }

    List<Statement> statements() {
        return statements;
    }

    boolean allows(String action, String resource) {
        boolean allowed = false;
        for (Statement s : statements) {
            if (s.matches(action, resource)) {
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
