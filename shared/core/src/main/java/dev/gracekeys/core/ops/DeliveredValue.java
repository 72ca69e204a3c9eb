package dev.gracekeys.core.ops;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A delivery secret's value: the JSON {@code {"clientId","tokenId","token"}} that token delivery
 * writes (shared/aws' {@code SecretsManagerTokenDelivery}) and rotate-secret writes and reads. Its
 * ids and token are {@code [A-Za-z0-9._-]}, so it needs no escaping and is read here without a JSON
 * library: three string fields, in any order, with optional whitespace; anything else is not a
 * GraceKeys value. {@link #toString()} never shows the token.
 */
record DeliveredValue(String clientId, String tokenId, String token) {

    /** Far above any GraceKeys value: a longer one is not read at all. */
    private static final int MAX_CHARS = 1024;
    private static final Pattern FIELD = Pattern.compile("\\s*\"(clientId|tokenId|token)\"\\s*:\\s*\"([A-Za-z0-9._-]+)\"\\s*");

    /** The value as delivery writes it. */
    String json() {
        return "{\"clientId\":\"" + clientId + "\",\"tokenId\":\"" + tokenId + "\",\"token\":\"" + token + "\"}";
    }

    /** The GraceKeys value {@code value} holds, or {@code null} when it holds anything else (or nothing). */
    static DeliveredValue parse(String value) {
        if (value == null || value.length() > MAX_CHARS) {
            return null;
        }
        String s = value.strip();
        if (s.length() < 2 || s.charAt(0) != '{' || s.charAt(s.length() - 1) != '}') {
            return null;
        }
        Map<String, String> fields = new HashMap<>();
        // No field value may hold a comma or a quote, so the commas split the fields.
        for (String part : s.substring(1, s.length() - 1).split(",", -1)) {
            Matcher m = FIELD.matcher(part);
            if (!m.matches() || fields.put(m.group(1), m.group(2)) != null) {
                return null;
            }
        }
        if (fields.size() != 3) {
            return null;
        }
        return new DeliveredValue(fields.get("clientId"), fields.get("tokenId"), fields.get("token"));
    }

    @Override
    public String toString() {
        return "DeliveredValue[clientId=" + clientId + ", tokenId=" + tokenId + ", token=<redacted>]";
    }
}
