package dev.gracekeys.reliability;

import dev.gracekeys.core.token.TokenFormat;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds secrets in text: each registered secret, whole or any run of {@code window} characters of
 * it, and any string that is a complete, checksummed token (found by its shape and checksum, like
 * GitHub's secret scanning, so a token the test never saw is caught too). Findings name the secret's
 * label and where it was found, never the secret.
 */
final class LeakScanner {

    /** Window size -> window -> label of the secret it comes from. */
    private final Map<Integer, Map<String, String>> windows = new TreeMap<>();
    private final Map<String, Integer> perKind = new TreeMap<>();
    private final TokenFormat format;
    private final Pattern tokenShape;

    LeakScanner(TokenFormat format) {
        this.format = format;
        this.tokenShape = Pattern.compile(Pattern.quote(format.prefix()) + "[0-9A-Za-z]{"
                + (TokenFormat.RANDOM_CHARS + TokenFormat.CHECKSUM_CHARS) + "}");
    }

    /**
     * @param kind   what it is (a token, its random part, a hash, a legacy key, the pepper...)
     * @param window the shortest run of it that counts as a leak (the whole of it if shorter)
     */
    void add(String kind, String secret, int window) {
        int w = Math.min(window, secret.length());
        Map<String, String> bySize = windows.computeIfAbsent(w, k -> new HashMap<>());
        String label = kind + " #" + perKind.merge(kind, 1, Integer::sum);
        for (int i = 0; i + w <= secret.length(); i++) {
            bySize.putIfAbsent(secret.substring(i, i + w), label);
        }
    }

    /** How many secrets of each kind are watched. */
    Map<String, Integer> watched() {
        return Map.copyOf(perKind);
    }

    /** Every secret (or run of one) and every checksummed token in {@code text}, by label. */
    List<String> scan(String where, String text) {
        Set<String> found = new LinkedHashSet<>();
        for (Map.Entry<Integer, Map<String, String>> size : windows.entrySet()) {
            int w = size.getKey();
            Map<String, String> bySize = size.getValue();
            for (int i = 0; i + w <= text.length(); i++) {
                String label = bySize.get(text.substring(i, i + w));
                if (label != null) {
                    found.add(label + " in " + where + " at char " + i);
                    i += w - 1; // one finding per run
                }
            }
        }
        Matcher m = tokenShape.matcher(text);
        while (m.find()) {
            if (format.classify(m.group()) == TokenFormat.Kind.GRACEKEYS) {
                found.add("a checksummed token (" + format.tokenIdOf(m.group()) + "...) in " + where + " at char "
                        + m.start());
            }
        }
        return new ArrayList<>(found);
    }

    // ---------------------------------------------------------------- capture

    /**
     * Redirects System.out and System.err (logback's console appender, like slf4j-simple, writes to
     * the current System.out/err at each line) into memory until closed, and lowers the level of the
     * {@code dev.gracekeys} loggers to DEBUG meanwhile, so the debug-only lines (the authorizer's
     * deny reasons) are captured too.
     */
    static final class Capture implements AutoCloseable {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final PrintStream out;
        private final PrintStream err;
        private final Map<Object, Integer> levels = new LinkedHashMap<>();
        private final String previousProperty;
        private static final String PROPERTY = "org.slf4j.simpleLogger.log.dev.gracekeys";
        private static final int DEBUG = 10;
        private static final int INFO = 20;
        final boolean debug;
        private ch.qos.logback.classic.Level logbackWas;
        private ch.qos.logback.classic.Logger logback;

        Capture() {
            out = System.out;
            err = System.err;
            previousProperty = System.getProperty(PROPERTY);
            System.setProperty(PROPERTY, "debug"); // loggers created from now on
            if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context) {
                // logback (the functions' binding): one level for the whole dev.gracekeys tree
                logback = context.getLogger("dev.gracekeys");
                logbackWas = logback.getLevel();
                logback.setLevel(ch.qos.logback.classic.Level.DEBUG);
                debug = true;
            } else {
                // slf4j-simple: the property for loggers created from now on, reflection for the others
                debug = isSimple() && setLevels(DEBUG);
            }
            PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8);
            System.setOut(capture);
            System.setErr(capture);
        }

        String text() {
            System.out.flush();
            System.err.flush();
            return bytes.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            System.setOut(out);
            System.setErr(err);
            if (previousProperty == null) {
                System.clearProperty(PROPERTY);
            } else {
                System.setProperty(PROPERTY, previousProperty);
            }
            if (logback != null) {
                logback.setLevel(logbackWas);
            }
            // Back to what each logger had; loggers created during the capture go to INFO.
            for (Logger l : gracekeysLoggers()) {
                setLevel(l, levels.getOrDefault(l, INFO));
            }
        }

        private boolean setLevels(int level) {
            List<Logger> loggers = gracekeysLoggers();
            boolean all = true;
            for (Logger l : loggers) {
                Integer was = level(l);
                if (was == null) {
                    all = false;
                    continue;
                }
                levels.put(l, was);
                all &= setLevel(l, level);
            }
            return all;
        }

        private static boolean isSimple() {
            return LoggerFactory.getILoggerFactory().getClass().getName().startsWith("org.slf4j.simple.");
        }

        /** The slf4j-simple loggers named dev.gracekeys.*, by reflection (empty if another binding). */
        @SuppressWarnings("unchecked")
        private static List<Logger> gracekeysLoggers() {
            List<Logger> result = new ArrayList<>();
            ILoggerFactory factory = LoggerFactory.getILoggerFactory();
            try {
                Field f = factory.getClass().getDeclaredField("loggerMap");
                f.setAccessible(true);
                for (Map.Entry<String, Logger> e : ((Map<String, Logger>) f.get(factory)).entrySet()) {
                    if (e.getKey().startsWith("dev.gracekeys")) {
                        result.add(e.getValue());
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not slf4j-simple: levels stay as configured
            }
            return result;
        }

        private static Integer level(Logger l) {
            try {
                Field f = levelField(l.getClass());
                return f == null ? null : f.getInt(l);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        private static boolean setLevel(Logger l, int level) {
            try {
                Field f = levelField(l.getClass());
                if (f == null) {
                    return false;
                }
                f.setInt(l, level);
                return true;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return false;
            }
        }

        private static Field levelField(Class<?> c) {
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                try {
                    Field f = k.getDeclaredField("currentLogLevel");
                    f.setAccessible(true);
                    return f;
                } catch (NoSuchFieldException e) {
                    // up
                }
            }
            return null;
        }
    }
}
