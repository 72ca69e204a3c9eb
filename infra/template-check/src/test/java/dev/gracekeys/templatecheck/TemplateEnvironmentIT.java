package dev.gracekeys.templatecheck;

import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.lambda.AwsClients;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.lambda.PepperSettings;
import dev.gracekeys.lambda.Settings;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The environment each function gets from the template against the settings its code really reads
 * (every {@code Settings.get} is recorded), while it handles its sample events: nothing it needs is
 * missing on AWS, and nothing set is dead config (a misspelt name, or a setting no code reads).
 */
@ExtendWith(DynamoDbLocalExtension.class)
class TemplateEnvironmentIT {

    /**
     * Names the code may read that the template leaves unset on purpose, each with the reason. Any
     * other name the code reads must be set by the template.
     */
    static final Map<String, String> UNSET_ON_PURPOSE = Map.ofEntries(
            Map.entry("LEGACY_TOKENS", "an off switch for legacy keys (false); the template turns them off by"
                    + " leaving LegacyKeyPattern empty instead"),
            Map.entry(AwsClients.DYNAMODB_ENDPOINT, "local only: DynamoDB Local; on AWS the SDK's regional endpoint"),
            Map.entry(AwsClients.SECRETSMANAGER_ENDPOINT, "local only: LocalSystem; on AWS the regional endpoint"),
            Map.entry(AwsClients.EVENTBRIDGE_ENDPOINT, "local only: LocalSystem or a loopback EventBridge; on AWS the"
                    + " regional endpoint"),
            Map.entry("S3_ENDPOINT", "local only (backfill's S3 client): an S3 emulator; on AWS the regional endpoint"),
            Map.entry(PepperSettings.PEPPER, "local only: the pepper itself; on AWS it is read from the secret"
                    + " PEPPER_SECRET_ID names, which PepperSettings prefers anyway"),
            Map.entry(PepperSettings.PEPPER_PREVIOUS, "local only: the previous pepper during a pepper rotation; on"
                    + " AWS it is the AWSPREVIOUS version of the secret PEPPER_SECRET_ID names"),
            Map.entry(AwsClients.REGION, "reserved: Lambda sets AWS_REGION itself"),
            Map.entry("AWS_LAMBDA_FUNCTION_NAME", "reserved: Lambda sets it itself (AwsClients reads it to know it"
                    + " runs on Lambda)"),
            Map.entry(AwsClients.CONTAINER_CREDENTIALS_URI, "reserved: Lambda sets it (with SnapStart) to serve the"
                    + " role's credentials"),
            Map.entry(AwsClients.ACCESS_KEY_ID, "reserved: Lambda sets it (without SnapStart) to the role's credentials"),
            Map.entry("TTL_DELAY_SECONDS", "optional: its default (TTL two days after expiry) is the design's"),
            Map.entry("BACKFILL_CONCURRENCY", "optional backfill tuning: default 4 transactions (of up to 50 records) at"
                    + " once"),
            Map.entry("BACKFILL_PROGRESS_EVERY", "optional backfill tuning: a progress log line every 1000 records"),
            Map.entry("BACKFILL_DEADLINE_MARGIN_MILLIS", "optional backfill tuning: stop 15 s before the timeout"));

    @ParameterizedTest
    @EnumSource(Lambda.class)
    void function_readsEveryVariableTheTemplateSets_andNeedsNoOther(Lambda lambda, TestTable table) throws Exception {
        Deployment.Function function = Template.load().deploy(table.name(),
                Map.of("LegacyKeyPattern", Lambda.SAMPLE_LEGACY_KEYS)).function(lambda.logicalId());
        Set<String> read;
        try (FunctionRun run = FunctionRun.start(lambda, function, table)) {
            lambda.exercise(run);
            read = run.settingsRead();
        }
        Set<String> set = function.environment().keySet();

        Set<String> missing = new TreeSet<>(read);
        missing.removeAll(set);
        missing.removeAll(UNSET_ON_PURPOSE.keySet());
        if (!lambda.hashesTokens()) {
            // Read to learn that this function has no pepper (CoreFactory.peppers): unset on purpose.
            missing.remove(PepperSettings.PEPPER_SECRET_ID);
        }
        assertEquals(Set.of(), missing, lambda.logicalId() + " reads these, but the template does not set them"
                + " (set them, or add them to UNSET_ON_PURPOSE with the reason)");

        Set<String> dead = new TreeSet<>(set);
        dead.removeAll(read);
        assertEquals(Set.of(), dead, lambda.logicalId() + ": the template sets these, but the code never reads them");
    }

    /** The allow-list stays honest: a name the template sets does not belong on it. */
    @Test
    void unsetOnPurpose_namesNothingTheTemplateSets() {
        for (Deployment.Function function : Template.load().deploy("gracekeys-table", Map.of()).functions().values()) {
            Set<String> both = new TreeSet<>(function.environment().keySet());
            both.retainAll(UNSET_ON_PURPOSE.keySet());
            assertEquals(Set.of(), both, function.logicalId() + " sets names UNSET_ON_PURPOSE lists");
        }
    }

    /**
     * A stack deployed with every parameter at its default runs with the code's own defaults, the
     * configuration README.md documents.
     */
    @Test
    void parameterDefaults_giveEveryFunctionTheCodesDefaultConfiguration() {
        for (Deployment.Function function : Template.load().deploy("gracekeys-table", Map.of()).functions().values()) {
            assertEquals(GraceKeysConfig.defaults("gracekeys-table"), GraceKeysConfig.fromEnv(function.environment()),
                    function.logicalId());
        }
    }

    /**
     * PepperRefreshSeconds is PEPPER_REFRESH_SECONDS on every function that reads the pepper, with the code's default
     * (300 s) and exactly the range the code accepts: a value the parameter allows never fails the
     * functions' start-up, and one it refuses would.
     */
    @Test
    void pepperRefreshSeconds_hasTheCodesDefault_andTheRangeTheCodeAccepts() {
        Template template = Template.load();
        Map<String, Object> parameter = template.parameter("PepperRefreshSeconds");
        assertEquals(PepperSettings.DEFAULT_REFRESH_SECONDS, parameter.get("Default"), "the code's default");
        for (Deployment.Function function : template.deploy("gracekeys-table", Map.of()).functions().values()) {
            if (!function.environment().containsKey(PepperSettings.PEPPER_SECRET_ID)) {
                continue; // never reads the pepper (TemplatePermissionsIT.onlyFunctionsThatHash_...)
            }
            assertEquals(String.valueOf(PepperSettings.DEFAULT_REFRESH_SECONDS),
                    function.environment().get(PepperSettings.PEPPER_REFRESH_SECONDS), function.logicalId());
        }
        int min = (Integer) parameter.get("MinValue");
        int max = (Integer) parameter.get("MaxValue");
        assertEquals(PepperSettings.MIN_REFRESH_SECONDS, min);
        assertEquals(PepperSettings.MAX_REFRESH_SECONDS, max);
        assertDoesNotThrow(() -> pepperRing(min));
        assertDoesNotThrow(() -> pepperRing(max));
        for (int outside : new int[] {min - 1, max + 1}) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> pepperRing(outside));
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertTrue(messages.toString().contains(PepperSettings.PEPPER_REFRESH_SECONDS), messages.toString());
        }
    }

    /**
     * ExpiringSoonLeadSeconds is EXPIRING_SOON_LEAD_SECONDS on the sweep, with the code's default and
     * exactly the range the sweep accepts.
     */
    @Test
    void expiringSoonLeadSeconds_hasTheCodesDefault_andTheRangeTheSweepAccepts() {
        Template template = Template.load();
        Map<String, Object> parameter = template.parameter("ExpiringSoonLeadSeconds");
        assertEquals((int) dev.gracekeys.core.ops.ExpirySweeper.DEFAULT_LEAD.toSeconds(), parameter.get("Default"));
        int min = (Integer) parameter.get("MinValue");
        int max = (Integer) parameter.get("MaxValue");
        assertEquals(1, min);
        assertEquals(dev.gracekeys.core.ops.ExpirySweeper.MAX_LEAD.toSeconds(), (long) max);
        dev.gracekeys.core.ops.ExpirySweeper sweeper = new dev.gracekeys.core.ops.ExpirySweeper(
                new dev.gracekeys.core.store.memory.InMemoryStore(), dev.gracekeys.core.events.EventPublisher.NONE,
                java.time.Clock.systemUTC());
        assertDoesNotThrow(() -> sweeper.withLead(java.time.Duration.ofSeconds(min)));
        assertDoesNotThrow(() -> sweeper.withLead(java.time.Duration.ofSeconds(max)));
        assertThrows(IllegalArgumentException.class, () -> sweeper.withLead(java.time.Duration.ofSeconds(min - 1)));
        assertThrows(IllegalArgumentException.class, () -> sweeper.withLead(java.time.Duration.ofSeconds(max + 1L)));
    }

    /**
     * AuthorizerResultTtlSeconds, the HTTP API authorizer's cache TTL, is also every function's
     * AUTHORIZER_CACHE_TTL_SECONDS (so describe and revoke-old widen last use by the TTL API Gateway
     * really caches for), with the code's default and exactly the range the code accepts.
     */
    @Test
    void authorizerResultTtlSeconds_isEveryFunctionsAuthorizerCacheTtl_withTheCodesDefaultAndRange() {
        Template template = Template.load();
        Map<String, Object> parameter = template.parameter("AuthorizerResultTtlSeconds");
        assertEquals(GraceKeysConfig.DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS, parameter.get("Default"), "the code's default");
        int min = (Integer) parameter.get("MinValue");
        int max = (Integer) parameter.get("MaxValue");
        assertEquals(0, min);
        assertEquals(GraceKeysConfig.MAX_AUTHORIZER_CACHE_TTL_SECONDS, max);
        for (String ttl : new String[] {"0", "1", "3600"}) {
            for (Deployment.Function function : template.deploy("gracekeys-table",
                    Map.of("AuthorizerResultTtlSeconds", ttl)).functions().values()) {
                assertEquals(ttl, function.environment().get("AUTHORIZER_CACHE_TTL_SECONDS"), function.logicalId());
                assertEquals(java.time.Duration.ofSeconds(Long.parseLong(ttl)),
                        GraceKeysConfig.fromEnv(function.environment()).authorizerCacheTtl(), function.logicalId());
            }
        }
        for (int outside : new int[] {min - 1, max + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraceKeysConfig.fromEnv(
                    Map.of("TABLE_NAME", "gracekeys-table", "AUTHORIZER_CACHE_TTL_SECONDS", String.valueOf(outside))));
            assertTrue(e.getMessage().contains("AUTHORIZER_CACHE_TTL_SECONDS"), e.getMessage());
        }
    }

    /** Builds the functions' pepper ring as their context does, with this refresh interval. */
    private static void pepperRing(int refreshSeconds) {
        Settings settings = Settings.of(Map.of(
                PepperSettings.PEPPER, Base64.getEncoder().encodeToString(
                        "template-check-pepper-0123456789abcdef".getBytes(StandardCharsets.UTF_8)),
                PepperSettings.PEPPER_REFRESH_SECONDS, String.valueOf(refreshSeconds),
                AwsClients.REGION, Template.REGION));
        try (ApplicationContext context = ApplicationContext.builder().singletons(settings).start()) {
            context.getBean(PepperRing.class);
        }
    }
}
