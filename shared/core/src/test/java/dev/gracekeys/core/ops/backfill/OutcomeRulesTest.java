package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.ops.backfill.RecordResult.Outcome;
import dev.gracekeys.core.token.TokenKey;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which record imports, is skipped or is a conflict, and why: the rules alone, no store. */
class OutcomeRulesTest {

    private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");
    private static final TokenKey MINE = TokenKey.of("k-mine");
    private static final TokenKey MINE_OLD_PEPPER = TokenKey.of("k-mine-old-pepper");
    private static final TokenKey OTHER = TokenKey.of("k-other");

    private static ParsedRecord record(String shownId, TokenKey... keys) {
        return new ParsedRecord("DEV01", shownId, null, List.of(keys), new TokenRef(keys[0], "id", T, null));
    }

    private static ClientRecord client(TokenKey current, TokenKey... previous) {
        return new ClientRecord("DEV01", null, true, T, 1, new TokenRef(current, "id", T, null),
                java.util.Arrays.stream(previous).map(k -> new TokenRef(k, "id", T, T.plusSeconds(60))).toList(), null, null);
    }

    @Test
    void aNewRecordIsImported() {
        RecordResult r = OutcomeRules.imported(record("DEV01", MINE));

        assertEquals(new RecordResult(Outcome.IMPORTED, "DEV01", null), r);
    }

    @Test
    void anExistingClientHoldingTheKeyAsCurrentOrPreviousIsSkipped() {
        assertEquals(Outcome.SKIPPED, OutcomeRules.forExistingClient(client(MINE), record("DEV01", MINE)).outcome());
        assertEquals(Outcome.SKIPPED,
                OutcomeRules.forExistingClient(client(OTHER, MINE), record("DEV01", MINE)).outcome());
        assertEquals(Outcome.SKIPPED,
                OutcomeRules.forExistingClient(client(MINE_OLD_PEPPER), record("DEV01", MINE, MINE_OLD_PEPPER))
                        .outcome(), "held under another pepper of the ring");
    }

    @Test
    void anExistingClientWithOtherTokensIsAConflictNeverOverwritten() {
        RecordResult r = OutcomeRules.forExistingClient(client(OTHER), record("DEV01", MINE));

        assertEquals(Outcome.CONFLICT, r.outcome());
        assertEquals("DEV01", r.clientId());
        assertEquals("client 'DEV01' already has other tokens; backfill never overwrites a client: rotate or revoke"
                + " it instead", r.reason());
    }

    @Test
    void aKeyHeldByAnotherClientIsAConflict() {
        RecordResult r = OutcomeRules.keyTaken(record("DEV01", MINE));

        assertEquals(Outcome.CONFLICT, r.outcome());
        assertEquals("this key is already imported for another client; each key can belong to one client only",
                r.reason());
    }

    @Test
    void aClientIdThatLooksLikeAKeyIsNamedWithoutQuotingIt() {
        RecordResult r = OutcomeRules.forExistingClient(client(OTHER), record(null, MINE));

        assertNull(r.clientId());
        assertTrue(r.reason().startsWith("the record's clientId already has other tokens"), r.reason());
        assertFalse(r.reason().contains("DEV01"));
    }

    @Test
    void rejectedCarriesItsReason() {
        assertEquals(new RecordResult(Outcome.REJECTED, null, "not JSON"), OutcomeRules.rejected(null, "not JSON"));
    }

    @Test
    void anyInLooksForAnyKey() {
        assertTrue(OutcomeRules.anyIn(List.of(MINE, OTHER), Set.of(OTHER)));
        assertFalse(OutcomeRules.anyIn(List.of(MINE), Set.of(OTHER)));
        assertFalse(OutcomeRules.anyIn(List.of(), Set.of(OTHER)));
    }
}
