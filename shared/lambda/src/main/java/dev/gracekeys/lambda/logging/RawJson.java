package dev.gracekeys.lambda.logging;

import java.util.Objects;

/**
 * A key/value pair's value that {@link JsonLineEncoder} writes unchanged: the caller promises it
 * is one well-formed JSON value (EmfMetrics' {@code _aws} member, built from fixed text and numbers).
 */
public record RawJson(String json) {

    public RawJson {
        Objects.requireNonNull(json, "json");
    }

    @Override
    public String toString() {
        return json;
    }
}
