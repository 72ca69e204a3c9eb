package dev.gracekeys.core.store;

import java.time.Instant;
import java.util.Map;

/**
 * The stored answer of a state-changing ops call made with a {@code requestId}: a resend of the
 * same request within {@link #WINDOW} gets this answer back and changes nothing. Written in the
 * same transaction as the change it answers, so there is never a change without its replay, nor
 * a replay without its change.
 *
 * @param requestId   the caller's id (1-64 of {@code A-Za-z0-9._-})
 * @param fingerprint what the request asked for (operation and parameters), so the same
 *                    {@code requestId} with other parameters is refused rather than replayed
 * @param recordedAt  when the first call was handled
 * @param fields      the answer's fields; a token among them only encrypted ({@code ReplayCipher})
 */
public record Replay(String requestId, String fingerprint, Instant recordedAt, Map<String, String> fields) {

    /** How long a requestId is remembered. */
    public static final java.time.Duration WINDOW = java.time.Duration.ofMinutes(15);

    public Replay {
        fields = Map.copyOf(fields);
    }

    /** Whether this replay still answers a resend at {@code now}. */
    public boolean liveAt(Instant now) {
        return now.isBefore(recordedAt.plus(WINDOW));
    }

    @Override
    public String toString() {
        return "Replay[requestId=" + requestId + ", recordedAt=" + recordedAt + ", fields=" + fields.keySet() + "]";
    }
}
