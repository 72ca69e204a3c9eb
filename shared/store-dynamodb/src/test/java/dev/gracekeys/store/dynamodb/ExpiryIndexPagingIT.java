package dev.gracekeys.store.dynamodb;

import dev.gracekeys.core.store.ClientStore.ExpiringToken;
import dev.gracekeys.store.dynamodb.testing.DynamoDbLocalExtension;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.store.dynamodb.testing.TestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import static dev.gracekeys.core.testing.Fixture.hours;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The sweep's reader of the expiry index: every matching token exactly once across pages and
 * shards, and a page read only when the iteration gets to it. Pages of one item, so that every
 * shard holding a token is read in several pages (as a shard with more than 100 does in use).
 */
@ExtendWith(DynamoDbLocalExtension.class)
class ExpiryIndexPagingIT {

    @Test
    void reader_yieldsEveryTokenInRangeOnce_acrossPages_andReadsAPageOnlyWhenItGetsThere(TestTable table) {
        Fixture f = new Fixture(table);
        Set<String> expired = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            f.create(String.format("GONE%03d", i));
            expired.add(f.rotateResult(String.format("GONE%03d", i), hours(1)).previous().tokenId());
        }
        for (int i = 0; i < 5; i++) {
            f.create(String.format("LATER%03d", i));
            f.rotate(String.format("LATER%03d", i), hours(48));
        }
        Instant now = f.clock.instant().plus(hours(2));
        DynamoDbStore store = new DynamoDbStore(table.client(), table.name(), f.config.ttlDelay(), 1);

        table.requests().reset();
        List<String> read = new ArrayList<>();
        for (ExpiringToken token : store.previousTokensExpiring(null, now)) {
            read.add(token.tokenId());
        }
        long fullQueries = table.requests().count("Query");

        assertEquals(expired.size(), read.size(), "no token twice: " + read);
        assertEquals(expired, new HashSet<>(read), "exactly the tokens in range");
        assertTrue(fullQueries > 20, "one item per page: more queries than tokens, " + fullQueries);
        assertEquals(read.size(), store.findPreviousTokensExpiring(null, now).size(), "the list reads the same");

        table.requests().reset();
        Iterator<ExpiringToken> lazy = store.previousTokensExpiring(null, now).iterator();
        assertEquals(0, table.requests().count("Query"), "nothing read before the first item is asked for");
        assertTrue(lazy.hasNext());
        lazy.next();
        assertTrue(table.requests().count("Query") <= TableSchema.EXPIRY_SHARDS,
                "the first item costs the shards up to its own: " + table.requests().count("Query"));
        assertTrue(table.requests().count("Query") < fullQueries);
        assertEquals(1, table.requests().itemsRead(), "one page of one item read so far");
    }
}
