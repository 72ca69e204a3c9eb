package dev.gracekeys.core;

import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.store.dynamodb.TableSchema;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;
import java.util.function.UnaryOperator;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The rules under "Semantics" in DESIGN.md ({@link RotationSemantics}) against DynamoDB Local with
 * the real SDK, each on a fresh table; plus what only the table shows (the TTL attribute).
 */
@ExtendWith(DynamoDbLocalExtension.class)
class RotationSemanticsIT extends RotationSemantics {

    private TestTable table;

    @BeforeEach
    void table(TestTable table) {
        this.table = table;
    }

    @Override
    protected Fixture fixture(UnaryOperator<GraceKeysConfig> settings) {
        return new Fixture(table, settings.apply(Fixture.defaults(table.name())));
    }

    // Rule: the TTL attribute is set on the previous slot, after its expiry (housekeeping only).
    @Test
    void previousToken_carriesTtlAttribute_atExpiryPlusDelay() {
        Fixture f = fixture();
        f.create("GRACE01");
        RotateResult r = f.rotateResult("GRACE01", hours(24));
        Map<String, AttributeValue> item = table.snapshot().stream()
                .filter(i -> i.containsKey(TableSchema.SLOT) && "previous".equals(i.get(TableSchema.SLOT).s()))
                .findFirst().orElseThrow();
        long ttl = Long.parseLong(item.get(TableSchema.TTL).n());
        assertEquals(r.previous().expiresAt().plus(f.config.ttlDelay()).getEpochSecond(), ttl);
        assertTrue(ttl > r.previous().expiresAt().getEpochSecond());
    }
}
