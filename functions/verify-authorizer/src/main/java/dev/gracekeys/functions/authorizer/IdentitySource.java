package dev.gracekeys.functions.authorizer;

import java.util.Locale;

/**
 * The header the API passes to the authorizer and caches its decision under: template.yaml's
 * {@code AuthorizerIdentitySource}, given to the function as {@code IDENTITY_SOURCE}
 * ({@code $request.header.Authorization} or {@code $request.header.x-api-key}; the bare header name
 * is accepted too). The authorizer reads the token from this header and from no other.
 */
enum IdentitySource {

    /** {@code Authorization: Bearer <token>} (the default). */
    AUTHORIZATION("authorization"),
    /** {@code x-api-key: <token>}. */
    X_API_KEY("x-api-key");

    static final String SETTING = "IDENTITY_SOURCE";
    private static final String PREFIX = "$request.header.";

    private final String header;

    IdentitySource(String header) {
        this.header = header;
    }

    /** The header's name, lower case. */
    String header() {
        return header;
    }

    /** From the setting's value; {@code null} gives the default. A bad value fails the start-up. */
    static IdentitySource fromSetting(String value) {
        if (value == null || value.isBlank()) {
            return AUTHORIZATION;
        }
        String v = value.trim();
        String name = (v.regionMatches(true, 0, PREFIX, 0, PREFIX.length()) ? v.substring(PREFIX.length()) : v)
                .toLowerCase(Locale.ROOT);
        for (IdentitySource s : values()) {
            if (s.header.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException(SETTING + " must be $request.header.Authorization or"
                + " $request.header.x-api-key (the API's AuthorizerIdentitySource), got '"
                + (v.length() > 64 ? v.substring(0, 64) + "..." : v) + "'");
    }
}
