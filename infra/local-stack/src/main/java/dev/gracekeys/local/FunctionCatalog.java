package dev.gracekeys.local;

import dev.gracekeys.lambda.Functions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The functions as template.yaml deploys them (handler, runtime, memory, timeout, description and
 * the names of the environment variables the template sets), so the local stack can time them out
 * as Lambda does and answer {@code aws lambda list-functions} / {@code get-function} as AWS would.
 * infra/template-check's {@code LocalSystemCatalogTest} compares this table with the template, so the
 * two cannot drift apart.
 */
public final class FunctionCatalog {

    public static final String RUNTIME = "java21";
    public static final String ARCHITECTURE = "arm64";
    public static final String ACCOUNT = "000000000000";
    public static final String REGION = "us-east-1";
    /** The alias every function is published behind (template.yaml's AutoPublishAlias). */
    public static final String ALIAS = "live";

    /** One function's configuration. */
    public record Spec(String name, String handler, int memoryMb, Duration timeout, String description,
                       List<String> environment) {

        public String arn() {
            return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + name;
        }
    }

    /** Set on every function (the template's Globals). */
    private static final List<String> GLOBAL_ENVIRONMENT = List.of("TABLE_NAME", "TOKEN_PREFIX",
            "MAX_PREVIOUS_TOKENS", "DEFAULT_GRACE_SECONDS", "MAX_GRACE_SECONDS", "LEGACY_KEY_PATTERN",
            "VERIFY_TIMEOUT_MILLIS", "LAST_USE_INTERVAL_SECONDS", "AUTHORIZER_CACHE_TTL_SECONDS", "METRICS_NAMESPACE");
    private static final List<String> PEPPER = List.of("PEPPER_SECRET_ID", "PEPPER_REFRESH_SECONDS");
    private static final List<String> EVENTS = List.of("EVENT_BUS_NAME");

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    static {
        add("rotate", 512, 30, "Issues a new token (or creates a client); the old one keeps working for the grace window.",
                EVENTS, PEPPER);
        add("verify-authorizer", 1024, 10,
                "Lambda authorizer of POST /push; one strongly consistent GetItem per token, fails closed.",
                List.of("IDENTITY_SOURCE"), PEPPER);
        add("revoke-old", 512, 30, "Revokes the previous token now, or reschedules its expiry.", EVENTS);
        add("describe", 512, 30, "Shows one client, or lists clients in id order; never a token or a hash.");
        add("set-status", 512, 30, "Deactivates a client (both tokens rejected) or reactivates it.", EVENTS);
        add("backfill", 1024, 900,
                "Imports legacy keys as the first token of new clients; idempotent, never overwrites.", EVENTS, PEPPER);
        add("expire-sweep", 512, 300,
                "Daily; removes expired previous tokens and reports those expiring within the lead time (default 24 h).", EVENTS,
                List.of("SWEEP_DEADLINE_MARGIN_MILLIS", "EXPIRING_SOON_LEAD_SECONDS"));
        add("rotate-secret", 512, 30,
                "Secrets Manager rotation of a client's delivery secret; the old token keeps working for the grace window.",
                EVENTS, PEPPER);
        if (!SPECS.keySet().equals(Functions.HANDLERS.keySet())) {
            throw new IllegalStateException("FunctionCatalog and Functions.HANDLERS name different functions");
        }
    }

    @SafeVarargs
    private static void add(String name, int memoryMb, int timeoutSeconds, String description, List<String>... env) {
        List<String> names = new ArrayList<>(GLOBAL_ENVIRONMENT);
        for (List<String> more : env) {
            names.addAll(more);
        }
        SPECS.put(name, new Spec(name, Functions.HANDLERS.get(name) + "::handleRequest", memoryMb,
                Duration.ofSeconds(timeoutSeconds), description, List.copyOf(names)));
    }

    private FunctionCatalog() {
    }

    /** Every function, in DESIGN.md's order. */
    public static List<Spec> all() {
        return List.copyOf(SPECS.values());
    }

    /** The function of this name, or {@code null}. */
    public static Spec get(String name) {
        return SPECS.get(name);
    }

    /**
     * Lambda's FunctionConfiguration for a spec, with the environment the local stack really gives
     * the function (only the names the template sets; a value the stack does not set is empty).
     */
    static Map<String, Object> configuration(Spec spec, Map<String, String> settings) {
        Map<String, String> variables = new TreeMap<>();
        for (String name : spec.environment()) {
            variables.put(name, settings.getOrDefault(name, ""));
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("FunctionName", spec.name());
        c.put("FunctionArn", spec.arn());
        c.put("Runtime", RUNTIME);
        c.put("Role", "arn:aws:iam::" + ACCOUNT + ":role/" + spec.name() + "-local");
        c.put("Handler", spec.handler());
        c.put("CodeSize", 0);
        c.put("Description", spec.description());
        c.put("Timeout", (int) spec.timeout().toSeconds());
        c.put("MemorySize", spec.memoryMb());
        c.put("LastModified", "1970-01-01T00:00:00.000+0000");
        c.put("CodeSha256", "");
        c.put("Version", "$LATEST");
        c.put("Environment", Map.of("Variables", variables));
        c.put("TracingConfig", Map.of("Mode", "Active"));
        c.put("PackageType", "Zip");
        c.put("Architectures", List.of(ARCHITECTURE));
        c.put("State", "Active");
        c.put("LastUpdateStatus", "Successful");
        return c;
    }
}
