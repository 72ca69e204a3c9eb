package dev.gracekeys.core;

import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.ops.TokenDelivery;
import dev.gracekeys.core.ops.TokenDeliveryException;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.core.testing.CollectingEventPublisher;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.testkit.MutableClock;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.core.token.IssuedToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Token delivery: staged before the rotation is stored, promoted after, so a failure leaves the
 * client either not rotated at all or fully rotated, and the new token is never lost. The delivery
 * port is recorded in memory here (its Secrets Manager adapter is tested at the wire and against
 * LocalStack); the store is DynamoDB Local.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class DeliveryIT {

    /** Records calls, with the table's state at each; can be told to fail. */
    static final class RecordingDelivery implements TokenDelivery {
        final List<String> calls = new ArrayList<>();
        final List<String> tokens = new ArrayList<>();
        boolean failStage;
        boolean failPromote;
        TestTable table;
        int itemsAtStage = -1;

        @Override
        public String stage(String secretId, String clientId, IssuedToken token) {
            calls.add("stage " + secretId + " " + clientId);
            itemsAtStage = table.snapshot().size();
            if (failStage) {
                throw new TokenDeliveryException("AccessDeniedException", null);
            }
            tokens.add(token.value());
            return "v" + tokens.size();
        }

        @Override
        public void promote(String secretId, String versionId) {
            calls.add("promote " + secretId + " " + versionId);
            if (failPromote) {
                throw new TokenDeliveryException("InternalServiceError", null);
            }
        }
    }

    private final RecordingDelivery delivery = new RecordingDelivery();

    private GraceKeys core(TestTable table) {
        delivery.table = table;
        return DynamoDbGraceKeys.builder(GraceKeysConfig.defaults(table.name()), table.client())
                .pepper(Fixture.PEPPER).events(new CollectingEventPublisher()).clock(new MutableClock())
                .delivery(delivery)
                .build();
    }

    @Test
    void create_withDelivery_stagesBeforeStoring_thenPromotes_andRemembersTheSecret(TestTable table) {
        GraceKeys core = core(table);
        RotateResult created = core.tokens().rotate(new RotateRequest("GRACE01", null, true, null, "gracekeys/grace01"));

        assertEquals(List.of("stage gracekeys/grace01 GRACE01", "promote gracekeys/grace01 v1"), delivery.calls);
        assertEquals(0, delivery.itemsAtStage, "staged while nothing was stored yet");
        assertEquals(List.of(created.token()), delivery.tokens, "the token delivered is the token issued");
        assertEquals("gracekeys/grace01", created.deliveredTo());
        assertTrue(created.message().contains("delivered"), created.message());

        RotateResult rotated = core.tokens().rotate(new RotateRequest("GRACE01", 3600L, null, null));
        assertEquals("gracekeys/grace01", rotated.deliveredTo(), "remembered for later rotations");
        assertEquals(rotated.token(), delivery.tokens.get(1));
        assertTrue(core.verifier().verify(rotated.token()).allowed());
        assertTrue(core.verifier().verify(created.token()).allowed(), "the previous token keeps its grace");
    }

    @Test
    void stageFailure_rotatesNothing_andSaysWhatToCheck(TestTable table) {
        GraceKeys core = core(table);
        String first = core.tokens().rotate(new RotateRequest("GRACE01", null, true, null)).token();
        var before = table.snapshot();
        delivery.failStage = true;

        TokenDeliveryException e = assertThrows(TokenDeliveryException.class,
                () -> core.tokens().rotate(new RotateRequest("GRACE01", 3600L, null, null, "gracekeys/grace01")));

        assertEquals(before, table.snapshot(), "not half-rotated: nothing was stored");
        assertTrue(core.verifier().verify(first).allowed());
        assertTrue(e.retryable());
    }

    @Test
    void promoteFailure_keepsTheRotation_andTellsHowToPromoteByHand(TestTable table) {
        GraceKeys core = core(table);
        String first = core.tokens().rotate(new RotateRequest("GRACE01", null, true, null)).token();
        delivery.failPromote = true;

        RotateResult r = core.tokens().rotate(new RotateRequest("GRACE01", 3600L, null, null, "gracekeys/grace01"));

        assertTrue(core.verifier().verify(r.token()).allowed(), "rotation stored");
        assertTrue(core.verifier().verify(first).allowed(), "consumers' token still valid for its grace");
        assertTrue(r.message().contains("update-secret-version-stage") && r.message().contains("v1"), r.message());
        assertFalse(r.message().contains(r.token()), "the message never carries the token");
    }

    @Test
    void invalidSecretId_isAValidationError_beforeAnything(TestTable table) {
        GraceKeys core = core(table);
        assertThrows(ValidationException.class,
                () -> core.tokens().rotate(new RotateRequest("GRACE01", null, true, null, "bad secret id!")));
        assertEquals(List.of(), delivery.calls);
        assertEquals(List.of(), table.snapshot());
    }
}
