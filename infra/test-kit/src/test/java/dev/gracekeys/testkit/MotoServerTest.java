package dev.gracekeys.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How {@link MotoServer} finds moto, and what it does when it cannot (no server is started here). */
class MotoServerTest {

    @Test
    void nothingInstalled_isUnavailable_soTheTestsAreSkipped(@TempDir Path empty) {
        MotoServer.Unavailable e = assertThrows(MotoServer.Unavailable.class, () ->
                MotoServer.start(Map.of("PATH", empty.toString(), "HOME", empty.toString())));
        assertTrue(e.getMessage().contains("moto is not installed"), e.getMessage());
        assertTrue(e.getMessage().contains(MotoServer.ENV), "says how to point at it: " + e.getMessage());
    }

    @Test
    void anExplicitMotoServerThatDoesNotStart_isAnError_notASkip(@TempDir Path empty) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                MotoServer.start(Map.of(MotoServer.ENV, empty.resolve("moto_server").toString(), "PATH", empty.toString())));
        assertTrue(e.getMessage().startsWith("MOTO_SERVER=" + empty.resolve("moto_server")), e.getMessage());
    }

    @Test
    void aMotoServerThatExitsAtOnce_isReportedWithItsOutput(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("moto_server");
        Files.writeString(broken, "#!/bin/sh\necho 'No module named moto' >&2\nexit 3\n");
        Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwx------"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                MotoServer.start(Map.of(MotoServer.ENV, broken.toString(), "PATH", dir.toString())));
        assertTrue(e.getMessage().contains("exited with status 3"), e.getMessage());
        assertTrue(e.getMessage().contains("No module named moto"), e.getMessage());
    }

    @Test
    void candidates_areMotoServerOnThePath_thenPyenvsShim_thenPython(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path shims = Files.createDirectories(dir.resolve("home/.pyenv/shims"));
        for (Path p : List.of(bin.resolve("moto_server"), bin.resolve("python3"), shims.resolve("moto_server"))) {
            Files.writeString(p, "#!/bin/sh\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
        assertEquals(List.of(
                        List.of(bin.resolve("moto_server").toString()),
                        List.of(shims.resolve("moto_server").toString()),
                        List.of(bin.resolve("python3").toString(), "-m", "moto.server")),
                MotoServer.candidates(Map.of("PATH", bin.toString(), "HOME", dir.resolve("home").toString())));
    }
}
