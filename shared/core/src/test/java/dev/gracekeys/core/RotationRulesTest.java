package dev.gracekeys.core;

import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.verify.Verdict.DenyReason;
import org.junit.jupiter.api.Test;

import java.util.function.UnaryOperator;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The rules under "Semantics" in DESIGN.md ({@link RotationSemantics}) as fast unit tests: the real
 * core over the in-memory store, no DynamoDB, no network. {@link RotationSemanticsIT} runs the same
 * scenarios against DynamoDB Local, and {@code StoreContract} proves the two stores alike.
 */
class RotationRulesTest extends RotationSemantics {

    @Override
    protected Fixture fixture(UnaryOperator<GraceKeysConfig> settings) {
        return Fixture.inMemory(settings.apply(Fixture.defaults(Fixture.IN_MEMORY_TABLE)));
    }

    // Rule: verification fails closed: a store that cannot answer means deny, never allow, and a
    // change fails with a retryable error and writes nothing. (Against DynamoDB itself, hanging and
    // unreachable: VerifyIT and ValidationIT.)
    @Test
    void verify_failsClosed_andChangesFailRetryably_whenTheStoreCannotAnswer() {
        Fixture f = fixture();
        String token = f.create("GRACE01");
        var before = f.snapshot();
        f.memory.failWith(new StoreUnavailableException("the store is down", null));

        assertEquals(DenyReason.STORE_UNAVAILABLE, f.verify(token).reason());
        StoreUnavailableException down = assertThrows(StoreUnavailableException.class,
                () -> f.core.tokens().rotate(new RotateRequest("GRACE01", hours(1).toSeconds(), null, null)));
        assertTrue(down.retryable());
        assertEquals(before, f.snapshot());

        f.memory.failWith(null);
        assertTrue(f.allowed(token));
    }
}
