package dev.gracekeys.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gracekeys.local.LocalOptions;
import dev.gracekeys.local.LocalSystem;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /push} throughput and latency against the local stack: the HTTP API in front of the
 * real {@code verify-authorizer} handler and DynamoDB Local, all in this JVM on free 127.0.0.1 ports
 * (DynamoDB Local in memory), with the authorizer cache off so that every push runs the authorizer
 * (one GetItem). Creates {@code --clients} clients through the rotate function and rotates half of
 * them once (grace 24 h): those push with their first token, now in the previous slot; the others
 * with their current token. So pushes are split evenly between current and previous tokens, one
 * token per client, spread over every client in turn.
 *
 * <p>The load generator is {@link PushLoad} (closed loop, {@code --concurrency} keep-alive
 * connections); {@code --wrk} runs the Debian package's {@code wrk} against the same stack instead,
 * for comparison. stdout carries only {@code metric: value unit} lines; everything else goes to
 * stderr. Exit status 1 when any push failed (not 200 from the expected slot).
 */
public final class PushBench {

    static final String USAGE = """
            usage: java -cp infra/reliability/target/classes:$cp dev.gracekeys.reliability.PushBench [options]
              with cp=$(./mvnw -B -q -pl infra/reliability dependency:build-classpath \\
                        -Dmdep.includeScope=runtime -Dmdep.outputFile=/dev/stdout)

            POST /push throughput and latency against the local stack (started in this JVM on free
            127.0.0.1 ports, DynamoDB Local in memory, authorizer cache off: every push runs the
            verify-authorizer handler). Half of the clients are rotated once (grace 24 h) and push
            with their previous token, the other half with their current token.

            stdout: "metric: value unit" lines only: push.requests, push.throughput,
            push.latency.{p50,p90,p99,max,mean}, push.errors (warm-up included), push.concurrency,
            push.duration, push.tokens.{current,previous}, push.accepted.{current,previous}.
            Exit status 1 if any push was not a 200 from the expected slot.

            options:
              --clients N       clients, one token each (default 100, 2..10000)
              --concurrency N   connections pushing back to back (default 8, 1..512)
              --warmup N        seconds of warm-up, not measured (default 5, 0..600)
              --seconds N       seconds measured (default 20, 1..3600)
              --wrk             load from wrk (the Debian package, on the PATH) instead of the
                                built-in Java generator, for comparison (no push.accepted.* lines:
                                wrk checks the status only)
              -h, --help        this text
            """;

    /** The local stack's default, stated: API Gateway's authorizer result cache off. */
    static final int NO_AUTHORIZER_CACHE = 0;
    static final long GRACE_SECONDS = 86_400;
    private static final int FLEET_THREADS = 4;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WRK_FIGURE = Pattern.compile("^wrkbench\\.(\\w+)=(\\S+)$", Pattern.MULTILINE);

    private PushBench() {
    }

    record Options(int clients, int concurrency, int warmupSeconds, int seconds, boolean wrk) {
    }

    public static void main(String[] args) throws Exception {
        // Figures only on stdout: DynamoDB Local, loggers and the stack print to System.out.
        PrintStream figures = System.out;
        System.setOut(System.err);
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("push-bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options == null) {
            figures.print(USAGE);
            figures.flush();
            System.exit(0);
            return;
        }
        PushLoad.allowKeepAliveConnections(Math.max(16, options.concurrency() * 2));
        int status;
        try {
            status = run(options, figures);
        } catch (Exception | Error e) {
            System.err.println("push-bench: failed: " + e);
            status = 1;
        }
        figures.flush();
        System.exit(status); // DynamoDB Local leaves non-daemon threads behind
    }

    private static int run(Options options, PrintStream figures) throws Exception {
        Path dataDir = Files.createTempDirectory("gracekeys-push-bench");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (LocalSystem stack = LocalSystem.start(
                new LocalOptions(dataDir, true, 0, 0, 0, NO_AUTHORIZER_CACHE, false), Map.of(), quiet)) {
            long t0 = System.nanoTime();
            List<PushLoad.PushToken> tokens = createFleet(stack.lambdaEndpoint(), options.clients());
            System.err.printf(Locale.ROOT, "push-bench: %d clients ready in %.1f s; java %s, %d cores; %s generator, "
                            + "concurrency %d, warm-up %d s, measured %d s%n", options.clients(),
                    (System.nanoTime() - t0) / 1e9, System.getProperty("java.version"),
                    Runtime.getRuntime().availableProcessors(), options.wrk() ? "wrk" : "Java", options.concurrency(),
                    options.warmupSeconds(), options.seconds());
            List<String> lines = options.wrk()
                    ? Wrk.run(stack.httpEndpoint(), tokens, options, dataDir)
                    : lines(PushLoad.run(stack.httpEndpoint(), tokens, options.concurrency(),
                    Duration.ofSeconds(options.warmupSeconds()), Duration.ofSeconds(options.seconds())), tokens);
            lines.forEach(figures::println);
            return lines.contains(line("push.errors", "0", "errors")) ? 0 : 1;
        } finally {
            SoakMain.deleteQuietly(dataDir);
        }
    }

    /** The figure lines of a run with the built-in generator; its errors, if any, to stderr. */
    static List<String> lines(PushLoad.Result r, List<PushLoad.PushToken> tokens) {
        r.errorSamples().forEach(s -> System.err.println("push-bench: error: " + s));
        if (r.warmupErrors() > 0) {
            System.err.printf("push-bench: %d of %d warm-up pushes failed%n", r.warmupErrors(), r.warmupRequests());
        }
        List<String> out = new ArrayList<>();
        out.add(line("push.requests", Long.toString(r.requests()), "requests"));
        out.add(line("push.throughput", String.format(Locale.ROOT, "%.1f", r.throughput()), "req/s"));
        out.add(line("push.latency.p50", millis(r.percentileMillis(50)), "ms"));
        out.add(line("push.latency.p90", millis(r.percentileMillis(90)), "ms"));
        out.add(line("push.latency.p99", millis(r.percentileMillis(99)), "ms"));
        out.add(line("push.latency.max", millis(r.percentileMillis(100)), "ms"));
        out.add(line("push.latency.mean", millis(r.meanMillis()), "ms"));
        out.add(line("push.errors", Long.toString(r.errors() + r.warmupErrors()), "errors"));
        out.add(line("push.concurrency", Integer.toString(r.concurrency()), "threads"));
        out.add(line("push.duration", String.format(Locale.ROOT, "%.1f", r.seconds()), "s"));
        out.add(line("push.tokens.current", Long.toString(count(tokens, PushLoad.Slot.CURRENT)), "tokens"));
        out.add(line("push.tokens.previous", Long.toString(count(tokens, PushLoad.Slot.PREVIOUS)), "tokens"));
        out.add(line("push.accepted.current", Long.toString(r.okCurrent()), "requests"));
        out.add(line("push.accepted.previous", Long.toString(r.okPrevious()), "requests"));
        return out;
    }

    static long count(List<PushLoad.PushToken> tokens, PushLoad.Slot slot) {
        return tokens.stream().filter(t -> t.slot == slot).count();
    }

    private static String line(String metric, String value, String unit) {
        return metric + ": " + value + " " + unit;
    }

    private static String millis(double ms) {
        return String.format(Locale.ROOT, "%.2f", ms);
    }

    /**
     * Creates {@code clients} clients (BENCH-00001, ...) through the rotate function and rotates the
     * first half once with a 24 h grace (a few clients at a time). Returns one token per client,
     * current and previous alternating: the rotated clients' first tokens (previous slot), the
     * others' (current slot).
     */
    static List<PushLoad.PushToken> createFleet(URI lambdaEndpoint, int clients) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        int rotated = clients / 2;
        List<Callable<PushLoad.PushToken>> calls = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String clientId = String.format(Locale.ROOT, "BENCH-%05d", i + 1);
            boolean rotate = i < rotated;
            calls.add(() -> client(http, lambdaEndpoint, clientId, rotate));
        }
        ExecutorService pool = Executors.newFixedThreadPool(FLEET_THREADS);
        List<PushLoad.PushToken> made = new ArrayList<>(clients);
        try {
            for (Future<PushLoad.PushToken> f : pool.invokeAll(calls)) {
                made.add(f.get());
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("creating the clients failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        List<PushLoad.PushToken> previous = made.subList(0, rotated);
        List<PushLoad.PushToken> current = made.subList(rotated, clients);
        List<PushLoad.PushToken> tokens = new ArrayList<>(clients);
        for (int i = 0; i < Math.max(previous.size(), current.size()); i++) {
            if (i < current.size()) {
                tokens.add(current.get(i));
            }
            if (i < previous.size()) {
                tokens.add(previous.get(i));
            }
        }
        return List.copyOf(tokens);
    }

    /** Creates one client, rotates it if asked; its first token, in the slot it is now in. */
    private static PushLoad.PushToken client(HttpClient http, URI lambdaEndpoint, String clientId, boolean rotate)
            throws IOException, InterruptedException {
        Map<String, Object> created = invoke(http, lambdaEndpoint, "rotate", Map.of("clientId", clientId, "create", true));
        String first = (String) created.get("token");
        if (!rotate) {
            return new PushLoad.PushToken(clientId, PushLoad.Slot.CURRENT, first);
        }
        Map<String, Object> r = invoke(http, lambdaEndpoint, "rotate", Map.of("clientId", clientId, "graceSeconds", GRACE_SECONDS));
        Map<?, ?> p = (Map<?, ?>) r.get("previous");
        if (p == null || !created.get("tokenId").equals(p.get("tokenId"))) {
            throw new IllegalStateException("rotate of " + clientId + " did not move its first token to the previous slot");
        }
        return new PushLoad.PushToken(clientId, PushLoad.Slot.PREVIOUS, first);
    }

    static Map<String, Object> invoke(HttpClient http, URI lambdaEndpoint, String function, Map<String, Object> payload)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        lambdaEndpoint.resolve("/2015-03-31/functions/" + function + "/invocations"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(payload))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || r.headers().firstValue("X-Amz-Function-Error").isPresent()) {
            // An error body is errorType and errorMessage, never a token.
            throw new IllegalStateException(function + " failed (" + r.statusCode() + "): " + r.body());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> body = JSON.readValue(r.body(), Map.class);
        return body;
    }

    /** Parses the arguments; {@code null} means help was asked for. */
    static Options parse(String... args) {
        int clients = 100;
        int concurrency = 8;
        int warmup = 5;
        int seconds = 20;
        boolean wrk = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--clients" -> clients = SoakMain.number(args, ++i, 2, 10_000);
                case "--concurrency" -> concurrency = SoakMain.number(args, ++i, 1, 512);
                case "--warmup" -> warmup = SoakMain.number(args, ++i, 0, 600);
                case "--seconds" -> seconds = SoakMain.number(args, ++i, 1, 3600);
                case "--wrk" -> wrk = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        return new Options(clients, concurrency, warmup, seconds, wrk);
    }

    /**
     * The same load from wrk: {@code -c concurrency} connections, a Lua script handing out the tokens
     * in turn (written owner-only into the run's temp folder, deleted with it), one warm-up run, then
     * the measured run; its {@code done} callback prints the figures, parsed here. wrk counts a status
     * above 399 as an error; it does not check the slot in the body.
     */
    private static final class Wrk {

        static List<String> run(URI http, List<PushLoad.PushToken> tokens, Options options, Path dir)
                throws IOException, InterruptedException {
            Path script = dir.resolve("push.lua");
            Files.createFile(script, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(script, script(tokens));
            int threads = Math.min(options.concurrency(), Runtime.getRuntime().availableProcessors());
            long warmupErrors = 0;
            if (options.warmupSeconds() > 0) {
                warmupErrors = Long.parseLong(figures(wrk(http, script, threads, options.concurrency(),
                        options.warmupSeconds())).get("errors"));
            }
            Map<String, String> f = figures(wrk(http, script, threads, options.concurrency(), options.seconds()));
            long requests = Long.parseLong(f.get("requests"));
            double seconds = Long.parseLong(f.get("duration_us")) / 1e6;
            List<String> lines = new ArrayList<>();
            lines.add(line("push.requests", f.get("requests"), "requests"));
            lines.add(line("push.throughput", String.format(Locale.ROOT, "%.1f", requests / seconds), "req/s"));
            for (String p : List.of("p50", "p90", "p99", "max", "mean")) {
                lines.add(line("push.latency." + p, millis(Double.parseDouble(f.get(p + "_us")) / 1000), "ms"));
            }
            lines.add(line("push.errors", Long.toString(Long.parseLong(f.get("errors")) + warmupErrors), "errors"));
            lines.add(line("push.concurrency", Integer.toString(options.concurrency()), "threads"));
            lines.add(line("push.duration", String.format(Locale.ROOT, "%.1f", seconds), "s"));
            lines.add(line("push.tokens.current", Long.toString(count(tokens, PushLoad.Slot.CURRENT)), "tokens"));
            lines.add(line("push.tokens.previous", Long.toString(count(tokens, PushLoad.Slot.PREVIOUS)), "tokens"));
            return lines;
        }

        private static Map<String, String> figures(String wrkOutput) {
            Map<String, String> f = new java.util.HashMap<>();
            for (Matcher m = WRK_FIGURE.matcher(wrkOutput); m.find(); ) {
                f.put(m.group(1), m.group(2));
            }
            if (!f.containsKey("requests") || !f.containsKey("errors")) {
                throw new IllegalStateException("wrk printed no figures");
            }
            return f;
        }

        private static String wrk(URI http, Path script, int threads, int connections, int seconds)
                throws IOException, InterruptedException {
            Process p;
            try {
                p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s",
                        "--timeout", "15s", "-s", script.toString(), http.resolve("/push").toString())
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IllegalStateException("wrk is not on the PATH (Debian: apt-get install wrk)", e);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ended = p.waitFor(seconds + 60L, TimeUnit.SECONDS);
            if (!ended || p.exitValue() != 0) {
                String why = ended ? "exit status " + p.exitValue() : "did not end";
                p.destroyForcibly();
                // Not its output: a Lua error could quote the script, and the script holds tokens.
                throw new IllegalStateException("wrk failed (" + why + ")");
            }
            // wrk's own report, for the curious; our figures come from done() below.
            out.lines().filter(l -> !l.startsWith("wrkbench.")).forEach(l -> System.err.println("wrk: " + l));
            return out;
        }

        private static String script(List<PushLoad.PushToken> tokens) {
            StringBuilder s = new StringBuilder("local tokens = {\n");
            for (PushLoad.PushToken t : tokens) {
                s.append("  \"").append(t.token()).append("\",\n"); // base62 and '_': nothing to escape
            }
            s.append("""
                    }
                    local n = 0
                    local threads = 0
                    local body = '{"reading":21.5}'
                    function setup(thread)
                      threads = threads + 1
                      thread:set("id", threads)
                    end
                    function init(args)
                      -- each thread starts at another token, so that threads do not push the same ones together
                      n = ((id - 1) * 13) % #tokens
                    end
                    function request()
                      n = n % #tokens + 1
                      return wrk.format("POST", "/push",
                        { ["Authorization"] = "Bearer " .. tokens[n], ["Content-Type"] = "application/json" }, body)
                    end
                    function done(summary, latency, requests)
                      local e = summary.errors
                      io.write(string.format("wrkbench.requests=%d\\n", summary.requests))
                      io.write(string.format("wrkbench.duration_us=%.0f\\n", summary.duration))
                      io.write(string.format("wrkbench.errors=%d\\n", e.connect + e.read + e.write + e.status + e.timeout))
                      io.write(string.format("wrkbench.p50_us=%.0f\\n", latency:percentile(50)))
                      io.write(string.format("wrkbench.p90_us=%.0f\\n", latency:percentile(90)))
                      io.write(string.format("wrkbench.p99_us=%.0f\\n", latency:percentile(99)))
                      io.write(string.format("wrkbench.max_us=%.0f\\n", latency.max))
                      io.write(string.format("wrkbench.mean_us=%.0f\\n", latency.mean))
                    end
                    """);
            return s.toString();
        }
    }
}
