package dev.gracekeys.functions.describe;

import dev.gracekeys.core.GraceKeys;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.PendingToken;
import dev.gracekeys.core.ops.RotationRules;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.token.SecureTokenGenerator;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static dev.gracekeys.lambda.LambdaTestKit.*;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DynamoDbLocalExtension.class)
class DescribeHandlerIT {

    @Test
    void clientSample_showsTheClient_inTheDesignShape_withoutSecrets(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        try (DescribeHandler handler = new DescribeHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("describe/client.json"), lambdaContext());
            assertEquals(List.of("clientId", "name", "active", "createdAt", "current", "previous", "previousTokens",
                    "pending"), List.copyOf(out.keySet()));
            assertNull(out.get("pending"), "no pending token: null, which the runtime's serializer leaves out");
            assertEquals(List.of("tokenId", "createdAt", "lastUsedAt"), List.copyOf(((Map<?, ?>) out.get("current")).keySet()));
            assertEquals(List.of("tokenId", "createdAt", "expiresAt", "lastUsedAt"),
                    List.copyOf(((Map<?, ?>) out.get("previous")).keySet()));
            assertEquals(List.of(out.get("previous")), out.get("previousTokens"), "previous is the newest of previousTokens");
            assertEquals("Sample fleet", out.get("name"));
            String text = out.toString();
            assertFalse(text.contains(SAMPLE_CURRENT) || text.contains(SAMPLE_PREVIOUS), "no token in describe");
            table.snapshot().forEach(item -> assertFalse(text.contains(item.get("pk").s().substring(6)), "no hash"));
        }
    }

    // A scheduled rotation's pending token (rotate-secret's setSecret) shows as "pending", never its token.
    @Test
    void clientWithAPendingToken_showsIt_asTokenIdCreatedAtExpiresAtLastUsedAt_andOnceFinishing_finishingSince(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        GraceKeys core = kit.core();
        var token = new SecureTokenGenerator(TokenFormat.defaults()).next();
        ClientRecord before = core.store().findClient("SAMPLE01").orElseThrow();
        core.store().apply(RotationRules.stagePending(before, PendingToken.staged(
                new TokenHasher(Fixture.PEPPER).keyOfToken(token.value()), token.tokenId(), kit.clock.instant(), "rot-1")));
        assertTrue(core.verifier().verify(token.value()).allowed());
        try (DescribeHandler handler = new DescribeHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("describe/client.json"), lambdaContext());
            Map<?, ?> pending = (Map<?, ?>) out.get("pending");
            assertEquals(List.of("tokenId", "createdAt", "expiresAt", "lastUsedAt", "finishingSince"),
                    List.copyOf(pending.keySet()));
            assertNull(pending.get("finishingSince"), "null until finishSecret marks it (the runtime leaves it out)");
            assertEquals(token.tokenId(), pending.get("tokenId"));
            assertEquals(kit.clock.instant().plus(java.time.Duration.ofHours(24)).toString(), pending.get("expiresAt"));
            assertEquals(kit.clock.instant().toString(), pending.get("lastUsedAt"));
            assertFalse(out.toString().contains(token.value()), "no token in describe");
        }

        // Once finishSecret marked it (about to move AWSCURRENT to it): no expiry, finishingSince instead.
        ClientRecord staged = core.store().findClient("SAMPLE01").orElseThrow();
        kit.clock.advance(java.time.Duration.ofMinutes(3));
        core.store().apply(RotationRules.markFinishing(staged, kit.clock.instant()));
        try (DescribeHandler handler = new DescribeHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("describe/client.json"), lambdaContext());
            Map<?, ?> pending = (Map<?, ?>) out.get("pending");
            assertNull(pending.get("expiresAt"), "a finishing token does not expire");
            assertEquals(kit.clock.instant().toString(), pending.get("finishingSince"));
        }
    }

    @Test
    void listSample_pagesClients(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples();
        try (DescribeHandler handler = new DescribeHandler(kit.context())) {
            Map<String, Object> out = handler.handleRequest(event("describe/list.json"), lambdaContext());
            assertEquals(List.of("clients", "nextCursor"), List.copyOf(out.keySet()));
            assertEquals(List.of("SAMPLE01", "SAMPLE02"),
                    ((List<?>) out.get("clients")).stream().map(c -> ((Map<?, ?>) c).get("clientId")).toList());
            assertNull(out.get("nextCursor"));
        }
    }

    @Test
    void invalidLimitSample_isAValidationError(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (DescribeHandler handler = new DescribeHandler(kit.context())) {
            ValidationException e = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(event("describe/invalid-limit.json"), lambdaContext()));
            assertTrue(e.getMessage().contains("limit must be 1..100"));
        }
    }

    /** The at-risk list: in grace, expiring within a day, previous token used within the hour. */
    @Test
    void atRiskSample_listsTheClientsStillUsingTheirPreviousToken(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        kit.seedSamples(); // SAMPLE01 in grace (expires within a day), SAMPLE02's previous expired
        try (DescribeHandler handler = new DescribeHandler(kit.context())) {
            Map<String, Object> none = handler.handleRequest(event("describe/at-risk.json"), lambdaContext());
            assertEquals(List.of(), none.get("clients"), "SAMPLE01's previous token was never used");
            assertNull(none.get("nextCursor"));

            assertTrue(kit.core().verifier().verify(SAMPLE_PREVIOUS).allowed());
            Map<String, Object> out = handler.handleRequest(event("describe/at-risk.json"), lambdaContext());
            List<?> clients = (List<?>) out.get("clients");
            assertEquals(1, clients.size());
            Map<?, ?> client = (Map<?, ?>) clients.get(0);
            assertEquals("SAMPLE01", client.get("clientId"));
            assertEquals(kit.clock.instant().toString(), ((Map<?, ?>) client.get("previous")).get("lastUsedAt"));
            assertNotNull(((Map<?, ?>) client.get("previous")).get("expiresAt"));

            // LAST_USE_INTERVAL_SECONDS 300 + AUTHORIZER_CACHE_TTL_SECONDS 60 (the defaults)
            kit.clock.advance(java.time.Duration.ofSeconds(3600 + 300 + 60));
            assertEquals(List.of(), handler.handleRequest(event("describe/at-risk.json"), lambdaContext()).get("clients"),
                    "no longer used within the hour");
        }
    }

    @Test
    void invalidFilterSample_isAValidationErrorNamingTheField(TestTable table) {
        LambdaTestKit kit = new LambdaTestKit(table);
        try (DescribeHandler handler = new DescribeHandler(kit.context())) {
            ValidationException e = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(event("describe/invalid-filter.json"), lambdaContext()));
            assertTrue(e.getMessage().startsWith("usedWithinSeconds must be a whole number of seconds 0.."), e.getMessage());

            ValidationException notBoolean = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(Map.of("inGrace", "yes"), lambdaContext()));
            assertEquals("inGrace must be true or false", notBoolean.getMessage());
            ValidationException fraction = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(Map.of("expiringWithinSeconds", 1.5), lambdaContext()));
            assertEquals("expiringWithinSeconds must be a whole number", fraction.getMessage());
            ValidationException both = assertThrows(ValidationException.class,
                    () -> handler.handleRequest(Map.of("clientId", "SAMPLE01", "inGrace", true), lambdaContext()));
            assertTrue(both.getMessage().contains("drop clientId"), both.getMessage());
        }
    }
}
