package dev.gracekeys.core;

import dev.gracekeys.core.events.DomainEvent;
import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.core.ops.Results.RevokeResult;
import dev.gracekeys.core.ops.Results.RotateResult;
import dev.gracekeys.core.ops.Results.StatusResult;
import dev.gracekeys.core.ops.TokenService;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.Function;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What the ops calls answer, beyond the rule itself ({@code RotationSemanticsIT}): the messages
 * that tell ops which token stopped working, the answers of set-status and describe, revoke-old's
 * tidying of expired entries, and a resend that loses the race to its own first call.
 */
@ExtendWith(DynamoDbLocalExtension.class)
class OpsAnswersIT {

    private static String tokenIdOf(Fixture f, String token) {
        return f.config.tokenFormat().tokenIdOf(token);
    }

    @Test
    void rotate_withinGrace_saysWhichOlderPreviousTokenWasDropped(TestTable table) {
        Fixture f = new Fixture(table);
        String first = f.create("GRACE01");
        String second = f.rotate("GRACE01", hours(24));

        RotateResult r = f.rotateResult("GRACE01", hours(24));

        assertTrue(r.message().contains("Older previous token " + tokenIdOf(f, first) + " was dropped"), r.message());
        assertTrue(r.message().contains("The previous token " + tokenIdOf(f, second) + " keeps working until"), r.message());
        assertFalse(r.message().contains(tokenIdOf(f, second) + " was dropped"), r.message());
    }

    @Test
    void rotate_withGraceZero_saysTheOldTokenWasRevoked_notDropped(TestTable table) {
        Fixture f = new Fixture(table);
        String first = f.create("GRACE01");
        String second = f.rotate("GRACE01", hours(24));

        RotateResult r = f.rotateResult("GRACE01", java.time.Duration.ZERO);

        assertNull(r.previous());
        assertTrue(r.message().contains("The previous token " + tokenIdOf(f, second) + " was revoked at once"), r.message());
        assertTrue(r.message().contains("Older previous token " + tokenIdOf(f, first) + " keeps working until"), r.message());
        assertFalse(r.message().contains("dropped"), "no live token was pushed out: " + r.message());
    }

    @Test
    void revokeOld_withOnlyAnExpiredPreviousToken_revokesNothing_andTidiesItAway(TestTable table) {
        Fixture f = new Fixture(table);
        String old = f.create("GRACE01");
        f.rotate("GRACE01", hours(1));
        f.clock.advance(hours(2)); // expired, not swept yet
        f.events.clear();

        RevokeResult r = f.core.tokens().revokeOld(new RevokeRequest("GRACE01", 0L));

        assertFalse(r.revoked());
        assertNull(r.previous());
        assertEquals(List.of(tokenIdOf(f, old)), f.events.ofType(DomainEvent.PREVIOUS_TOKEN_EXPIRED).stream()
                .map(e -> e.detail().get("tokenId")).toList(), "reported as expired, not as revoked");
        assertEquals(List.of(), f.events.ofType(DomainEvent.PREVIOUS_TOKEN_REVOKED));
        assertEquals(List.of(), f.core.store().findClient("GRACE01").orElseThrow().previous(), "the entry is gone");
        assertEquals(2, table.snapshot().size(), "the client and its current token: the expired item is deleted");
        assertEquals(List.of(), f.violations());
    }

    @Test
    void revokeOld_withNoPreviousToken_writesNothing(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        var before = table.snapshot();

        RevokeResult r = f.core.tokens().revokeOld(new RevokeRequest("GRACE01", 0L));

        assertFalse(r.revoked());
        assertEquals(before, table.snapshot());
    }

    @Test
    void setStatus_answersWithTheClientAndItsStatus(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        assertEquals(new StatusResult("GRACE01", false), f.core.tokens().setStatus(new StatusRequest("GRACE01", false)));
        assertEquals(new StatusResult("GRACE01", true), f.core.tokens().setStatus(new StatusRequest("GRACE01", true)));
    }

    @Test
    void describe_byRequest_withAClientId_describesThatClient_andRefusesAListPageWithIt(TestTable table) {
        Fixture f = new Fixture(table);
        String token = f.create("GRACE01");
        f.create("GRACE02");

        Object answer = f.core.tokens().describe(new DescribeRequest("GRACE01", null, null));

        ClientView view = assertInstanceOf(ClientView.class, answer);
        assertEquals("GRACE01", view.clientId());
        assertEquals(tokenIdOf(f, token), view.current().tokenId());
        assertThrows(ValidationException.class, () -> f.core.tokens().describe(new DescribeRequest("GRACE01", 10, null)));
    }

    // ---- a resend that loses the race to its own first call ------------------------------------

    /**
     * The ops services over the real store, where {@code racer} runs (the first call, landing first)
     * just before this service's own transaction, which then fails its condition.
     */
    private static TokenService losingTheRaceTo(Fixture f, Function<TokenService, Object> racer) {
        ClientStore real = f.core.store();
        boolean[] raced = {false};
        ClientStore store = (ClientStore) Proxy.newProxyInstance(ClientStore.class.getClassLoader(),
                new Class<?>[]{ClientStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("apply") && args.length == 2 && !raced[0]) {
                        raced[0] = true;
                        racer.apply(f.core.tokens());
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return TokenService.builder().store(store).pepper(Fixture.PEPPER).config(f.config)
                .events(f.events).clock(f.clock).build();
    }

    @Test
    void aResentCreate_thatLosesTheRace_returnsTheFirstCallsToken(TestTable table) {
        Fixture f = new Fixture(table);
        RotateRequest create = new RotateRequest("GRACE01", null, true, null, null, "create-1");
        RotateResult[] first = new RotateResult[1];
        TokenService resend = losingTheRaceTo(f, core -> first[0] = core.rotate(create));

        RotateResult answer = resend.rotate(create);

        assertEquals(first[0].token(), answer.token(), "the one token the client has");
        assertTrue(f.allowed(answer.token()));
        assertEquals(1, f.events.ofType(DomainEvent.CLIENT_CREATED).size());
        assertEquals(List.of(), f.violations());
    }

    @Test
    void aResentRevoke_thatLosesTheRace_answersAsTheFirstCall(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        f.rotate("GRACE01", hours(24));
        RevokeRequest revoke = new RevokeRequest("GRACE01", 0L, "revoke-1");
        RevokeResult[] first = new RevokeResult[1];
        TokenService resend = losingTheRaceTo(f, core -> first[0] = core.revokeOld(revoke));

        RevokeResult answer = resend.revokeOld(revoke);

        assertNotNull(answer);
        assertTrue(answer.revoked());
        assertEquals(first[0].previous(), answer.previous());
        assertTrue(answer.message().startsWith("Already done"), answer.message());
        assertEquals(1, f.events.ofType(DomainEvent.PREVIOUS_TOKEN_REVOKED).size(), "revoked once");
        assertEquals(List.of(), f.violations());
    }

    @Test
    void aResentSetStatus_thatLosesTheRace_answersAsTheFirstCall(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        StatusRequest off = new StatusRequest("GRACE01", false, "off-1");
        TokenService resend = losingTheRaceTo(f, core -> core.setStatus(off));

        StatusResult answer = resend.setStatus(off);

        assertEquals(new StatusResult("GRACE01", false), answer);
        assertEquals(1, f.events.ofType(DomainEvent.CLIENT_STATUS_CHANGED).size(), "changed once");
        assertFalse(f.core.tokens().describe("GRACE01").active());
    }
}
