package dev.gracekeys.lambda;

import dev.gracekeys.core.model.Times;
import dev.gracekeys.core.model.TokenSlot;

import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the core's result records into what the Lambda runtime serializes as the response: maps in
 * component order, ISO-8601 UTC strings for instants, wire names for slots. Null stays null, so
 * {@code "previous": null} is there as DESIGN.md shows it.
 */
public final class JsonShapes {

    private JsonShapes() {
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(Object result) {
        Object shaped = shape(result);
        if (!(shaped instanceof Map)) {
            throw new IllegalArgumentException("a function result must be a record or a map");
        }
        return (Map<String, Object>) shaped;
    }

    static Object shape(Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Instant i) {
            return Times.format(i);
        }
        if (v instanceof TokenSlot s) {
            return s.wireName();
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v instanceof Record r) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    m.put(c.getName(), shape(c.getAccessor().invoke(r)));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + c.getName(), e);
                }
            }
            return m;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> m = new LinkedHashMap<>();
            map.forEach((k, val) -> m.put(String.valueOf(k), shape(val)));
            return m;
        }
        if (v instanceof Iterable<?> it) {
            List<Object> l = new ArrayList<>();
            it.forEach(x -> l.add(shape(x)));
            return l;
        }
        throw new IllegalArgumentException("cannot shape a " + v.getClass().getSimpleName() + " as JSON");
    }
}
