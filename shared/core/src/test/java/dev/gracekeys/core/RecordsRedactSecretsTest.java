package dev.gracekeys.core;

import dev.gracekeys.core.token.TokenKey;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, defect 11: no record of the core prints a secret through its {@code toString} (the
 * default one of a record prints every component). Every record class the core compiles is built
 * with a marker in each component that may hold a token, a key, a hash or a pepper (by name, and
 * every {@link TokenKey}), and its {@code toString} must not show the marker. A record added later
 * with such a component and the default {@code toString} fails here.
 */
class RecordsRedactSecretsTest {

    /** Component names that may hold a raw token, a legacy key, a hash or a pepper. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i)token|value|key|sha256|pepper|secret|hash|raw\\w*|\\w*(Key|Token|Secret|Hash)");
    private static final String MARKER = "SECRETMARKER0123456789";

    @Test
    void noRecord_printsATokenKeyOrHash() throws Exception {
        List<String> leaking = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        for (Class<?> type : coreRecords()) {
            RecordComponent[] components = type.getRecordComponents();
            if (Stream.of(components).noneMatch(RecordsRedactSecretsTest::mayHoldSecret)) {
                continue;
            }
            Object[] args = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                args[i] = sample(components[i]);
            }
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            canonical.setAccessible(true);
            Object instance;
            try {
                instance = canonical.newInstance(args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw new AssertionError(type.getName() + " could not be built with sample values: "
                        + e.getCause(), e.getCause());
            }
            checked.add(type.getSimpleName());
            if (instance.toString().contains(MARKER)) {
                leaking.add(type.getName() + ": " + instance);
            }
        }
        assertEquals(List.of(), leaking, "records whose toString shows a secret component");
        // The check found the records it is about (so a broken scan cannot pass for a clean one).
        assertTrue(checked.containsAll(Set.of("IssuedToken", "RotateResult", "ImportRecord")), checked.toString());
    }

    private static boolean mayHoldSecret(RecordComponent c) {
        return c.getType() == TokenKey.class
                || (c.getType() == String.class && SECRET_NAME.matcher(c.getName()).matches()
                && !c.getName().equals("tokenId"));
    }

    private static Object sample(RecordComponent c) {
        Class<?> t = c.getType();
        if (t == String.class) {
            return mayHoldSecret(c) ? MARKER : "GRACE01";
        }
        if (t == TokenKey.class) {
            return TokenKey.of(MARKER);
        }
        if (t == boolean.class) {
            return false;
        }
        // One by one: a conditional expression would promote them all to one numeric type.
        if (t == int.class) {
            return Integer.valueOf(0);
        }
        if (t == long.class) {
            return Long.valueOf(0);
        }
        if (t == short.class) {
            return Short.valueOf((short) 0);
        }
        if (t == byte.class) {
            return Byte.valueOf((byte) 0);
        }
        if (t == double.class) {
            return Double.valueOf(0);
        }
        if (t == float.class) {
            return Float.valueOf(0);
        }
        if (t == char.class) {
            return 'x';
        }
        if (t == Instant.class) {
            return Instant.EPOCH;
        }
        if (t == Duration.class) {
            return Duration.ZERO;
        }
        if (t == Map.class) {
            return Map.of("token", MARKER);
        }
        if (t == List.class) {
            return List.of();
        }
        if (t == Set.class) {
            return Set.of();
        }
        return null;
    }

    /** Every record class in the core's compiled classes. */
    private static List<Class<?>> coreRecords() throws IOException, URISyntaxException {
        Path root = Path.of(GraceKeys.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> records = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = root.relativize(p).toString().replace('/', '.').replace('\\', '.');
                name = name.substring(0, name.length() - ".class".length());
                try {
                    Class<?> type = Class.forName(name, false, RecordsRedactSecretsTest.class.getClassLoader());
                    if (type.isRecord()) {
                        records.add(type);
                    }
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new UncheckedIOException(new IOException("cannot load " + name, e));
                }
            }
        }
        assertTrue(records.size() > 10, "found the core's records: " + records);
        return records;
    }
}
