package dev.gracekeys.core.token;

/**
 * A freshly generated token. {@link #value()} is shown to the caller once and never stored or
 * logged; {@link #toString()} shows only the {@link #tokenId()}, so the value cannot leak through a
 * log line or an exception message by accident.
 */
public record IssuedToken(String value, String tokenId) {

    @Override
    public String toString() {
        return "IssuedToken[tokenId=" + tokenId + ", value=<redacted>]";
    }
}
