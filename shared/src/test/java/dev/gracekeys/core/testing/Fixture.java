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

/**
 * The real core, with a test clock and collected events, over a {@link TestTable} (DynamoDB Local,
 * for {@code *IT}) or over an {@link InMemoryStore} (for fast {@code *Test}s of the rules):
 * {@link #snapshot()} and {@link #violations()} read whichever it is.
 */
public final class Fixture {

    public static final Pepper PEPPER = Pepper.of("test-pepper-0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));

    /** The table name an in-memory fixture's settings carry (the setting is required, and unused there). */
    public static final String IN_MEMORY_TABLE = "in-memory";

    /** The table under the core; {@code null} over the in-memory store. */
    public final TestTable table;
    /** The in-memory store under the core; {@code null} over a table. */
    public final InMemoryStore memory;
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
        this(table, defaults(table.name()));
    }

    public Fixture(TestTable table, GraceKeysConfig config) {
        this(table, config, new MutableClock());
    }

    public Fixture(TestTable table, GraceKeysConfig config, MutableClock clock) {
        this(table, null, config, clock);
    }

    private Fixture(TestTable table, InMemoryStore memory, GraceKeysConfig config, MutableClock clock) {
        this.table = table;
        this.memory = memory;
        this.clock = clock;
        this.config = config;
        this.core = coreBuilder().build();
    }

    /** The core over a new {@link InMemoryStore}, with the tests' defaults. */
    public static Fixture inMemory() {
        return inMemory(defaults(IN_MEMORY_TABLE));
    }

    public static Fixture inMemory(GraceKeysConfig config) {
        return new Fixture(null, new InMemoryStore(), config, new MutableClock());
    }

    /** The tests' settings: the defaults, with the tests' legacy-key format declared. */
    public static GraceKeysConfig defaults(String tableName) {
        return GraceKeysConfig.defaults(tableName).withLegacyKeyPattern(LEGACY_KEYS);
    }

    /**
     * A builder for another core over the same store, with this fixture's settings, pepper, events
     * and clock: change what the test needs (a pinned token generator, rotating peppers) and build.
     */
    public GraceKeys.Builder coreBuilder() {
        GraceKeys.Builder builder = table != null
                ? DynamoDbGraceKeys.builder(config, table.client())
                : GraceKeys.builder().config(config).store(memory);
        return builder.pepper(PEPPER).events(events).clock(clock);
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

    /** Everything stored, as a value: compare two to prove that nothing was written. */
    public Object snapshot() {
        return table != null ? table.snapshot() : memory.snapshot();
    }

    /** Every broken invariant of the stored state (see {@link StoreInvariants}). */
    public List<String> violations() {
        return table != null ? TableInvariants.violations(table, clock.instant()) : memory.violations(clock.instant());
    }

    public static Duration hours(long h) {
        return Duration.ofHours(h);
    }
}
