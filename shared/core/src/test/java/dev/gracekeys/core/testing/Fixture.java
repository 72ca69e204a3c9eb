package dev.gracekeys.core.testing;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.store.memory.InMemoryStore;
import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.core.token.Pepper;
import dev.gracekeys.core.verify.Verdict;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The real core, with a test clock and collected events, over a {@code TestTable} (DynamoDB Local,
 * for {@code *IT}, in shared/store-dynamodb) or over an {@link InMemoryStore} (for fast
 * {@code *Test}s of the rules):
 * {@link #snapshot()} and {@link #violations()} read whichever it is.
 */
public final class Fixture {

    public static final Pepper PEPPER = Pepper.of("test-pepper-0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));

    /** The table name an in-memory fixture's settings carry (the setting is required, and unused there). */
    public static final String IN_MEMORY_TABLE = "in-memory";

    /**
     * What holds the fixture's state: a DynamoDB Local table ({@code TestTable}, in
     * shared/store-dynamodb's test kit) or an {@link InMemoryStore}. The fixture reads and checks it
     * through this, so the same tests run over either.
     */
    public interface Backing {
        /** The table name the settings carry. */
        String name();

        /** A builder of the core over this store, with these settings. */
        GraceKeys.Builder coreBuilder(GraceKeysConfig config);

        /** Everything stored, as a value. */
        Object snapshot();

        /** Every broken invariant of the stored state at {@code now} (see {@link StoreInvariants}). */
        List<String> violations(Instant now);
    }

    /** An {@link InMemoryStore} as a fixture's backing. */
    public record InMemory(InMemoryStore store) implements Backing {
        @Override
        public String name() {
            return IN_MEMORY_TABLE;
        }

        @Override
        public GraceKeys.Builder coreBuilder(GraceKeysConfig config) {
            return GraceKeys.builder().config(config).store(store);
        }

        @Override
        public Object snapshot() {
            return store.snapshot();
        }

        @Override
        public List<String> violations(Instant now) {
            return StoreInvariants.violations(store.clientRecords(), store.tokenRecords(), now);
        }
    }

    /** The store under the core. */
    public final Backing backing;
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
    public Fixture(Backing backing) {
        this(backing, defaults(backing.name()));
    }

    public Fixture(Backing backing, GraceKeysConfig config) {
        this(backing, config, new MutableClock());
    }

    public Fixture(Backing backing, GraceKeysConfig config, MutableClock clock) {
        this.backing = backing;
        this.memory = backing instanceof InMemory m ? m.store() : null;
        this.clock = clock;
        this.config = config;
        this.core = coreBuilder().build();
    }

    /** The core over a new {@link InMemoryStore}, with the tests' defaults. */
    public static Fixture inMemory() {
        return inMemory(defaults(IN_MEMORY_TABLE));
    }

    public static Fixture inMemory(GraceKeysConfig config) {
        return new Fixture(new InMemory(new InMemoryStore()), config, new MutableClock());
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
        return backing.coreBuilder(config).pepper(PEPPER).events(events).clock(clock);
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
        return backing.snapshot();
    }

    /** Every broken invariant of the stored state (see {@link StoreInvariants}). */
    public List<String> violations() {
        return backing.violations(clock.instant());
    }

    public static Duration hours(long h) {
        return Duration.ofHours(h);
    }
}
