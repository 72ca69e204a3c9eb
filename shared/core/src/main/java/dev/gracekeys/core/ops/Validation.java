package dev.gracekeys.core.ops;

import dev.gracekeys.core.ValidationException;

import java.time.Duration;
import java.util.regex.Pattern;

/** Input rules. Each failure says which field, what it got (when not secret) and what it accepts. */
public final class Validation {

    public static final int MAX_NAME_LENGTH = 128;
    public static final int MAX_LIST_LIMIT = 100;
    public static final int DEFAULT_LIST_LIMIT = 50;
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Validation() {
    }

    /**
     * A client id: 1-64 of {@code A-Za-z0-9._-}. Never quoted back.
     *
     * @throws dev.gracekeys.core.ValidationException when absent or invalid
     */
    public static String clientId(String clientId) {
        if (clientId == null || clientId.isEmpty()) {
            throw new ValidationException("clientId is required: 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        if (!CLIENT_ID.matcher(clientId).matches()) {
            // Not quoted: a token pasted by mistake must not come back in an error.
            throw new ValidationException("clientId is invalid: use 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        return clientId;
    }

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * A resend id: 1-64 of {@code A-Za-z0-9._-}; {@code null} stays null (no replay). Never quoted back.
     *
     * @throws dev.gracekeys.core.ValidationException when invalid
     */
    public static String requestId(String requestId) {
        if (requestId == null) {
            return null;
        }
        if (!REQUEST_ID.matcher(requestId).matches()) {
            throw new ValidationException("requestId is invalid: use 1-64 characters of A-Z a-z 0-9 . _ - (e.g. a"
                    + " UUID), the same one only to resend the same request");
        }
        return requestId;
    }

    /**
     * A grace window; {@code null} means "not given": {@code whenAbsent} applies.
     *
     * @throws dev.gracekeys.core.ValidationException when below 0 or above {@code max}
     */
    public static Duration graceSeconds(Long seconds, Duration max, Duration whenAbsent) {
        if (seconds == null) {
            return whenAbsent;
        }
        if (seconds < 0 || seconds > max.toSeconds()) {
            throw new ValidationException("graceSeconds must be 0.." + max.toSeconds()
                    + " (MAX_GRACE_SECONDS), got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * A client's display name; {@code null} stays null (no name).
     *
     * @throws dev.gracekeys.core.ValidationException when blank, too long or with control characters
     */
    public static String name(String name) {
        if (name == null) {
            return null;
        }
        if (name.isBlank() || name.length() > MAX_NAME_LENGTH) {
            throw new ValidationException("name must be 1-" + MAX_NAME_LENGTH + " characters and not blank");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new ValidationException("name must not contain control characters (newlines, tabs, ...)");
            }
        }
        return name;
    }

    private static final Pattern SECRET_ID = Pattern.compile("[A-Za-z0-9/_+=.@:-]{1,2048}");

    /**
     * A Secrets Manager secret name or ARN; {@code null} stays null.
     *
     * @throws dev.gracekeys.core.ValidationException when it is not one
     */
    public static String secretId(String secretId) {
        if (secretId == null) {
            return null;
        }
        if (!SECRET_ID.matcher(secretId).matches()) {
            throw new ValidationException("deliverToSecretId must be a Secrets Manager secret name or ARN"
                    + " (1-2048 characters of A-Z a-z 0-9 / _ + = . @ : -)");
        }
        return secretId;
    }

    /**
     * Clients per page: 1..{@value #MAX_LIST_LIMIT}; {@code null} for {@value #DEFAULT_LIST_LIMIT}.
     *
     * @throws dev.gracekeys.core.ValidationException when out of range
     */
    public static int listLimit(Integer limit) {
        if (limit == null) {
            return DEFAULT_LIST_LIMIT;
        }
        if (limit < 1 || limit > MAX_LIST_LIMIT) {
            throw new ValidationException("limit must be 1.." + MAX_LIST_LIMIT + ", got " + limit);
        }
        return limit;
    }

    /** The largest number of seconds a filter or guard takes: ten years. */
    public static final long MAX_WINDOW_SECONDS = 315_360_000L;

    /**
     * A window in seconds of a filter or guard ({@code expiringWithinSeconds}, {@code usedWithinSeconds},
     * {@code ifUnusedForSeconds}); {@code null} stays null (not given).
     *
     * @throws dev.gracekeys.core.ValidationException when negative or above {@value #MAX_WINDOW_SECONDS},
     *                                                naming {@code field}
     */
    public static Long windowSeconds(Long seconds, String field) {
        if (seconds == null) {
            return null;
        }
        if (seconds < 0 || seconds > MAX_WINDOW_SECONDS) {
            throw new ValidationException(field + " must be a whole number of seconds 0.." + MAX_WINDOW_SECONDS
                    + " (e.g. 3600 for an hour), got " + seconds);
        }
        return seconds;
    }

    /**
     * A required flag.
     *
     * @throws dev.gracekeys.core.ValidationException when absent, naming {@code field}
     */
    public static boolean required(Boolean value, String field) {
        if (value == null) {
            throw new ValidationException(field + " is required: true or false");
        }
        return value;
    }

    /** A clientId-ish value as it may be echoed back, or null. */
    static String printableOrNull(String s) {
        return s == null ? null : printable(s);
    }

    /** Echo user input in a message only in a safe, short, printable form. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 70; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return s.length() > 70 ? b + "..." : b.toString();
    }
}
