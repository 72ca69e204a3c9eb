package dev.gracekeys.lambda;

import dev.gracekeys.core.ValidationException;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JSON object as the Lambda runtime hands it over (maps, lists, strings, numbers, booleans), read
 * field by field with a named {@link ValidationException} for a missing object, an unknown field (a
 * typo such as {@code gracSeconds} must not silently rotate with the default) or a wrong type.
 * Values are never echoed in messages: a field may hold a key.
 */
public final class Payload {

    private final Map<?, ?> fields;

    private Payload(Map<?, ?> fields) {
        this.fields = fields;
    }

    /**
     * @param input   what the runtime passed (a Map for a JSON object; null for {@code null})
     * @param allowed the field names this function accepts
     */
    public static Payload of(Object input, String... allowed) {
        if (input == null) {
            input = Map.of();
        }
        if (!(input instanceof Map<?, ?> map)) {
            throw new ValidationException("the payload must be a JSON object like {\"clientId\":\"GRACE01\"}");
        }
        Set<String> accepted = Set.of(allowed);
        Set<String> unknown = new TreeSet<>();
        for (Object key : map.keySet()) {
            if (!(key instanceof String k) || !accepted.contains(k)) {
                unknown.add(printable(String.valueOf(key)));
            }
        }
        if (!unknown.isEmpty()) {
            throw new ValidationException("unknown field(s) " + unknown + ": this function accepts "
                    + new TreeSet<>(accepted));
        }
        return new Payload(map);
    }

    /** A payload that tolerates fields it does not read (e.g. an EventBridge event). */
    public static Payload lenient(Object input) {
        return new Payload(input instanceof Map<?, ?> map ? map : Map.of());
    }

    public boolean has(String name) {
        return fields.get(name) != null;
    }

    public String string(String name) {
        Object v = fields.get(name);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw wrongType(name, "a string");
    }

    public Long wholeNumber(String name) {
        Object v = fields.get(name);
        if (v == null) {
            return null;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) < 1e15) {
            return n.longValue(); // 60.0 is 60
        }
        throw wrongType(name, "a whole number");
    }

    public Integer smallNumber(String name) {
        Long v = wholeNumber(name);
        if (v == null) {
            return null;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ValidationException(name + " is out of range");
        }
        return v.intValue();
    }

    public Boolean bool(String name) {
        Object v = fields.get(name);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw wrongType(name, "true or false");
    }

    public Payload object(String name, String... allowed) {
        Object v = fields.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map)) {
            throw wrongType(name, "a JSON object");
        }
        try {
            return of(v, allowed);
        } catch (ValidationException e) {
            throw new ValidationException(name + ": " + e.getMessage());
        }
    }

    public List<?> list(String name) {
        Object v = fields.get(name);
        if (v == null || v instanceof List) {
            return (List<?>) v;
        }
        throw wrongType(name, "a JSON array");
    }

    private static ValidationException wrongType(String name, String expected) {
        return new ValidationException(name + " must be " + expected);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 40; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString();
    }
}
