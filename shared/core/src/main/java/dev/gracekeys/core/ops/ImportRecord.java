package dev.gracekeys.core.ops;

/**
 * One legacy key to import: exactly one of {@code key} (the raw key, hashed here) or
 * {@code sha256} (the legacy system's unpeppered SHA-256, 64 hex digits, when the raw keys are gone).
 */
public record ImportRecord(String clientId, String key, String sha256, String name, String createdAt) {

    @Override
    public String toString() {
        return "ImportRecord[clientId=" + clientId + ", key=<redacted>, sha256=<redacted>]";
    }
}
