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

    public static Instant second(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS);
    }

    public static String format(Instant t) {
        return t == null ? null : second(t).toString();
    }

    public static Instant parse(String s) {
        return s == null ? null : Instant.parse(s);
    }
}
