package dev.gracekeys.core.ops;

import dev.gracekeys.core.ClientNotFoundException;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.Results.ClientList;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.Results.RevokeResult;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.token.IssuedToken;
import org.junit.jupiter.api.Test;

import dev.gracekeys.core.store.ClientStore;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ops operations' answers over the in-memory store: describe and its list, revoke-old's and
 * set-status's edges, resends by requestId, the messages, and delivery to a secret. The rules the
 * DynamoDB ITs ({@code OpsAnswersIT}, {@code RequestReplayIT}) check over the table, as fast tests.
 */
class TokenServiceTest {

    private final Fixture f = Fixture.inMemory();
    private final TokenService ops = f.core.tokens();

    // ---- describe ------------------------------------------------------------------------------

    @Test
    void describe_showsCurrentAndLivePrevious_withTheirLastUse() {
        String first = f.create("C1");
        RotateResult r = f.rotateResult("C1", Duration.ofHours(2));
        assertTrue(f.allowed(first));
        ClientView v = ops.describe("C1");
        assertEquals("C1", v.clientId());
        assertTrue(v.active());
        assertEquals(r.tokenId(), v.current().tokenId());
        assertNull(v.current().lastUsedAt(), "the new token was never presented");
        assertEquals(1, v.previousTokens().size());
        assertEquals(r.previous().tokenId(), v.previous().tokenId());
        assertEquals(r.previous().expiresAt(), v.previous().expiresAt());
        assertEquals(f.clock.instant().getEpochSecond(), v.previous().lastUsedAt().getEpochSecond());

        assertTrue(f.allowed(r.token()));
        assertNotNull(ops.describe("C1").current().lastUsedAt());

        f.clock.advance(Duration.ofHours(3)); // the previous token expired: no longer shown
        ClientView later = ops.describe("C1");
        assertNull(later.previous());
        assertTrue(later.previousTokens().isEmpty());
    }

    @Test
    void describeRequest_isOneClient_orAPage_neverBoth() {
        f.create("C1");
        assertInstanceOf(ClientView.class, ops.describe(new DescribeRequest("C1", null, null)));
        assertInstanceOf(ClientList.class, ops.describe((DescribeRequest) null));
        assertInstanceOf(ClientList.class, ops.describe(new DescribeRequest(null, 10, null)));
        assertThrows(ValidationException.class, () -> ops.describe(new DescribeRequest("C1", 10, null)));
        assertThrows(ValidationException.class, () -> ops.describe(new DescribeRequest("C1", null, "x")));
    }

    @Test
    void list_pagesInClientIdOrder_withACursorThatOnlyThisServiceGives() {
        for (String id : List.of("B", "A", "C")) {
            f.create(id);
        }
        ClientList first = ops.list(2, null);
        assertEquals(List.of("A", "B"), first.clients().stream().map(ClientView::clientId).toList());
        assertNotNull(first.nextCursor());
        ClientList second = ops.list(2, first.nextCursor());
        assertEquals(List.of("C"), second.clients().stream().map(ClientView::clientId).toList());
        assertNull(second.nextCursor());
        assertEquals(3, ops.list(null, null).clients().size());
        assertThrows(ValidationException.class, () -> ops.list(2, "!!not-base64!!"));
        assertThrows(ValidationException.class, () -> ops.list(2, "Ym9ndXMgaWQ")); // "bogus id": not a client id
    }

    @Test
    void anUnknownClient_isNamed_unlessItLooksLikeATokenOrALegacyKey() {
        ClientNotFoundException plain = assertThrows(ClientNotFoundException.class, () -> ops.describe("NOPE"));
        assertTrue(plain.getMessage().contains("'NOPE'"), plain.getMessage());

        String token = f.create("C1");
        ClientNotFoundException asToken = assertThrows(ClientNotFoundException.class, () -> ops.describe(token));
        assertFalse(asToken.getMessage().contains(token));
        assertTrue(asToken.getMessage().contains("looks like a token"), asToken.getMessage());

        String legacy = "abcdefghijklmnopqrstuvwxyz0123456789";
        ClientNotFoundException asKey = assertThrows(ClientNotFoundException.class, () -> ops.describe(legacy));
        assertFalse(asKey.getMessage().contains(legacy));
        assertTrue(asKey.getMessage().contains("legacy key"), asKey.getMessage());
    }

    // ---- rotate: validation and messages --------------------------------------------------------

    @Test
    void rotate_refusesContradictoryOrSecretLookingInput_andWritesNothing() {
        String token = f.create("C1");
        Object before = f.snapshot();
        assertThrows(ValidationException.class, () -> ops.rotate(null));
        assertThrows(ValidationException.class, () -> ops.rotate(new RotateRequest("C2", 60L, true, null)));
        assertThrows(ValidationException.class, () -> ops.rotate(new RotateRequest("C1", null, null, "a name")));
        assertThrows(ValidationException.class, () -> ops.rotate(new RotateRequest(token, null, true, null)));
        assertThrows(ValidationException.class,
                () -> ops.rotate(new RotateRequest("C1", null, null, null, null, token)));
        assertEquals(before, f.snapshot());
    }

    @Test
    void rotate_saysHowLongThePreviousTokenWorks_orThatItWasRevoked_orDropped() {
        f.create("C1");
        RotateResult graced = f.rotateResult("C1", Duration.ofHours(1));
        assertTrue(graced.message().contains("keeps working until"), graced.message());
        assertEquals(f.clock.instant().plusSeconds(3600).getEpochSecond(), graced.previous().expiresAt().getEpochSecond());

        RotateResult dropped = f.rotateResult("C1", Duration.ofHours(1)); // at most one previous by default
        assertTrue(dropped.message().contains("was dropped"), dropped.message());
        assertTrue(dropped.message().contains(graced.previous().tokenId()), dropped.message());

        RotateResult revoked = f.rotateResult("C1", Duration.ZERO);
        assertNull(revoked.previous());
        assertTrue(revoked.message().contains("revoked at once"), revoked.message());
        assertTrue(revoked.message().contains("Older previous token " + dropped.previous().tokenId()
                + " keeps working"), revoked.message());
        DomainEvent rotated = f.events.ofType(DomainEvent.TOKEN_ROTATED).get(2);
        assertEquals(revoked.tokenId(), rotated.detail().get("tokenId"));
    }

    // ---- resends ---------------------------------------------------------------------------------

    @Test
    void aResentCreate_answersTheFirstAnswer_andCreatesOnce() {
        RotateResult first = ops.rotate(new RotateRequest("C1", null, true, "n", null, "req-1"));
        Object after = f.snapshot();
        f.clock.advance(Duration.ofMinutes(5));
        RotateResult again = ops.rotate(new RotateRequest("C1", null, true, "n", null, "req-1"));
        assertEquals(after, f.snapshot());
        assertEquals(first.token(), again.token());
        assertEquals(first.tokenId(), again.tokenId());
        assertEquals(first.createdAt(), again.createdAt());
        assertNull(again.previous());
        assertTrue(again.message().startsWith("Already done"), again.message());
        assertEquals(1, f.events.ofType(DomainEvent.CLIENT_CREATED).size());
    }

    @Test
    void aResentRotate_answersThePreviousTokenToo() {
        f.create("C1");
        RotateResult first = ops.rotate(new RotateRequest("C1", 600L, null, null, null, "req-2"));
        RotateResult again = ops.rotate(new RotateRequest("C1", 600L, null, null, null, "req-2"));
        assertEquals(first.previous(), again.previous());
        assertEquals(first.token(), again.token());
        assertTrue(again.message().endsWith(first.message().substring("Rotated. Deliver the new token now: it is shown"
                .length() + " only once. ".length()).strip()), again.message());
    }

    @Test
    void aResentRevoke_answersTheFirstAnswer_andRevokesOnce() {
        f.create("C1");
        f.rotate("C1", Duration.ofHours(1));
        RevokeResult first = ops.revokeOld(new RevokeRequest("C1", null, "req-3"));
        assertTrue(first.revoked());
        Object after = f.snapshot();
        RevokeResult again = ops.revokeOld(new RevokeRequest("C1", null, "req-3"));
        assertEquals(after, f.snapshot());
        assertTrue(again.revoked());
        assertEquals(first.previous(), again.previous());
        assertEquals("Already done", again.message().substring(0, 12));
        assertTrue(again.message().endsWith(first.message()), again.message());
        assertThrows(ValidationException.class, () -> ops.revokeOld(new RevokeRequest("C1", 60L, "req-3")));
    }

    @Test
    void aResentReschedule_answersTheNewExpiry() {
        f.create("C1");
        f.rotate("C1", Duration.ofHours(1));
        RevokeResult first = ops.revokeOld(new RevokeRequest("C1", 60L, "req-4"));
        assertFalse(first.revoked());
        assertEquals(f.clock.instant().plusSeconds(60).getEpochSecond(), first.previous().expiresAt().getEpochSecond());
        RevokeResult again = ops.revokeOld(new RevokeRequest("C1", 60L, "req-4"));
        assertFalse(again.revoked());
        assertEquals(first.previous(), again.previous());
    }

    @Test
    void aResentSetStatus_changesNothing_andPublishesOnce() {
        f.create("C1");
        assertFalse(ops.setStatus(new StatusRequest("C1", false, "req-5")).active());
        assertFalse(f.core.store().findClient("C1").orElseThrow().active());
        ops.setStatus(new StatusRequest("C1", true, null)); // someone reactivated it meanwhile
        Object after = f.snapshot();
        assertFalse(ops.setStatus(new StatusRequest("C1", false, "req-5")).active());
        assertEquals(after, f.snapshot(), "a resend does not deactivate again");
        assertEquals(2, f.events.ofType(DomainEvent.CLIENT_STATUS_CHANGED).size());
        assertThrows(ValidationException.class, () -> ops.setStatus(new StatusRequest("C1", true, "req-5")));
        assertThrows(ValidationException.class, () -> ops.setStatus(null));
        assertThrows(ValidationException.class, () -> ops.setStatus(new StatusRequest("C1", null, null)));
    }

    // ---- revoke-old edges -------------------------------------------------------------------------

    @Test
    void revokeOld_withNothingLive_revokesNothing_andTidiesExpiredEntries() {
        f.create("C1");
        RevokeResult none = ops.revokeOld(new RevokeRequest("C1", null, null));
        assertFalse(none.revoked());
        assertNull(none.previous());
        assertTrue(none.message().contains("nothing to revoke"), none.message());

        f.rotate("C1", Duration.ofMinutes(1));
        f.clock.advance(Duration.ofMinutes(2));
        ClientRecord before = f.core.store().findClient("C1").orElseThrow();
        assertEquals(1, before.previous().size());
        assertFalse(ops.revokeOld(new RevokeRequest("C1", null, null)).revoked());
        assertTrue(f.core.store().findClient("C1").orElseThrow().previous().isEmpty(), "the expired entry is tidied");
        assertEquals(1, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED).size());
        assertThrows(ValidationException.class, () -> ops.revokeOld(null));
        assertTrue(f.violations().isEmpty(), f.violations().toString());
    }

    // ---- delivery ----------------------------------------------------------------------------------

    /** A secret store in memory: what was staged and promoted, and a promote that can be made to fail. */
    private static final class Secrets implements TokenDelivery {
        final List<String> staged = new ArrayList<>();
        final List<String> promoted = new ArrayList<>();
        boolean promoteFails;

        @Override
        public String stage(String secretId, String clientId, IssuedToken token) {
            staged.add(secretId + ":" + token.value());
            return "v" + staged.size();
        }

        @Override
        public void promote(String secretId, String versionId) {
            if (promoteFails) {
                throw new TokenDeliveryException("denied", null);
            }
            promoted.add(secretId + ":" + versionId);
        }
    }

    @Test
    void delivery_stagesThenPromotes_andLaterRotationsDeliverToTheSameSecret() {
        Secrets secrets = new Secrets();
        TokenService delivering = f.coreBuilder().delivery(secrets).build().tokens();
        RotateResult created = delivering.rotate(new RotateRequest("C1", null, true, null, "app/token"));
        assertEquals(List.of("app/token:" + created.token()), secrets.staged);
        assertEquals(List.of("app/token:v1"), secrets.promoted);
        assertEquals("app/token", created.deliveredTo());
        assertTrue(created.message().contains("delivered"), created.message());
        assertEquals("app/token", f.core.store().findClient("C1").orElseThrow().deliverTo());

        RotateResult rotated = delivering.rotate(new RotateRequest("C1", 60L, null, null));
        assertEquals("app/token", rotated.deliveredTo());
        assertEquals("app/token:" + rotated.token(), secrets.staged.get(1));
        assertEquals("app/token:v2", secrets.promoted.get(1));

        secrets.promoteFails = true;
        RotateResult pending = delivering.rotate(new RotateRequest("C1", 60L, null, null, "app/other"));
        assertTrue(pending.message().contains("pending version v3"), pending.message());
        assertTrue(f.allowed(pending.token()), "the rotation stands though the promote failed");
        assertEquals("app/other", f.core.store().findClient("C1").orElseThrow().deliverTo());
    }

    @Test
    void withoutDelivery_aDeliverToIsRefused_andNothingIsWritten() {
        f.create("C1");
        Object before = f.snapshot();
        assertThrows(TokenDeliveryException.class,
                () -> ops.rotate(new RotateRequest("C1", 60L, null, null, "app/token")));
        assertEquals(before, f.snapshot());
    }

    @Test
    void builder_needsStoreConfigAndPepper() {
        assertTrue(assertThrows(IllegalStateException.class, () -> TokenService.builder().build())
                .getMessage().contains("needs store"));
        assertTrue(assertThrows(IllegalStateException.class, () -> TokenService.builder().store(f.core.store()).build())
                .getMessage().contains("needs config"));
        assertTrue(assertThrows(IllegalStateException.class,
                () -> TokenService.builder().store(f.core.store()).config(f.config).build())
                .getMessage().contains("needs peppers"));
        TokenService built = TokenService.builder().store(f.core.store()).config(f.config).pepper(Fixture.PEPPER)
                .clock(f.clock).build();
        f.create("C9");
        assertEquals("C9", built.describe("C9").clientId());
    }

    // ---- a resend that loses the race to its own first call ---------------------------------------

    /**
     * The fixture's store, except that just before the first transaction that records a replay,
     * {@code firstCall} runs (the same request, sent again, getting there first).
     */
    private ClientStore racing(Runnable firstCall) {
        boolean[] raced = {false};
        return (ClientStore) Proxy.newProxyInstance(ClientStore.class.getClassLoader(),
                new Class<?>[]{ClientStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("apply") && args.length == 2 && args[1] != null && !raced[0]) {
                        raced[0] = true;
                        firstCall.run();
                    }
                    try {
                        return method.invoke(f.memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private TokenService racingService(Runnable firstCall) {
        return TokenService.builder().store(racing(firstCall)).config(f.config).pepper(Fixture.PEPPER)
                .events(f.events).clock(f.clock).build();
    }

    @Test
    void aResentCreate_thatLosesTheRace_answersAsTheFirstCall() {
        RotateRequest request = new RotateRequest("C1", null, true, null, null, "race-1");
        RotateResult[] first = new RotateResult[1];
        RotateResult again = racingService(() -> first[0] = ops.rotate(request)).rotate(request);
        assertEquals(first[0].token(), again.token());
        assertTrue(again.message().startsWith("Already done"), again.message());
    }

    @Test
    void aResentRotate_thatLosesTheRace_answersAsTheFirstCall() {
        f.create("C1");
        RotateRequest request = new RotateRequest("C1", 60L, null, null, null, "race-2");
        RotateResult[] first = new RotateResult[1];
        RotateResult again = racingService(() -> first[0] = ops.rotate(request)).rotate(request);
        assertEquals(first[0].token(), again.token());
        assertEquals(first[0].previous(), again.previous());
    }

    @Test
    void aResentRevoke_thatLosesTheRace_answersAsTheFirstCall() {
        f.create("C1");
        f.rotate("C1", Duration.ofHours(1));
        RevokeRequest request = new RevokeRequest("C1", null, "race-3");
        RevokeResult[] first = new RevokeResult[1];
        RevokeResult again = racingService(() -> first[0] = ops.revokeOld(request)).revokeOld(request);
        assertTrue(again.revoked());
        assertEquals(first[0].previous(), again.previous());
        assertTrue(again.message().startsWith("Already done"), again.message());
    }

    @Test
    void aResentSetStatus_thatLosesTheRace_answersAsTheFirstCall() {
        f.create("C1");
        StatusRequest request = new StatusRequest("C1", false, "race-4");
        Results.StatusResult again = racingService(() -> ops.setStatus(request)).setStatus(request);
        assertNotNull(again);
        assertFalse(again.active());
        assertEquals(1, f.events.ofType(DomainEvent.CLIENT_STATUS_CHANGED).size());
    }

    @Test
    void aConflictThatIsNoResend_isReportedAsOne() {
        f.create("C1");
        TokenService loser = racingService(() -> f.rotate("C1", Duration.ofMinutes(1)));
        assertThrows(dev.gracekeys.core.ConcurrentModificationException.class,
                () -> loser.setStatus(new StatusRequest("C1", false, "race-5")));
    }
}
