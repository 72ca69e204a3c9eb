package dev.gracekeys.core.events;

/**
 * JSON text without a JSON library: the one string escaper the event publisher (event details) and
 * the functions' log encoder share, so neither start-up pays for Jackson.
 */
public final class JsonText {

    private JsonText() {
    }

    /** Appends {@code s} as a JSON string (RFC 8259 escapes), or {@code null} for null; returns {@code b}. */
    public static StringBuilder quote(StringBuilder b, String s) {
        if (s == null) {
            return b.append("null");
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }
}
