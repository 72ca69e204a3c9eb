package dev.gracekeys.core.model;

import java.util.Locale;

/**
 * Which slot of its client a token is in. {@code PENDING}: staged by a scheduled rotation
 * (rotate-secret), verifying like the current token until promoted or expired.
 */
public enum TokenSlot {
    CURRENT, PREVIOUS, PENDING;

    /** The stored name: {@code current}, {@code previous} or {@code pending}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The slot of a stored name ({@code current}, {@code previous}, {@code pending}).
     *
     * @throws IllegalArgumentException when it names no slot
     */
    public static TokenSlot fromWireName(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
