package dev.gracekeys.bench;

import dev.gracekeys.core.ops.ImportRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Legacy keys to backfill: raw keys in the legacy shape (40 characters, letters and digits), each
 * for its own client. Made up from a seeded generator: benchmark data, not secrets; still, never
 * printed.
 */
final class LegacyKeys {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /**
     * The legacy-key format the benchmarks declare (LEGACY_KEY_PATTERN): these keys, and the
     * function probe's. Only keys matching it cost a read.
     */
    static final String PATTERN = "lk[A-Za-z0-9]{38}|legacy-[a-z0-9-]{16,64}";

    private LegacyKeys() {
    }

    /** Records {@code from} (inclusive) to {@code to} (exclusive), client ids {@code <prefix><n>}. */
    static List<ImportRecord> records(String clientPrefix, int from, int to, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ clientPrefix.hashCode());
        List<ImportRecord> records = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            StringBuilder key = new StringBuilder("lk");
            for (int c = 0; c < 38; c++) {
                key.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            records.add(new ImportRecord(String.format("%s%07d", clientPrefix, i), key.toString(), null, null, null));
        }
        return records;
    }
}
