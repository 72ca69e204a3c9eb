package dev.gracekeys.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small facts about where a test runs: a free loopback port, the repository's root. */
public final class Loopback {

    private Loopback() {
    }

    /** A port on 127.0.0.1 free just now (the OS picks it; a later bind may still race). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** The repository's root: the nearest folder at or above the working one with mvnw and template.yaml. */
    public static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isRegularFile(p.resolve("template.yaml"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (with mvnw and template.yaml) above "
                + Path.of("").toAbsolutePath());
    }
}
