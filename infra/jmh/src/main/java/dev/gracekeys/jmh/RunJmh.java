package dev.gracekeys.jmh;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs {@link VerifyBenchmark} and prints one {@code metric: value unit} line per benchmark on
 * stdout, and nothing else there, so a script can parse it; JMH's own progress goes to stderr.
 *
 * <p>Run it on the module's runtime classpath: the forked benchmark JVMs inherit this JVM's
 * {@code java.class.path}, so {@code java -cp <classes:deps> dev.gracekeys.jmh.RunJmh} is enough.
 */
public final class RunJmh {

    static final String USAGE = """
            usage: java -cp <infra/jmh/target/classes:runtime deps> dev.gracekeys.jmh.RunJmh [options]

            Micro-benchmarks the verify CPU path (the real Verifier over an in-memory store) and
            its floor, one HMAC-SHA256. Prints "metric: value us/op" lines on stdout; JMH's
            progress goes to stderr.

            Options:
              --forks N       forked JVMs per benchmark (default 1; 0 runs in this JVM)
              --warmup N      warm-up iterations (default 3)
              --iterations N  measured iterations (default 5)
              --time-ms N     length of each iteration in milliseconds (default 1000)
              -h, --help      this text
            """;

    /** Benchmark method to metric name, in the order the lines are printed. */
    private static final Map<String, String> METRICS = new LinkedHashMap<>();

    static {
        METRICS.put("current", "verify.cpu.current");
        METRICS.put("currentWithEmf", "verify.cpu.current_with_emf");
        METRICS.put("previous", "verify.cpu.previous");
        METRICS.put("unknown", "verify.cpu.unknown");
        METRICS.put("malformed", "verify.cpu.malformed");
        METRICS.put("hmacFloor", "verify.cpu.hmac_floor");
    }

    private static final String UNIT = "us/op";

    private RunJmh() {
    }

    /** The run's settings, from the command line. */
    record Settings(int forks, int warmup, int iterations, int timeMs, boolean help) {

        static Settings parse(String... args) {
            int forks = 1;
            int warmup = 3;
            int iterations = 5;
            int timeMs = 1000;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("-h") || option.equals("--help")) {
                    return new Settings(forks, warmup, iterations, timeMs, true);
                }
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("unknown option or missing value: " + option);
                }
                String value = args[++i];
                switch (option) {
                    case "--forks" -> forks = number(option, value, 0);
                    case "--warmup" -> warmup = number(option, value, 0);
                    case "--iterations" -> iterations = number(option, value, 1);
                    case "--time-ms" -> timeMs = number(option, value, 1);
                    default -> throw new IllegalArgumentException("unknown option: " + option);
                }
            }
            return new Settings(forks, warmup, iterations, timeMs, false);
        }

        private static int number(String option, String value, int min) {
            int n;
            try {
                n = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes a whole number, got '" + value + "'");
            }
            if (n < min) {
                throw new IllegalArgumentException(option + " must be at least " + min + ", got " + n);
            }
            return n;
        }
    }

    public static void main(String[] args) throws RunnerException {
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (settings.help()) {
            System.out.print(USAGE);
            return;
        }
        for (String line : figures(run(settings))) {
            System.out.println(line);
        }
    }

    private static Collection<RunResult> run(Settings s) throws RunnerException {
        TimeValue iteration = TimeValue.milliseconds(s.timeMs());
        Options options = new OptionsBuilder()
                .include("^" + Pattern.quote(VerifyBenchmark.class.getName() + "."))
                .forks(s.forks())
                .warmupIterations(s.warmup())
                .warmupTime(iteration)
                .measurementIterations(s.iterations())
                .measurementTime(iteration)
                .shouldFailOnError(true) // a benchmark that throws fails the run, never drops a line
                .build();
        return new Runner(options, OutputFormatFactory.createFormatInstance(System.err, VerboseMode.NORMAL)).run();
    }

    /** The figure lines, in {@link #METRICS} order; fails if a benchmark has no result or another unit. */
    static Iterable<String> figures(Collection<RunResult> results) {
        Map<String, String> lines = new LinkedHashMap<>();
        METRICS.values().forEach(metric -> lines.put(metric, null));
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String metric = METRICS.get(label.substring(label.lastIndexOf('.') + 1));
            Result<?> score = r.getPrimaryResult();
            if (metric == null || !UNIT.equals(score.getScoreUnit())) {
                throw new IllegalStateException("unexpected result: " + label + " in " + score.getScoreUnit());
            }
            lines.put(metric, String.format(Locale.ROOT, "%s: %.2f %s", metric, score.getScore(), UNIT));
        }
        lines.forEach((metric, line) -> {
            if (line == null) {
                throw new IllegalStateException("no result for " + metric);
            }
        });
        return lines.values();
    }
}
