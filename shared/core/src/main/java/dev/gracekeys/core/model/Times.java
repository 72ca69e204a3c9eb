package dev.gracekeys.core.model;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Times are kept to the second: {@code Instant.toString()} of a whole second is always
 * {@code yyyy-MM-ddTHH:mm:ssZ}, so stored timestamps compare correctly as strings (the expiry index
 * sorts on them) and print as ISO-8601 UTC.
 */
public final class Times {

    private Times() {
    }

    /** {@code t} truncated to the second. */
    public static Instant second(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS);
    }

    /** {@code t} to the second, as ISO-8601 UTC ({@code yyyy-MM-ddTHH:mm:ssZ}). */
    public static String format(Instant t) {
        return t == null ? null : second(t).toString();
    }

    /**
     * An ISO-8601 instant, as {@link #format} writes it.
     *
     * @throws java.time.format.DateTimeParseException when it is not one
     */
    public static Instant parse(String s) {
        return s == null ? null : Instant.parse(s);
    }
}
