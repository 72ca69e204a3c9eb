package dev.gracekeys.core.model;

import java.util.Locale;

/** Which slot of its client a token is in. */
public enum TokenSlot {
    CURRENT, PREVIOUS;

    /** The wire name: {@code current} or {@code previous}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TokenSlot fromWireName(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
