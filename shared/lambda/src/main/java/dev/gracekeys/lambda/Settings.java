package dev.gracekeys.lambda;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Where settings come from: the process environment on Lambda. Tests and the local stack register
 * their own {@code Settings} bean instead, so nothing reads {@code System.getenv} behind their back.
 */
public final class Settings {

    private final Function<String, String> lookup;
    private final boolean processEnvironment;
    private final Set<String> requested = ConcurrentHashMap.newKeySet();

    private Settings(Function<String, String> lookup, boolean processEnvironment) {
        this.lookup = lookup;
        this.processEnvironment = processEnvironment;
    }

    /** Whether these are the process environment's settings (as on Lambda), not a test's or the local stack's. */
    public boolean isProcessEnvironment() {
        return processEnvironment;
    }

    /** Every name the code has asked for so far (the template contract test compares it). */
    public Set<String> requested() {
        return Set.copyOf(requested);
    }

    public static Settings fromEnvironment() {
        return new Settings(System::getenv, true);
    }

    public static Settings of(Map<String, String> values) {
        Map<String, String> copy = Map.copyOf(values);
        return new Settings(copy::get, false);
    }

    /** The value, or {@code null} when unset or blank. */
    public String get(String name) {
        requested.add(name);
        String v = lookup.apply(Objects.requireNonNull(name));
        return v == null || v.isBlank() ? null : v.trim();
    }

    public String getOrDefault(String name, String fallback) {
        String v = get(name);
        return v == null ? fallback : v;
    }

    public int intOrDefault(String name, int fallback, int min, int max) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number " + min + ".." + max + ", got '" + v + "'");
        }
    }

    /** A view for {@code GraceKeysConfig.fromEnv}. */
    public Map<String, String> asMap(String... names) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String n : names) {
            String v = get(n);
            if (v != null) {
                m.put(n, v);
            }
        }
        return m;
    }
}
