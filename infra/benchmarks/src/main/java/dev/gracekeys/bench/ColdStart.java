package dev.gracekeys.bench;


import dev.gracekeys.lambda.logging.JsonLogConfigurator;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cold start, measured: a fresh JVM from launch to its first completed verify against DynamoDB
 * Local, for the real authorizer handler and for {@link PlainVerifyProbe} (no framework), alternated
 * run by run so that machine noise hits both alike. Prints one line per figure,
 * {@code metric: value unit}. A measurement, not a test: it asserts nothing about speed.
 *
 * <p>Usage: {@code ColdStart [--runs N] [--repo DIR] [--jvm-flags "..."]}.
 */
public final class ColdStart {

    /** The Lambda Java runtime's default: C1 only, which favours start-up over peak speed. */
    static final String LAMBDA_JVM_FLAGS = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1 -Xshare:auto";

    public static void main(String[] args) throws Exception {
        int runs = 7;
        Path repo = Path.of("").toAbsolutePath();
        String flags = LAMBDA_JVM_FLAGS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath();
                case "--jvm-flags" -> flags = args[++i];
                case "--help", "-h" -> {
                    System.out.println("usage: ColdStart [--runs N (default 7)] [--repo DIR] [--jvm-flags \"...\"]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (try --help)");
            }
        }
        for (String function : new java.util.TreeSet<>(FunctionProbe.HANDLERS.keySet())) {
            long bytes = Files.size(jar(repo, function));
            System.out.printf("jar.%s: %.2f MB (%,d bytes)%n", function, bytes / 1e6, bytes);
        }
        Result r = measure(repo, runs, flags);
        System.out.printf("coldstart.authorizer.median: %d ms%n", r.authorizerMedian());
        System.out.printf("coldstart.plain.median: %d ms%n", r.plainMedian());
        System.out.printf("coldstart.ratio: %.2f x%n", r.ratio());
        System.out.printf("coldstart.authorizer.runs: %s ms%n", joined(r.authorizer));
        System.out.printf("coldstart.plain.runs: %s ms%n", joined(r.plain));
        System.exit(0); // DynamoDB Local leaves non-daemon threads behind
    }

    /** Raw figures of one measurement. */
    public record Result(long jarBytes, List<Long> authorizer, List<Long> plain) {
        public long authorizerMedian() {
            return median(authorizer);
        }

        public long plainMedian() {
            return median(plain);
        }

        public double ratio() {
            return (double) authorizerMedian() / plainMedian();
        }
    }

    public static Result measure(Path repo, int runs, String jvmFlags) throws Exception {
        Path jar = jar(repo, "verify-authorizer");
        try (SeededTable table = new SeededTable()) {
            String classpath = jar + File.pathSeparator + probesLocation();
            // One throw-away launch of each warms the OS file cache, as a deployed jar would be.
            launch(classpath, jvmFlags, AuthorizerProbe.class, table.token, table.env);
            launch(classpath, jvmFlags, PlainVerifyProbe.class, table.token, table.env);
            List<Long> authorizer = new ArrayList<>();
            List<Long> plain = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                if (i % 2 == 0) {
                    authorizer.add(launch(classpath, jvmFlags, AuthorizerProbe.class, table.token, table.env));
                    plain.add(launch(classpath, jvmFlags, PlainVerifyProbe.class, table.token, table.env));
                } else {
                    plain.add(launch(classpath, jvmFlags, PlainVerifyProbe.class, table.token, table.env));
                    authorizer.add(launch(classpath, jvmFlags, AuthorizerProbe.class, table.token, table.env));
                }
            }
            return new Result(Files.size(jar), authorizer, plain);
        }
    }

    /** A function's deployable jar, as template.yaml's CodeUri names it. */
    static Path jar(Path repo, String function) {
        Path jar = repo.resolve("functions/" + function + "/target/" + function + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run ./mvnw -B package -DskipTests first");
        }
        return jar;
    }

    /** Where this module's classes are, to put the probes on a child JVM's classpath. */
    static String probesLocation() throws java.net.URISyntaxException {
        return Path.of(ColdStart.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Runs a probe in a fresh JVM and returns its output once it printed {@code marker}. */
    static String run(String classpath, Class<?> probe, Map<String, String> env, String marker, String... args)
            throws IOException, InterruptedException {
        return exec(classpath, LAMBDA_JVM_FLAGS, probe, env, marker, args).output;
    }

    /** Milliseconds from launching a fresh JVM to its "ALLOWED" line. */
    static long launch(String classpath, String jvmFlags, Class<?> probe, String token, Map<String, String> env)
            throws IOException, InterruptedException {
        return exec(classpath, jvmFlags, probe, env, "ALLOWED", token).millis;
    }

    private record Launch(long millis, String output) {
    }

    private static Launch exec(String classpath, String jvmFlags, Class<?> probe, Map<String, String> env,
                               String marker, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String f : jvmFlags.trim().split("\\s+")) {
            if (!f.isEmpty()) {
                command.add(f);
            }
        }
        command.addAll(List.of("-D" + JsonLogConfigurator.LEVEL_PROPERTY + "=WARN", "-cp", classpath, probe.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process process = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals(marker)) {
                    return new Launch((System.nanoTime() - start) / 1_000_000, seen.toString());
                }
                seen.append(line).append('\n');
            }
            throw new IllegalStateException(probe.getSimpleName() + " did not print " + marker + ":\n" + seen);
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** {@code 612,598,640}: one token, as a figure's value must be. */
    static String joined(List<Long> values) {
        return values.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
