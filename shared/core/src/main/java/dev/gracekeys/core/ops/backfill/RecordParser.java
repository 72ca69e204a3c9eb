package dev.gracekeys.core.ops.backfill;

import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenRef;
import dev.gracekeys.core.ops.ImportRecord;
import dev.gracekeys.core.ops.Validation;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenHasher;
import dev.gracekeys.core.token.TokenKey;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Turns an {@link ImportRecord} into a {@link ParsedRecord}: validates it, hashes its key under
 * every pepper of the ring's view (the pepper for new tokens first), and decides whether its
 * clientId may be shown. No I/O; the key is never kept in a message.
 */
public final class RecordParser {

    private final PepperRing peppers;
    private final TokenFormat format;
    private final Clock clock;
    private final UnaryOperator<String> printable;

    /**
     * @param printable a clientId as it may be echoed in a message (short, printable), or null for null
     */
    public RecordParser(PepperRing peppers, TokenFormat format, Clock clock, UnaryOperator<String> printable) {
        this.peppers = Objects.requireNonNull(peppers, "peppers");
        this.format = Objects.requireNonNull(format, "format");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.printable = Objects.requireNonNull(printable, "printable");
    }

    /**
     * The clientId as it may be shown, or {@code null} if it looks like a key (a GraceKeys token, or
     * a key of the declared legacy format): a key column pasted into the clientId column by mistake
     * must not come back in a result or a log.
     */
    public String shownOrNull(String clientId) {
        if (clientId == null || format.classify(clientId) != TokenFormat.Kind.MALFORMED) {
            return null;
        }
        return printable.apply(clientId);
    }

    /**
     * Validates and hashes one record.
     *
     * @throws ValidationException if the record is not valid (the message says why and never quotes the key)
     * @throws RuntimeException    from the pepper ring if a pepper is unavailable (the run must stop)
     */
    public ParsedRecord parse(ImportRecord r) {
        if (r == null) {
            throw new ValidationException("the record is empty: give clientId and key or sha256");
        }
        String clientId = Validation.clientId(r.clientId());
        String name = Validation.name(r.name());
        TokenFormat.Kind kind = keyKind(r);
        Instant createdAt;
        try {
            createdAt = r.createdAt() == null ? Times.second(clock.instant()) : Times.second(Instant.parse(r.createdAt()));
        } catch (DateTimeParseException e) {
            throw new ValidationException("createdAt must be an ISO-8601 UTC time like 2024-01-31T12:00:00Z");
        }
        // One view for the whole record: the pepper for new tokens first, then every other one it knows.
        PepperRing.View view = peppers.view();
        TokenHasher forNew = view.forNewTokens(clock.instant());
        List<TokenKey> keys = new ArrayList<>(2);
        keys.add(keyOf(forNew, r, kind));
        for (TokenHasher h : view.lookup()) {
            if (!h.equals(forNew)) {
                TokenKey k = keyOf(h, r, kind);
                if (!keys.contains(k)) {
                    keys.add(k);
                }
            }
        }
        TokenKey key = keys.get(0);
        String tokenId = kind == TokenFormat.Kind.GRACEKEYS ? format.tokenIdOf(r.key()) : TokenHasher.legacyTokenId(key);
        return new ParsedRecord(clientId, shownOrNull(clientId), name, keys, new TokenRef(key, tokenId, createdAt, null));
    }

    /** The raw key's kind, or {@code null} for a record given by its legacy SHA-256. */
    private TokenFormat.Kind keyKind(ImportRecord r) {
        boolean hasKey = r.key() != null;
        boolean hasSha = r.sha256() != null;
        if (hasKey == hasSha) {
            throw new ValidationException("give exactly one of key (the raw legacy key) or sha256 (its unpeppered"
                    + " SHA-256, 64 hex digits)");
        }
        if (hasKey) {
            TokenFormat.Kind kind = format.classify(r.key());
            if (kind == TokenFormat.Kind.MALFORMED) {
                throw new ValidationException("key cannot be verified later: a legacy key must be 16-256 characters of"
                        + " A-Z a-z 0-9 . _ ~ + / = - and must not start with the token prefix '" + format.prefix()
                        + "' unless it is a complete GraceKeys token, and must match LEGACY_KEY_PATTERN in full");
            }
            return kind;
        }
        if (!TokenHasher.isSha256Hex(r.sha256())) {
            throw new ValidationException("sha256 must be 64 hexadecimal digits (the legacy SHA-256 of the key)");
        }
        if (!format.legacyTokens()) {
            throw new ValidationException("LEGACY_KEY_PATTERN is not set, so a key imported by its SHA-256 could"
                    + " never verify: set LEGACY_KEY_PATTERN for the functions to the legacy keys' format,"
                    + " then import again");
        }
        return null;
    }

    private static TokenKey keyOf(TokenHasher hasher, ImportRecord r, TokenFormat.Kind kind) {
        return kind != null ? hasher.keyOf(r.key(), kind) : hasher.keyOfLegacySha256(r.sha256());
    }
}
