package dev.gracekeys.core.store;

import dev.gracekeys.core.StoreUnavailableException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.store.memory.InMemoryStore;
import dev.gracekeys.core.testing.StoreInvariants;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The store contract against the in-memory store: what lets {@code RotationRulesTest}
 * stand in for the DynamoDB Local tests of the same rules. Fast: no DynamoDB, no network. Plus the
 * fixture's own controls: its invariant check must see a broken state, and a store told to fail fails.
 */
class InMemoryStoreTest extends StoreContract<InMemoryStore> {

    private final List<InMemoryStore> stores = new ArrayList<>();

    @Override
    protected InMemoryStore newStore(int expiryPage) {
        InMemoryStore store = new InMemoryStore(expiryPage);
        stores.add(store);
        return store;
    }

    @Override
    protected long expiryIndexReads() {
        return stores.stream().mapToLong(InMemoryStore::expiryPagesRead).sum();
    }

    private List<String> violations() {
        return StoreInvariants.violations(store().clientRecords(), store().tokenRecords(), now);
    }

    @Test
    void violations_nameADanglingPointer_andAnOrphan() {
        ClientRecord c = client("C1", ref("a"));
        store().apply(create(c));
        assertEquals(List.of(), violations());

        // A change that points the client at a token it never wrote: the store applies what it is given.
        ClientRecord dangling = c.withTokens(ref("never-written"), List.of());
        store().apply(new ClientChange(c, dangling, List.of(), List.of(), List.of()));
        List<String> problems = violations();
        assertTrue(problems.stream().anyMatch(p -> p.contains("dangling pointer")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("orphaned token item gk_a")), problems.toString());

        store().removeClientItem("C1");
        assertTrue(violations().stream().anyMatch(p -> p.contains("orphaned token item gk_a")));
    }

    @Test
    void failWith_makesEveryOperationFail_untilHealed() {
        store().apply(create(client("C1", ref("a"))));
        var before = store().snapshot();
        store().failWith(new StoreUnavailableException("down", null));

        assertThrows(StoreUnavailableException.class, () -> store().findToken(key("a"), Duration.ofSeconds(1)));
        assertThrows(StoreUnavailableException.class, () -> store().findClient("C1"));
        assertThrows(StoreUnavailableException.class, () -> store().apply(create(client("C2", ref("b")))));
        assertEquals(before, store().snapshot(), "nothing written while failing");

        store().failWith(null);
        assertTrue(store().findClient("C1").isPresent());
    }
}
