package dev.gracekeys.testkit;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A running moto server ({@code moto_server -H 127.0.0.1 -p PORT}): an in-memory emulator of the
 * AWS APIs the functions call (Secrets Manager, EventBridge, S3, SQS to watch a bus), on a free
 * loopback port, for tests that need the real SDK against a real service rather than a fake.
 * Every account and region is its own state; the clients built here use moto's default account
 * ({@value #ACCOUNT}), {@code us-east-1} and dummy keys (moto accepts any).
 *
 * <p>Tests get one from {@link MotoServerExtension}; {@link #start(Map)} finds and starts moto:
 * <ol>
 *   <li>{@code MOTO_SERVER}, when set: the command that starts it, e.g.
 *       {@code /root/.pyenv/shims/moto_server} or {@code /usr/bin/python3 -m moto.server} (words
 *       separated by spaces). Set means "moto is here": if it does not start, that is an error.</li>
 *   <li>else {@code moto_server} on the {@code PATH}, then {@code ~/.pyenv/shims/moto_server},
 *       then {@code python3 -m moto.server}: the first that answers. None: {@link Unavailable}.</li>
 * </ol>
 */
public final class MotoServer implements AutoCloseable {

    public static final String ENV = "MOTO_SERVER";
    /** The account moto puts every resource in unless told otherwise. */
    public static final String ACCOUNT = "123456789012";
    public static final Region REGION = Region.US_EAST_1;
    /** moto imports every service's backend before it answers: seconds, more on a busy machine. */
    static final Duration STARTUP = Duration.ofSeconds(90);

    /** moto is not installed (or none of the commands tried starts it): the tests are skipped. */
    public static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    private final Process process;
    private final URI endpoint;
    private final String command;
    private final Path log;

    private MotoServer(Process process, URI endpoint, String command, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.command = command;
        this.log = log;
    }

    /** Where it answers: {@code http://127.0.0.1:PORT}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The command that started it (for a test's log). */
    public String command() {
        return command;
    }

    /** Its console output: one line per request it served. */
    public Path log() {
        return log;
    }

    /** An SDK client builder pointed at this server: region, dummy credentials, the URLConnection client. */
    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder) {
        return builder.endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("moto", "moto")))
                .httpClient(UrlConnectionHttpClient.create());
    }

    /** Stops the server (and anything it started) and waits for it. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Finds moto as the class comment says and starts it on a free loopback port.
     *
     * @param environment where {@code MOTO_SERVER}, {@code PATH} and {@code HOME} are read (the
     *                    process environment)
     * @throws Unavailable when moto is not found, so the caller skips
     * @throws IllegalStateException when {@code MOTO_SERVER} is set but does not start a server
     */
    public static MotoServer start(Map<String, String> environment) throws Unavailable {
        String explicit = environment.get(ENV);
        if (explicit != null && !explicit.isBlank()) {
            List<String> command = Arrays.asList(explicit.trim().split("\\s+"));
            try {
                return launch(command, environment);
            } catch (Unavailable e) {
                throw new IllegalStateException(ENV + "=" + explicit + " did not start moto's server: " + e.getMessage());
            }
        }
        List<String> reasons = new ArrayList<>();
        for (List<String> command : candidates(environment)) {
            try {
                return launch(command, environment);
            } catch (Unavailable e) {
                reasons.add(String.join(" ", command) + ": " + e.getMessage());
            }
        }
        throw new Unavailable("moto is not installed here (pip install 'moto[server]'; or set " + ENV
                + " to the command that starts moto_server). Tried: " + (reasons.isEmpty() ? "nothing found" : reasons));
    }

    /** moto_server on the PATH, pyenv's shim, then python3 -m moto.server; each once. */
    static List<List<String>> candidates(Map<String, String> environment) {
        Set<List<String>> out = new LinkedHashSet<>();
        Path onPath = onPath("moto_server", environment.get("PATH"));
        if (onPath != null) {
            out.add(List.of(onPath.toString()));
        }
        String home = environment.getOrDefault("HOME", System.getProperty("user.home"));
        Path shim = Path.of(home, ".pyenv", "shims", "moto_server");
        if (Files.isExecutable(shim)) {
            out.add(List.of(shim.toString()));
        }
        Path python = onPath("python3", environment.get("PATH"));
        Path pyenvPython = Path.of(home, ".pyenv", "shims", "python3");
        for (Path p : new Path[] {python, Files.isExecutable(pyenvPython) ? pyenvPython : null}) {
            if (p != null) {
                out.add(List.of(p.toString(), "-m", "moto.server"));
            }
        }
        return List.copyOf(out);
    }

    private static Path onPath(String program, String path) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, program);
                if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static MotoServer launch(List<String> command, Map<String, String> environment) throws Unavailable {
        if (!Files.isExecutable(Path.of(command.get(0)))) {
            Path found = onPath(command.get(0), environment.get("PATH"));
            if (found == null) {
                throw new Unavailable(command.get(0) + " is not an executable file");
            }
        }
        int port = freePort();
        List<String> full = new ArrayList<>(command);
        full.addAll(List.of("-H", "127.0.0.1", "-p", String.valueOf(port)));
        Path log;
        Process process;
        try {
            Path dir = Files.isDirectory(Path.of("target")) ? Path.of("target") : Path.of(System.getProperty("java.io.tmpdir"));
            log = Files.createTempFile(dir, "moto-server-", ".log");
            process = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new Unavailable("could not be started (" + e.getMessage() + ")");
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new Unavailable("exited with status " + process.exitValue() + ": " + tail(log));
            }
            if (answers(endpoint)) {
                return new MotoServer(process, endpoint, String.join(" ", full), log);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        new MotoServer(process, endpoint, "", log).close();
        throw new Unavailable("did not answer on " + endpoint + "/moto-api/ within " + STARTUP.toSeconds() + " s: " + tail(log));
    }

    /** moto's dashboard answers once every backend is loaded. */
    private static boolean answers(URI endpoint) {
        try {
            HttpURLConnection c = (HttpURLConnection) endpoint.resolve("/moto-api/").toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(5000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        return Loopback.freePort();
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "(no output)" : text.substring(Math.max(0, text.length() - 600));
        } catch (IOException e) {
            return "(no output)";
        }
    }
}
