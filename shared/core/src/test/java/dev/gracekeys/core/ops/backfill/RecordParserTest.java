package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.testing.Fixture;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenFormat;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parser alone: validation, hashing, and which clientIds may be shown. No store. */
class RecordParserTest {

    private static final String KEY = "legacyKey-0123456789abcdef";
    private static final String SHA = "a".repeat(64);
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00.750Z");

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final RecordParser legacy = parser(new TokenFormat("gk_", Pattern.compile(Fixture.LEGACY_KEYS)));
    private final RecordParser noLegacyPattern = parser(TokenFormat.defaults());

    private RecordParser parser(TokenFormat format) {
        return new RecordParser(PepperRing.fixed(Fixture.PEPPER), format, clock, s -> s);
    }

    @Test
    void aRawKeyIsHashedUnderTheOnePepperAndTheClientGetsItAsCurrentToken() {
        ParsedRecord p = legacy.parse(new ImportRecord("DEV01", KEY, null, "Device 1", null));

        assertEquals("DEV01", p.clientId());
        assertEquals("DEV01", p.shownId());
        assertEquals("Device 1", p.name());
        assertEquals(1, p.keys().size(), "one pepper, one key");
        assertTrue(p.otherKeys().isEmpty());
        assertEquals(p.keys().get(0), p.ref().key());
        assertEquals(Instant.parse("2025-03-01T10:00:00Z"), p.ref().createdAt(), "now, to the second");
        assertNull(p.ref().expiresAt());
        assertFalse(p.toString().contains(p.keys().get(0).value()), "no hash in toString");
    }

    @Test
    void theSameKeyGivesTheSameHashAndAnotherKeyAnother() {
        ParsedRecord a = legacy.parse(new ImportRecord("A", KEY, null, null, null));
        ParsedRecord b = legacy.parse(new ImportRecord("B", KEY, null, null, null));
        ParsedRecord c = legacy.parse(new ImportRecord("C", KEY + "x", null, null, null));

        assertEquals(a.keys(), b.keys());
        assertNotEquals(a.keys(), c.keys());
    }

    @Test
    void createdAtIsTakenFromTheRecordToTheSecond() {
        ParsedRecord p = legacy.parse(new ImportRecord("DEV01", KEY, null, null, "2020-01-31T12:00:00.900Z"));

        assertEquals(Instant.parse("2020-01-31T12:00:00Z"), p.ref().createdAt());
    }

    @Test
    void aSha256IsImportedOnlyWhenLegacyKeysAreDeclared() {
        ParsedRecord p = legacy.parse(new ImportRecord("DEV01", null, SHA, null, null));
        assertEquals(1, p.keys().size());

        ValidationException e = assertThrows(ValidationException.class,
                () -> noLegacyPattern.parse(new ImportRecord("DEV01", null, SHA, null, null)));
        assertTrue(e.getMessage().contains("LEGACY_KEY_PATTERN is not set"), e.getMessage());
    }

    @Test
    void invalidRecordsAreRefusedWithoutQuotingTheKey() {
        assertRejected(null, "the record is empty");
        assertRejected(new ImportRecord("DEV01", null, null, null, null), "give exactly one of key");
        assertRejected(new ImportRecord("DEV01", KEY, SHA, null, null), "give exactly one of key");
        assertRejected(new ImportRecord("DEV01", "short", null, null, null), "key cannot be verified later");
        assertRejected(new ImportRecord("DEV01", null, "xyz", null, null), "sha256 must be 64 hexadecimal digits");
        assertRejected(new ImportRecord("DEV01", KEY, null, null, "yesterday"), "createdAt must be an ISO-8601");
        assertRejected(new ImportRecord(null, KEY, null, null, null), "clientId is required");
        assertRejected(new ImportRecord("no spaces", KEY, null, null, null), "clientId is invalid");
    }

    @Test
    void aClientIdThatLooksLikeAKeyIsNeverShown() {
        ParsedRecord p = legacy.parse(new ImportRecord(KEY, KEY, null, null, null));

        assertEquals(KEY, p.clientId());
        assertNull(p.shownId(), "a legacy key pasted into the clientId column");
        assertNull(legacy.shownOrNull(KEY));
        assertEquals("DEV01", legacy.shownOrNull("DEV01"));
        assertNull(legacy.shownOrNull(null));
    }

    private void assertRejected(ImportRecord record, String reason) {
        ValidationException e = assertThrows(ValidationException.class, () -> legacy.parse(record));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "the key is never quoted: " + e.getMessage());
    }
}
