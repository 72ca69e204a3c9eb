package dev.gracekeys.core.events;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A domain event (EventBridge {@code source = gracekeys}, {@code detail-type = type}). The detail
 * holds clientIds, tokenIds, counts and ISO-8601 timestamps: never a token, a hash or the pepper.
 */
public record DomainEvent(String type, Instant time, Map<String, Object> detail) {

    public static final String SOURCE = "gracekeys";

    public static final String CLIENT_CREATED = "ClientCreated";
    public static final String TOKEN_ROTATED = "TokenRotated";
    public static final String PREVIOUS_TOKEN_REVOKED = "PreviousTokenRevoked";
    public static final String PREVIOUS_TOKEN_EXPIRED = "PreviousTokenExpired";
    public static final String PREVIOUS_TOKEN_EXPIRING_SOON = "PreviousTokenExpiringSoon";
    public static final String CLIENT_STATUS_CHANGED = "ClientStatusChanged";
    public static final String BACKFILL_COMPLETED = "BackfillCompleted";

    public DomainEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
        detail = Collections.unmodifiableMap(new LinkedHashMap<>(detail));
    }

    /** Builds the detail in insertion order, skipping null values. */
    public static Builder of(String type, Instant time) {
        return new Builder(type, time);
    }

    public static final class Builder {
        private final String type;
        private final Instant time;
        private final Map<String, Object> detail = new LinkedHashMap<>();

        private Builder(String type, Instant time) {
            this.type = type;
            this.time = time;
        }

        /** Adds a detail field; a null value is left out, an {@link java.time.Instant} is written to the second. */
        public Builder with(String name, Object value) {
            if (value != null) {
                detail.put(name, value instanceof Instant i ? dev.gracekeys.core.model.Times.format(i) : value);
            }
            return this;
        }

        /** The event. */
        public DomainEvent build() {
            return new DomainEvent(type, time, detail);
        }
    }
}
