package dev.gracekeys.reliability;

import dev.gracekeys.local.LocalOptions;
import dev.gracekeys.local.LocalSystem;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The soak: a longer {@code LoadPushersIT}. Starts the local stack (DynamoDB Local in memory, free
 * loopback ports, clock control on), runs {@link LoadRun} paced by time, prints
 * {@code metric: value unit} lines, and exits 1 if any push was falsely denied or allowed, answered
 * from the wrong slot, or failed. Bounded in time ({@code --minutes}) and count ({@code --max-pushes}).
 * Run it with {@code infra/reliability/soak}.
 */
public final class SoakMain {

    static final String USAGE = """
            usage: infra/reliability/soak [options]

            A longer LoadPushersIT: the local stack on free 127.0.0.1 ports (DynamoDB Local in memory),
            a fleet of pushers POSTing /push through the real authorizer, each with the token that was
            current when it started, while ops rotate the client, move the stack's clock past grace
            windows, revoke-old, and rotate with grace 0. Every push is judged against the ground truth;
            prints "metric: value unit" lines; exits 1 on any false denial, false allow, wrong slot or
            error.

            options:
              --minutes N               how long (default 5, 1..600)
              --pushers N               pushers at once (default 9, 3..300; rounded up to a multiple of 3)
              --rotations-per-minute N  (default 6, 1..60)
              --max-pushes N            stop after this many pushes (default 5000000)
              -h, --help                this text
            """;

    private SoakMain() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = 5;
        int pushers = 9;
        int perMinute = 6;
        long maxPushes = 5_000_000;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "-h", "--help" -> {
                        System.out.print(USAGE);
                        return;
                    }
                    case "--minutes" -> minutes = number(args, ++i, 1, 600);
                    case "--pushers" -> pushers = number(args, ++i, 3, 300);
                    case "--rotations-per-minute" -> perMinute = number(args, ++i, 1, 60);
                    case "--max-pushes" -> maxPushes = number(args, ++i, 1, Integer.MAX_VALUE);
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage());
            System.exit(2);
        }
        LoadPlan plan = LoadPlan.soak(minutes, pushers, perMinute, maxPushes);
        Path dataDir = Files.createTempDirectory("gracekeys-soak");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        LoadReport report;
        System.out.println("soak: started " + Instant.now() + ", " + minutes + " min, " + plan.pushersAtOnce()
                + " pushers at once, " + perMinute + " rotations/min, at most " + plan.rotations() + " rotations and "
                + maxPushes + " pushes; java " + System.getProperty("java.version") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores");
        try (LocalSystem stack = LocalSystem.start(new LocalOptions(dataDir, true, 0, 0, 0, 0, true), Map.of(), quiet)) {
            report = new LoadRun(stack.httpEndpoint(), stack.lambdaEndpoint(), plan, System.out).run();
        } finally {
            deleteQuietly(dataDir);
        }
        report.lines().forEach(System.out::println);
        report.samples().forEach(s -> System.out.println("wrong: " + s));
        System.out.println("result: " + (report.clean() ? "PASS" : "FAIL"));
        System.exit(report.clean() ? 0 : 1);
    }

    static int number(String[] args, int i, int min, int max) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        try {
            int n = Integer.parseInt(args[i]);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(args[i - 1] + " takes a whole number " + min + ".." + max + ", got '" + args[i] + "'");
    }

    static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind
        }
    }
}
