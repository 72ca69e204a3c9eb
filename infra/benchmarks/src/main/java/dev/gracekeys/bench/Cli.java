package dev.gracekeys.bench;

import dev.gracekeys.lambda.logging.JsonLogConfigurator;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What every in-process harness shares on its command line: {@code --name value} options with
 * defaults, {@code --help}, figure lines ({@code metric: value unit}) alone on stdout, everything
 * else on stderr, and an exit that does not wait for DynamoDB Local's non-daemon threads.
 */
final class Cli {

    /** A harness's measuring run: reads its options, returns its figure lines. */
    @FunctionalInterface
    interface Body {
        List<String> run(Options options) throws Exception;
    }

    /** Parsed options, each with its default. */
    static final class Options {
        private final Map<String, String> values;

        private Options(Map<String, String> values) {
            this.values = values;
        }

        int integer(String name) {
            return Integer.parseInt(values.get(name));
        }

        double decimal(String name) {
            return Double.parseDouble(values.get(name));
        }
    }

    private Cli() {
    }

    /**
     * Runs a harness: parses {@code args} against {@code defaults} (option name without dashes to
     * default value), prints {@code usage} on {@code --help}, sends everything but the figures to
     * stderr, prints the figures on stdout, and exits (0, or 1 on failure, 2 on a bad argument).
     */
    static void main(String[] args, String usage, Map<String, String> defaults, Body body) {
        // Before any logger exists: only warnings and errors (logback, configured by the functions'
        // JsonLogConfigurator), and those on stderr (System.out is stderr below, before any line).
        if (System.getProperty(JsonLogConfigurator.LEVEL_PROPERTY) == null) {
            System.setProperty(JsonLogConfigurator.LEVEL_PROPERTY, "WARN");
        }
        PrintStream figures = System.out;
        Map<String, String> values = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                figures.println(usage);
                figures.flush();
                System.exit(0);
            }
            String name = a.startsWith("--") ? a.substring(2) : null;
            if (name == null || !defaults.containsKey(name) || i + 1 >= args.length) {
                System.err.println("unknown or incomplete argument " + a + " (try --help)");
                System.exit(2);
            }
            String value = args[++i];
            try {
                Double.parseDouble(value);
            } catch (NumberFormatException e) {
                System.err.println("--" + name + " takes a number, got '" + value + "'");
                System.exit(2);
            }
            values.put(name, value);
        }
        // DynamoDB Local, Micronaut and the SDK may print to stdout: only figures go there.
        System.setOut(System.err);
        int status = 0;
        try {
            for (String line : body.run(new Options(values))) {
                figures.println(line);
            }
        } catch (Throwable e) {
            System.err.println("the harness failed: " + e);
            for (Throwable c = e; c != null; c = c.getCause()) {
                for (StackTraceElement s : c.getStackTrace()) {
                    System.err.println("    at " + s);
                }
                if (c.getCause() != null) {
                    System.err.println("caused by: " + c.getCause());
                }
            }
            status = 1;
        }
        figures.flush();
        System.err.flush();
        System.exit(status); // DynamoDB Local leaves non-daemon threads behind
    }

    /** {@code metric: value unit}. */
    static String figure(String metric, Object value, String unit) {
        return metric + ": " + value + " " + unit;
    }

    /** A decimal with fixed places, in the root locale (a dot, never a comma). */
    static String fixed(double value, int places) {
        return String.format(Locale.ROOT, "%." + places + "f", value);
    }

    /** Progress and notes for the operator: stderr, never stdout. */
    static void progress(String format, Object... args) {
        System.err.printf(Locale.ROOT, format + "%n", args);
        System.err.flush();
    }
}
