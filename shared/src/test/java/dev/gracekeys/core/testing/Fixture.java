package dev.gracekeys.core.testing;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.verify.Verdict;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** The real core over a {@link TestTable}, with a test clock and collected events. */
public final class Fixture {

    public static final Pepper PEPPER = Pepper.of("test-pepper-0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));

    public final TestTable table;
    public final MutableClock clock;
    public final CollectingEventPublisher events = new CollectingEventPublisher();
    public final GraceKeysConfig config;
    public final GraceKeys core;

    /**
     * The legacy-key format the tests declare (LEGACY_KEY_PATTERN): any header-safe key of 16-256
     * characters, so the tests' legacy keys verify. Production declares its own, narrower format.
     */
    public static final String LEGACY_KEYS = "[A-Za-z0-9._~+/=-]{16,256}";

    /** The defaults, with the tests' legacy-key format declared. */
    public Fixture(TestTable table) {
        this(table, GraceKeysConfig.defaults(table.name()).withLegacyKeyPattern(LEGACY_KEYS));
    }

    public Fixture(TestTable table, GraceKeysConfig config) {
        this(table, config, new MutableClock());
    }

    public Fixture(TestTable table, GraceKeysConfig config, MutableClock clock) {
        this.table = table;
        this.clock = clock;
        this.config = config;
        this.core = DynamoDbGraceKeys.create(config, table.client(), PEPPER, events, clock);
    }

    /** Creates a client and returns its first token. */
    public String create(String clientId) {
        return core.tokens().rotate(new RotateRequest(clientId, null, true, null)).token();
    }

    /** Rotates with a grace window and returns the new token. */
    public String rotate(String clientId, Duration grace) {
        return rotateResult(clientId, grace).token();
    }

    public RotateResult rotateResult(String clientId, Duration grace) {
        return core.tokens().rotate(new RotateRequest(clientId, grace.toSeconds(), null, null));
    }

    public Verdict verify(String token) {
        return core.verifier().verify(token);
    }

    public boolean allowed(String token) {
        return verify(token).allowed();
    }

    public List<String> violations() {
        return TableInvariants.violations(table, clock.instant());
    }

    public static Duration hours(long h) {
        return Duration.ofHours(h);
    }
}
