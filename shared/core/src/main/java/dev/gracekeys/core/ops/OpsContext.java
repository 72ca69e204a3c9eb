package dev.gracekeys.core.ops;

import dev.gracekeys.core.ClientNotFoundException;
import dev.gracekeys.core.GraceKeysConfig;
import dev.gracekeys.core.ValidationException;
import dev.gracekeys.core.events.EventPublisher;
import dev.gracekeys.core.metrics.Metrics;
import dev.gracekeys.core.model.ClientRecord;
import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.store.ClientStore;
import dev.gracekeys.core.store.Replay;
import dev.gracekeys.core.token.PepperRing;
import dev.gracekeys.core.token.TokenFormat;
import dev.gracekeys.core.token.TokenGenerator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What the ops operations share: their collaborators, and the steps every one of them takes
 * (validate a requestId, find its replay, read the client, take the time).
 */
final class OpsContext {

    /** The head of a resend's message. */
    static final String REPLAYED = "Already done: this requestId was handled at %s, and this resend"
            + " changed nothing. ";

    final ClientStore store;
    final PepperRing peppers;
    final TokenGenerator tokens;
    final Clock clock;
    final GraceKeysConfig config;
    final ChangeApplier changes;
    final TokenDelivery delivery;
    final ReplayCipher cipher;
    final Metrics metrics;

    OpsContext(ClientStore store, PepperRing peppers, TokenGenerator tokens, EventPublisher events, Clock clock,
               GraceKeysConfig config, TokenDelivery delivery, Metrics metrics) {
        this.store = store;
        this.peppers = peppers;
        this.tokens = tokens;
        this.clock = clock;
        this.config = config;
        this.delivery = delivery;
        this.metrics = metrics;
        this.changes = new ChangeApplier(store, events, metrics);
        this.cipher = new ReplayCipher(peppers);
    }

    /** The request's requestId, validated; null when absent. */
    String requestId(String requestId) {
        String id = Validation.requestId(requestId);
        if (id != null && looksLikeToken(id)) {
            throw new ValidationException("requestId looks like a token (it has the token prefix and checksum):"
                    + " requestIds are stored and logged; use a fresh id such as a UUID");
        }
        return id;
    }

    /** What a request asked for: the same requestId with another fingerprint is refused. */
    static String fingerprint(Object... parts) {
        StringBuilder b = new StringBuilder();
        for (Object p : parts) {
            b.append(p == null ? "\u0001" : p.toString()).append('\u0000');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** The live replay of this requestId (null if none), refusing one recorded for another request. */
    Replay replay(String requestId, String fingerprint, Instant now) {
        if (requestId == null) {
            return null;
        }
        Replay r = store.findReplay(requestId).filter(x -> x.liveAt(now)).orElse(null);
        if (r != null && !r.fingerprint().equals(fingerprint)) {
            throw new ValidationException("this requestId was used within the last 15 minutes for a different"
                    + " request, so nothing was changed: use a new requestId for each new request, and the same one"
                    + " only to resend the very same request");
        }
        return r;
    }

    /** The stored client, or ClientNotFoundException with a message that never echoes a secret. */
    ClientRecord existing(String clientId) {
        return store.findClient(clientId).orElseThrow(() -> {
            if (looksLikeToken(clientId)) {
                // A token pasted as clientId: say so, without quoting it back.
                return new ClientNotFoundException("no such client: the clientId given looks like a token, not a"
                        + " client id; describe lists clients");
            }
            if (looksLikeLegacyKey(clientId)) {
                // Maybe a legacy key pasted as clientId: an unknown id of that shape is never quoted back.
                return new ClientNotFoundException("no such client: the clientId given is unknown and has the shape"
                        + " of a legacy key (LEGACY_KEY_PATTERN), so it is not shown here; check the id (describe"
                        + " lists clients)");
            }
            return new ClientNotFoundException("no client '" + clientId + "': check the id (describe lists"
                    + " clients), or create it with {\"clientId\":\"" + clientId + "\",\"create\":true}");
        });
    }

    /** A legacy key's shape where a client id belongs: never echo it. */
    boolean looksLikeLegacyKey(String clientId) {
        return config.tokenFormat().classify(clientId) == TokenFormat.Kind.LEGACY;
    }

    /** A GraceKeys token (prefix and valid checksum) where an id belongs: never echo or store it. */
    boolean looksLikeToken(String id) {
        return config.tokenFormat().classify(id) == TokenFormat.Kind.GRACEKEYS;
    }

    /** The time of an operation, to the second (as the table keeps it). */
    Instant now() {
        return Times.second(clock.instant());
    }
}
