package dev.gracekeys.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The deployable jar, as Lambda runs it: a fresh JVM, the handler's no-argument constructor (so
 * Micronaut's Lambda context with eager singletons), one verify against DynamoDB Local. Catches what
 * in-process handler tests cannot: a missing service file or bean in the shaded jar (a missing
 * JsonMapper once failed exactly here). Measures nothing: timing lives in {@link ColdStart}.
 */
class ShadedAuthorizerStartsIT {

    @Test
    void shadedAuthorizerJar_startsInAFreshJvm_andAllowsAValidToken() throws Exception {
        Path repo = repoRoot();
        ColdStart.Result r = ColdStart.measure(repo, 1, ColdStart.LAMBDA_JVM_FLAGS);
        assertEquals(1, r.authorizer().size());
        assertEquals(1, r.plain().size());
        assertTrue(r.jarBytes() > 0);
    }

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("functions"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }
}
