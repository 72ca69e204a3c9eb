package dev.gracekeys.core;

import dev.gracekeys.core.ops.SecretRotation.Step;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Scheduled rotation ({@link ScheduledRotationSemantics}) against DynamoDB Local with the real SDK,
 * each on a fresh table; plus what only the table shows: the pending token item and pointer as stored.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class ScheduledRotationIT extends ScheduledRotationSemantics {

    private TestTable table;

    @BeforeEach
    void table(TestTable table) {
        this.table = table;
    }

    @Override
    protected Fixture fixture(UnaryOperator<GraceKeysConfig> settings) {
        return new Fixture(table, settings.apply(Fixture.defaults(table.name())));
    }

    // The pending token item has its expiry but no TTL (TTL must never delete it behind its client
    // item's back) and is not in the expiry index (no expShard); the client item points at it with
    // its rotation id. Promotion removes the expiry; the old current gets TTL and shard.
    @Test
    void pendingTokenItem_hasItsExpiry_noTtl_noShard_andTheClientPointsAtItWithItsRotation() {
        World w = world();
        String t = w.rotation(Step.CREATE_SECRET, Step.SET_SECRET);

        Map<String, AttributeValue> pending = tokenItem("pending");
        assertEquals(w.f.clock.instant().plusSeconds(86_400).toString(), pending.get(TableSchema.EXPIRES_AT).s());
        assertFalse(pending.containsKey(TableSchema.TTL));
        assertFalse(pending.containsKey(TableSchema.EXPIRY_SHARD));
        Map<String, AttributeValue> pointer = clientItem().get(TableSchema.PENDING).m();
        assertEquals(t, pointer.get(TableSchema.REF_ROTATION).s());
        assertEquals(pending.get(TableSchema.PK).s(), TableSchema.TOKEN_PREFIX + pointer.get(TableSchema.REF_KEY).s());
        assertEquals(pending.get(TableSchema.EXPIRES_AT).s(), pointer.get(TableSchema.REF_EXPIRES_AT).s());

        w.step(Step.TEST_SECRET, t);
        w.step(Step.FINISH_SECRET, t);
        assertFalse(clientItem().containsKey(TableSchema.PENDING));
        Map<String, AttributeValue> promoted = table.snapshot().stream()
                .filter(i -> i.get(TableSchema.PK).equals(pending.get(TableSchema.PK))).findFirst().orElseThrow();
        assertEquals("current", promoted.get(TableSchema.SLOT).s());
        assertFalse(promoted.containsKey(TableSchema.EXPIRES_AT));
        Map<String, AttributeValue> previous = tokenItem("previous");
        assertTrue(previous.containsKey(TableSchema.TTL));
        assertTrue(previous.containsKey(TableSchema.EXPIRY_SHARD));
        assertEquals(List.of(), w.f.violations());
    }

    // set-status moves the pending item's active flag and keeps it out of TTL and the index.
    @Test
    void setStatus_onAPendingTokenItem_keepsItsExpiry_andAddsNoTtl() {
        World w = world();
        w.rotation(Step.CREATE_SECRET, Step.SET_SECRET);
        String expiry = tokenItem("pending").get(TableSchema.EXPIRES_AT).s();
        w.core.tokens().setStatus(new dev.gracekeys.core.ops.Requests.StatusRequest(CLIENT, false, null));

        Map<String, AttributeValue> pending = tokenItem("pending");
        assertFalse(pending.get(TableSchema.ACTIVE).bool());
        assertEquals(expiry, pending.get(TableSchema.EXPIRES_AT).s());
        assertFalse(pending.containsKey(TableSchema.TTL));
        assertFalse(pending.containsKey(TableSchema.EXPIRY_SHARD));
        assertEquals(List.of(), w.f.violations());
    }

    private Map<String, AttributeValue> tokenItem(String slot) {
        return table.snapshot().stream()
                .filter(i -> i.containsKey(TableSchema.SLOT) && slot.equals(i.get(TableSchema.SLOT).s()))
                .findFirst().orElseThrow();
    }

    private Map<String, AttributeValue> clientItem() {
        return table.snapshot().stream()
                .filter(i -> i.get(TableSchema.PK).s().startsWith(TableSchema.CLIENT_PREFIX))
                .findFirst().orElseThrow();
    }
}
