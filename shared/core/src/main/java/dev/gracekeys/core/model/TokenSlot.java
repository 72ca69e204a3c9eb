package dev.gracekeys.core.model;

import java.util.Locale;

/** Which slot of its client a token is in. */
public enum TokenSlot {
    CURRENT, PREVIOUS;

    /** The wire name: {@code current} or {@code previous}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The slot of a stored name ({@code current}, {@code previous}).
     *
     * @throws IllegalArgumentException when it names no slot
     */
    public static TokenSlot fromWireName(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
