package dev.gracekeys.core;

import dev.gracekeys.core.ops.Requests.DescribeRequest;
import dev.gracekeys.core.ops.Results.ClientList;
import dev.gracekeys.core.ops.Results.ClientView;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** describe: one client with its tokens' state, or the list page by page; never a hash. */
@ExtendWith(DynamoDbLocalExtension.class)
class DescribeIT {

    @Test
    void describe_showsBothSlots_withLastUse(TestTable table) {
        Fixture f = new Fixture(table);
        String old = f.create("GRACE01");
        var rotated = f.rotateResult("GRACE01", Fixture.hours(24));
        f.clock.advance(java.time.Duration.ofMinutes(1));
        assertTrue(f.allowed(old));

        ClientView v = f.core.tokens().describe("GRACE01");
        assertEquals(rotated.tokenId(), v.current().tokenId());
        assertNull(v.current().lastUsedAt());
        assertEquals(rotated.previous().tokenId(), v.previous().tokenId());
        assertEquals(rotated.previous().expiresAt(), v.previous().expiresAt());
        assertEquals(f.clock.instant(), v.previous().lastUsedAt());
    }

    @Test
    void describe_ofUnknownClient_isClientNotFound(TestTable table) {
        Fixture f = new Fixture(table);
        assertThrows(ClientNotFoundException.class, () -> f.core.tokens().describe("NOPE"));
    }

    @Test
    void list_pagesThroughAllClients_inIdOrder(TestTable table) {
        Fixture f = new Fixture(table);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add("C" + i);
            f.create("C" + i);
            f.rotate("C" + i, Fixture.hours(1)); // token items must not show up in the list
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ClientList page = (ClientList) f.core.tokens().describe(new DescribeRequest(null, 3, cursor));
            page.clients().forEach(c -> seen.add(c.clientId()));
            cursor = page.nextCursor();
            pages++;
            assertTrue(pages < 10);
        } while (cursor != null);
        assertEquals(ids, seen);
        assertTrue(pages >= 3);
    }
}
