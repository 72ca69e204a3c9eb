package dev.gracekeys.bench;

import dev.gracekeys.testkit.Loopback;
import dev.gracekeys.testkit.MotoServerExtension;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every deployable jar, as Lambda runs it: a fresh JVM with only that shaded jar (and the probe),
 * the handler's no-argument constructor (Micronaut's Lambda context), one real invocation against
 * DynamoDB Local. Catches what in-process handler tests cannot, because they run on the modules'
 * classpath: a class, service file or bean registration the shade step left out (a missing
 * JsonMapper once broke the authorizer here). Measures nothing: timing lives in {@link ColdStart}.
 */
class ShadedJarsStartIT {

    private static SeededTable table;

    @BeforeAll
    static void start() {
        table = new SeededTable();
    }

    @AfterAll
    static void stop() {
        table.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"verify-authorizer", "rotate", "revoke-old", "describe", "set-status", "backfill", "expire-sweep",
            "rotate-secret"})
    void shadedJar_startsInAFreshJvm_andServesOneRequest(String function) throws Exception {
        String classpath = ColdStart.jar(repoRoot(), function) + File.pathSeparator + ColdStart.probesLocation();
        Map<String, String> env = table.env;
        if (function.equals("rotate-secret")) {
            // Its probe's request reaches Secrets Manager where moto runs (a secret that does not
            // exist); elsewhere it stops at the handler's Step check (FunctionProbe).
            String moto = motoEndpoint();
            if (moto != null) {
                env = new HashMap<>(env);
                env.put("SECRETSMANAGER_ENDPOINT", moto);
            }
        }
        String output = ColdStart.run(classpath, FunctionProbe.class, env, "OK", function, table.token);
        assertFalse(output.contains("Exception"), output);
    }

    @Test
    void coldStartHarness_measuresBothHandlers() throws Exception {
        ColdStart.Result r = ColdStart.measure(repoRoot(), 1, ColdStart.LAMBDA_JVM_FLAGS);
        assertEquals(1, r.authorizer().size());
        assertEquals(1, r.plain().size());
    }

    /** moto's endpoint where moto is installed, else null (MotoServer says why). */
    private static String motoEndpoint() {
        try {
            return MotoServerExtension.server().endpoint().toString();
        } catch (org.opentest4j.TestAbortedException e) {
            System.out.println("rotate-secret probe without Secrets Manager: " + e.getMessage());
            return null;
        }
    }

    static Path repoRoot() {
        return Loopback.repoRoot();
    }
}
