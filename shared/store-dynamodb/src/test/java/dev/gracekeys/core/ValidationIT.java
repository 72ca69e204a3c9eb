package dev.gracekeys.core;

import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Requests.RevokeRequest;
import dev.gracekeys.core.ops.Requests.RotateRequest;
import dev.gracekeys.core.ops.Requests.StatusRequest;
import dev.gracekeys.store.dynamodb.DynamoDbGraceKeys;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Bad input gets a ValidationException that says what to fix, and nothing is written. */
@ExtendWith(DynamoDbLocalExtension.class)
class ValidationIT {

    @Test
    void invalidRequests_failWithValidationException_namingTheField_andWriteNothing(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        f.rotate("GRACE01", Fixture.hours(1));
        var tokens = f.core.tokens();
        long maxGrace = f.config.maxGrace().toSeconds();

        List<Map.Entry<String, Executable>> cases = new ArrayList<>();
        cases.add(Map.entry("clientId", () -> tokens.rotate(new RotateRequest(null, null, true, null))));
        cases.add(Map.entry("clientId", () -> tokens.rotate(new RotateRequest("", null, true, null))));
        cases.add(Map.entry("clientId", () -> tokens.rotate(new RotateRequest("has space", null, true, null))));
        cases.add(Map.entry("clientId", () -> tokens.rotate(new RotateRequest("x".repeat(65), null, true, null))));
        cases.add(Map.entry("clientId", () -> tokens.rotate(new RotateRequest("GRACE01/../x", null, null, null))));
        cases.add(Map.entry("clientId", () -> tokens.rotate(new RotateRequest("ünïcode", null, true, null))));
        cases.add(Map.entry("graceSeconds", () -> tokens.rotate(new RotateRequest("GRACE01", -1L, null, null))));
        cases.add(Map.entry("graceSeconds", () -> tokens.rotate(new RotateRequest("GRACE01", maxGrace + 1, null, null))));
        cases.add(Map.entry("graceSeconds", () -> tokens.rotate(new RotateRequest("NEW01", 60L, true, null))));
        cases.add(Map.entry("name", () -> tokens.rotate(new RotateRequest("NEW01", null, true, "x".repeat(129)))));
        cases.add(Map.entry("name", () -> tokens.rotate(new RotateRequest("NEW01", null, true, "   "))));
        cases.add(Map.entry("name", () -> tokens.rotate(new RotateRequest("NEW01", null, true, "line\nbreak"))));
        cases.add(Map.entry("name", () -> tokens.rotate(new RotateRequest("GRACE01", null, null, "rename"))));
        cases.add(Map.entry("request", () -> tokens.rotate(null)));
        cases.add(Map.entry("graceSeconds", () -> tokens.revokeOld(new RevokeRequest("GRACE01", -5L))));
        cases.add(Map.entry("graceSeconds", () -> tokens.revokeOld(new RevokeRequest("GRACE01", maxGrace + 1))));
        cases.add(Map.entry("clientId", () -> tokens.revokeOld(new RevokeRequest("bad id", null))));
        cases.add(Map.entry("active", () -> tokens.setStatus(new StatusRequest("GRACE01", null))));
        cases.add(Map.entry("clientId", () -> tokens.setStatus(new StatusRequest("", true))));
        cases.add(Map.entry("limit", () -> tokens.describe(new DescribeRequest(null, 0, null))));
        cases.add(Map.entry("limit", () -> tokens.describe(new DescribeRequest(null, 101, null))));
        cases.add(Map.entry("cursor", () -> tokens.describe(new DescribeRequest(null, null, "%%%not-a-cursor"))));
        cases.add(Map.entry("cursor", () -> tokens.describe(new DescribeRequest(null, null, "aGFzIHNwYWNl"))));
        cases.add(Map.entry("clientId", () -> tokens.describe(new DescribeRequest("GRACE01", 5, null))));

        assertEquals(24, cases.size());
        var before = table.snapshot();
        for (var c : cases) {
            String field = c.getKey();
            ValidationException e = assertThrows(ValidationException.class, c.getValue(), "case " + c.getKey());
            assertTrue(e.getMessage().contains(field), "message names '" + field + "': " + e.getMessage());
            assertFalse(e.retryable());
        }
        assertEquals(before, table.snapshot(), "no invalid request wrote anything");
    }

    @Test
    void graceSeconds_atTheBounds_isAccepted(TestTable table) {
        Fixture f = new Fixture(table);
        f.create("GRACE01");
        assertNotNull(f.core.tokens().rotate(new RotateRequest("GRACE01", 0L, null, null)).token());
        var r = f.core.tokens().rotate(new RotateRequest("GRACE01", f.config.maxGrace().toSeconds(), null, null));
        assertEquals(f.clock.instant().plus(f.config.maxGrace()), r.previous().expiresAt());
        assertNotNull(f.core.tokens().rotate(new RotateRequest("a.B-c_9" + "x".repeat(57), null, true, null)));
    }

    /**
     * Issue 11, defect 11: a clientId that is unknown and has the shape of a key (a GraceKeys token,
     * or a key matching the declared legacy format) is never quoted back in an error, whichever
     * operation it was sent to, nor when DynamoDB cannot answer; an ordinary unknown id still is.
     */
    @Test
    void unknownClientId_shapedLikeAKey_isNeverQuotedBack(TestTable table) throws Exception {
        Fixture f = new Fixture(table);
        String token = f.create("GRACE01");
        String legacy = "legacy-key-0123456789abcdefXYZ";
        var tokens = f.core.tokens();
        for (String pasted : List.of(token, legacy)) {
            List<Executable> calls = List.of(
                    () -> tokens.rotate(new RotateRequest(pasted, null, null, null)),
                    () -> tokens.revokeOld(new RevokeRequest(pasted, null)),
                    () -> tokens.setStatus(new StatusRequest(pasted, false)),
                    () -> tokens.describe(new DescribeRequest(pasted, null, null)));
            for (Executable call : calls) {
                ClientNotFoundException e = assertThrows(ClientNotFoundException.class, call);
                assertFalse(e.getMessage().contains(pasted), e.getMessage());
                assertTrue(e.getMessage().contains("describe lists clients"), e.getMessage());
            }
        }
        ClientNotFoundException plain = assertThrows(ClientNotFoundException.class,
                () -> tokens.rotate(new RotateRequest("NOPE01", null, null, null)));
        assertTrue(plain.getMessage().contains("'NOPE01'"), plain.getMessage());

        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        GraceKeys unreachable = DynamoDbGraceKeys.builder(f.config, dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension.client(
                        java.net.URI.create("http://127.0.0.1:" + closedPort), new dev.gracekeys.testkit.RequestCounter())).pepper(Fixture.PEPPER).events(f.events).clock(f.clock).build();
        StoreUnavailableException down = assertThrows(StoreUnavailableException.class,
                () -> unreachable.tokens().rotate(new RotateRequest(legacy, null, null, null)));
        assertFalse(String.valueOf(down.getMessage()).contains(legacy), down.getMessage());
        for (Throwable t = down; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(legacy), "in a cause: " + t);
        }
    }
}
