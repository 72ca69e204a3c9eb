package dev.gracekeys.reliability;

import dev.gracekeys.core.token.SecureTokenGenerator;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bad payloads for the ops functions, each invalid by construction (at least one mutation that no
 * other field can make valid), with the long random strings planted in it, so a test can check that
 * no error message echoes them.
 */
final class FuzzPayloads {

    /**
     * A random string put into a payload, and how much of it a message may show: field values
     * nothing ({@link #ECHO_NONE}); an invalid clientId is echoed in printable form up to 70
     * characters, an unknown field name up to 40 (both by design: they name what was wrong).
     */
    record Planted(String value, int maxEcho) {
    }

    static final int ECHO_NONE = 0;
    static final int ECHO_CLIENT_ID = 70;
    static final int ECHO_FIELD_NAME = 40;
    /** Strings shorter than this are not tracked (too short to be a secret, or to be told apart). */
    static final int TRACKED = 16;

    /** A payload and what went into it. */
    record Bad(Object payload, List<String> mutations, List<Planted> planted) {
    }

    enum Kind { CLIENT_ID, GRACE, BOOL, NAME, LIMIT, CURSOR, SECRET_ID }

    /** The fields of each ops function (backfill has its own generator). */
    static final Map<String, Map<String, Kind>> FIELDS = Map.of(
            "rotate", ordered("clientId", Kind.CLIENT_ID, "graceSeconds", Kind.GRACE, "create", Kind.BOOL,
                    "name", Kind.NAME, "deliverToSecretId", Kind.SECRET_ID),
            "revoke-old", ordered("clientId", Kind.CLIENT_ID, "graceSeconds", Kind.GRACE),
            "describe", ordered("clientId", Kind.CLIENT_ID, "limit", Kind.LIMIT, "cursor", Kind.CURSOR),
            "set-status", ordered("clientId", Kind.CLIENT_ID, "active", Kind.BOOL));

    static final List<String> RECORD_FIELDS = List.of("clientId", "key", "sha256", "name", "createdAt");
    static final List<String> BACKFILL_FIELDS = List.of("records", "s3", "dryRun", "cursor");

    private final FuzzInputs in;
    private final SecureTokenGenerator tokens = new SecureTokenGenerator(FuzzInputs.FORMAT);
    private List<Planted> planted;
    private List<String> mutations;

    FuzzPayloads(FuzzInputs in) {
        this.in = in;
    }

    private static Map<String, Kind> ordered(Object... kv) {
        Map<String, Kind> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Kind) kv[i + 1]);
        }
        return m;
    }

    private String plant(String s, int maxEcho) {
        if (s.length() >= TRACKED) {
            planted.add(new Planted(s, maxEcho));
        }
        return s;
    }

    /** A long random string: printable, unicode, control characters, or a token-shaped one. */
    private String longRandom(int maxEcho) {
        String s = switch (in.rnd.nextInt(6)) {
            case 0 -> in.freshAscii(in.between(TRACKED, 200));
            case 1 -> in.unicode(in.between(TRACKED, 80));
            case 2 -> in.controls(in.between(TRACKED, 80));
            case 3 -> in.freshAscii(in.between(5_000, 20_000));
            case 4 -> tokens.next().value(); // shaped like a real token (a secret a caller might misplace)
            default -> in.fromAlphabet(FuzzInputs.LEGACY_CHARS, in.between(TRACKED, 256)); // like a legacy key
        };
        return plant(s, maxEcho);
    }

    private void start() {
        planted = new ArrayList<>();
        mutations = new ArrayList<>();
    }

    // ---------------------------------------------------------------- the four simple functions

    /** A bad payload for rotate, revoke-old, describe or set-status. */
    Bad bad(String function) {
        start();
        if (in.chance(0.06)) {
            mutations.add("not an object");
            return new Bad(notAnObject(), mutations, planted);
        }
        Map<String, Kind> fields = FIELDS.get(function);
        Map<String, Object> p = base(function);
        int n = in.between(1, 3);
        int applied = 0;
        for (int guard = 0; applied < n && guard < 20; guard++) {
            if (mutate(function, fields, p)) {
                applied++;
            }
        }
        return new Bad(p, mutations, planted);
    }

    private Object notAnObject() {
        return switch (in.rnd.nextInt(6)) {
            case 0 -> null;
            case 1 -> longRandom(ECHO_NONE);
            case 2 -> in.rnd.nextLong();
            case 3 -> in.rnd.nextBoolean();
            case 4 -> new ArrayList<>(List.of(Map.of("clientId", "FUZZOPS01")));
            default -> in.junkList(2);
        };
    }

    /** A valid payload to spoil. */
    private Map<String, Object> base(String function) {
        Map<String, Object> p = new LinkedHashMap<>();
        switch (function) {
            case "rotate" -> {
                if (in.rnd.nextBoolean()) {
                    p.put("clientId", "FUZZNEW" + in.rnd.nextInt(1000));
                    p.put("create", true);
                    p.put("name", "Fleet " + in.rnd.nextInt(100));
                } else {
                    p.put("clientId", "FUZZOPS01");
                    if (in.rnd.nextBoolean()) {
                        p.put("graceSeconds", in.between(0, 86_400));
                    }
                }
            }
            case "revoke-old" -> {
                p.put("clientId", "FUZZOPS01");
                if (in.rnd.nextBoolean()) {
                    p.put("graceSeconds", in.between(0, 86_400));
                }
            }
            case "describe" -> {
                switch (in.rnd.nextInt(3)) {
                    case 0 -> p.put("clientId", "FUZZOPS01");
                    case 1 -> p.put("limit", in.between(1, 100));
                    default -> { }
                }
            }
            case "set-status" -> {
                p.put("clientId", "FUZZOPS01");
                p.put("active", in.rnd.nextBoolean());
            }
            default -> throw new IllegalArgumentException(function);
        }
        return p;
    }

    /** Applies one mutation that makes {@code p} invalid; false when the drawn one does not apply. */
    private boolean mutate(String function, Map<String, Kind> fields, Map<String, Object> p) {
        List<String> names = new ArrayList<>(fields.keySet());
        String field = in.pick(names);
        Kind kind = fields.get(field);
        switch (in.rnd.nextInt(5)) {
            case 0 -> {
                p.put(field, wrongType(kind));
                mutations.add("wrong type: " + field);
                return true;
            }
            case 1 -> {
                Object v = badValue(kind);
                if (v == null) {
                    return false;
                }
                p.put(field, v);
                mutations.add("bad value: " + field);
                return true;
            }
            case 2 -> {
                int k = in.between(1, 3);
                for (int i = 0; i < k; i++) {
                    String name = switch (in.rnd.nextInt(5)) {
                        case 0 -> in.pick(List.of("ClientId", "client_id", "gracSeconds", "grace", "Active", "id",
                                "token", "key", "__proto__", "constructor", ""));
                        case 1 -> plant(in.unicode(in.between(TRACKED, 60)), ECHO_FIELD_NAME);
                        case 2 -> plant(in.freshAscii(in.between(TRACKED, 300)), ECHO_FIELD_NAME);
                        case 3 -> plant(in.controls(in.between(TRACKED, 60)), ECHO_FIELD_NAME);
                        default -> "x" + in.rnd.nextInt(1000);
                    };
                    if (!fields.containsKey(name)) {
                        p.put(name, in.chance(0.5) ? longRandom(ECHO_NONE) : in.junkValue(2));
                    }
                }
                mutations.add("unknown field");
                return p.keySet().stream().anyMatch(f -> !fields.containsKey(f));
            }
            case 3 -> {
                return conflict(function, p);
            }
            default -> {
                // a required field missing (only where one is required)
                if (function.equals("describe") || function.equals("rotate") && in.rnd.nextBoolean()) {
                    return false;
                }
                String required = function.equals("set-status") && in.rnd.nextBoolean() ? "active" : "clientId";
                if (p.remove(required) == null && !p.containsKey(required)) {
                    // already absent: that alone makes it invalid
                }
                mutations.add("missing: " + required);
                return true;
            }
        }
    }

    /** Two valid fields that may not go together. */
    private boolean conflict(String function, Map<String, Object> p) {
        switch (function) {
            case "rotate" -> {
                if (Boolean.TRUE.equals(p.get("create"))) {
                    p.put("graceSeconds", in.between(0, 86_400));
                    mutations.add("create with graceSeconds");
                } else {
                    p.put("name", "Fleet " + in.rnd.nextInt(100));
                    mutations.add("name without create");
                }
                return true;
            }
            case "describe" -> {
                p.put("clientId", "FUZZOPS01");
                if (in.rnd.nextBoolean()) {
                    p.put("limit", in.between(1, 100));
                } else {
                    p.put("cursor", Base64.getUrlEncoder().withoutPadding()
                            .encodeToString("FUZZOPS01".getBytes(StandardCharsets.UTF_8)));
                }
                mutations.add("clientId with limit/cursor");
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** A non-null value of a type the field does not take. */
    private Object wrongType(Kind kind) {
        return switch (kind) {
            case CLIENT_ID, NAME, CURSOR, SECRET_ID -> switch (in.rnd.nextInt(8)) {
                case 0 -> in.rnd.nextInt();
                case 1 -> in.rnd.nextLong();
                case 2 -> in.rnd.nextDouble();
                case 3 -> in.rnd.nextBoolean();
                case 4 -> new ArrayList<>(List.of(kind == Kind.CLIENT_ID ? "FUZZOPS01" : longRandom(ECHO_NONE)));
                case 5 -> Map.of("value", longRandom(ECHO_NONE));
                case 6 -> new BigInteger(200, in.rnd);
                default -> in.deep(in.between(1, 200));
            };
            case GRACE, LIMIT -> switch (in.rnd.nextInt(11)) {
                case 0 -> String.valueOf(in.between(1, 100)); // a number, but as a string
                case 1 -> longRandom(ECHO_NONE);
                case 2 -> in.rnd.nextBoolean();
                case 3 -> 1.5;
                case 4 -> 1e20;
                case 5 -> Double.NaN;
                case 6 -> Double.POSITIVE_INFINITY;
                case 7 -> BigInteger.ONE.shiftLeft(in.between(64, 300));
                case 8 -> new ArrayList<>(List.of(60));
                case 9 -> Map.of("seconds", 60);
                default -> -1e300;
            };
            case BOOL -> switch (in.rnd.nextInt(7)) {
                case 0 -> "true";
                case 1 -> "false";
                case 2 -> 1;
                case 3 -> 0;
                case 4 -> new ArrayList<>(List.of(true));
                case 5 -> Map.of("value", true);
                default -> longRandom(ECHO_NONE);
            };
        };
    }

    /** A value of the right type that the field does not accept; null when there is none. */
    private Object badValue(Kind kind) {
        return switch (kind) {
            case CLIENT_ID -> badClientId();
            case GRACE -> switch (in.rnd.nextInt(5)) {
                case 0 -> -1L * in.between(1, 1_000_000);
                case 1 -> 2_592_001L + in.rnd.nextInt(1_000_000);
                case 2 -> Long.MAX_VALUE;
                case 3 -> Long.MIN_VALUE;
                default -> Integer.MIN_VALUE;
            };
            case NAME -> switch (in.rnd.nextInt(4)) {
                case 0 -> in.pick(List.of("", " ", "   ", "\t"));
                case 1 -> plant(in.freshAscii(in.between(129, 5_000)), ECHO_NONE);
                case 2 -> plant("Fleet " + in.controls(in.between(TRACKED, 40)) + "\n", ECHO_NONE);
                default -> plant(in.unicode(in.between(TRACKED, 40)) + "\u0000", ECHO_NONE);
            };
            case LIMIT -> switch (in.rnd.nextInt(5)) {
                case 0 -> 0;
                case 1 -> -in.between(1, 1_000_000);
                case 2 -> in.between(101, Integer.MAX_VALUE - 1);
                case 3 -> (long) Integer.MAX_VALUE + in.between(1, 1_000_000);
                default -> Long.MIN_VALUE;
            };
            case CURSOR -> switch (in.rnd.nextInt(4)) {
                case 0 -> plant(in.freshAscii(in.between(TRACKED, 300)) + "!", ECHO_NONE); // not base64url
                case 1 -> Base64.getUrlEncoder().withoutPadding().encodeToString(
                        plant(badClientId() + "", ECHO_NONE).getBytes(StandardCharsets.UTF_8)); // base64 of garbage
                case 2 -> "";
                default -> plant(in.unicode(in.between(TRACKED, 60)), ECHO_NONE);
            };
            case SECRET_ID -> switch (in.rnd.nextInt(4)) {
                case 0 -> "";
                case 1 -> plant("gracekeys/" + in.unicode(in.between(TRACKED, 40)), ECHO_NONE);
                case 2 -> plant("gracekeys/" + in.fromAlphabet("abc", 2_050), ECHO_NONE);
                default -> plant("gracekeys/ " + longRandom(ECHO_NONE), ECHO_NONE);
            };
            case BOOL -> null;
        };
    }

    /** A string that is not a valid clientId (1-64 of A-Z a-z 0-9 . _ -). */
    String badClientId() {
        String valid = in.fromAlphabet(FuzzInputs.BASE62 + "._-", in.between(1, 60));
        return switch (in.rnd.nextInt(7)) {
            case 0 -> "";
            case 1 -> plant(in.fromAlphabet(FuzzInputs.BASE62, in.between(65, 400)), ECHO_CLIENT_ID); // too long
            case 2 -> plant(valid + in.pick(List.of(" ", "/", "#", "!", "\u00e9", "\u0000", "\n", "\u202E", "\uD800"))
                    + valid, ECHO_CLIENT_ID);
            case 3 -> plant(in.unicode(in.between(1, 60)) + "\u00e9", ECHO_CLIENT_ID);
            case 4 -> plant(in.controls(in.between(1, 60)) + "\u0001", ECHO_CLIENT_ID);
            case 5 -> plant(in.freshAscii(in.between(5_000, 20_000)) + " ", ECHO_CLIENT_ID);
            default -> in.pick(List.of("CLIENT#FUZZOPS01", "TOKEN#abc", "FUZZOPS01 ", " FUZZOPS01", "FUZZ OPS",
                    "../FUZZOPS01", "FUZZOPS01\u0000"));
        };
    }

    // ---------------------------------------------------------------- backfill

    /** A backfill payload that fails as a whole (a ValidationException). */
    Bad badBackfill() {
        start();
        if (in.chance(0.08)) {
            mutations.add("not an object");
            return new Bad(notAnObject(), mutations, planted);
        }
        Map<String, Object> p = new LinkedHashMap<>();
        if (in.rnd.nextBoolean()) {
            p.put("records", new ArrayList<>(List.of(validRecord())));
        }
        if (in.chance(0.3)) {
            p.put("dryRun", in.rnd.nextBoolean());
        }
        switch (in.rnd.nextInt(7)) {
            case 0 -> {
                Object notAList = wrongType(Kind.CLIENT_ID);
                while (notAList instanceof List<?>) {
                    notAList = wrongType(Kind.CLIENT_ID);
                }
                p.put("records", notAList);
                mutations.add("records not an array");
            }
            case 1 -> {
                p.put("s3", in.pick(List.of(longRandom(ECHO_NONE), 42, true, new ArrayList<>(List.of("b", "k")))));
                mutations.add("s3 not an object");
            }
            case 2 -> {
                p.put("s3", badS3());
                mutations.add("s3 invalid");
            }
            case 3 -> {
                p.put("records", new ArrayList<>(List.of(validRecord())));
                p.put("s3", new LinkedHashMap<>(Map.of("bucket", "gracekeys-import", "key", "legacy.jsonl")));
                mutations.add("records and s3");
            }
            case 4 -> {
                p.remove("records");
                mutations.add("neither records nor s3");
            }
            case 5 -> {
                p.put("dryRun", wrongType(Kind.BOOL));
                mutations.add("dryRun wrong type");
            }
            default -> {
                p.put("cursor", in.pick(List.of("-1", "abc", "1.5", " 1", "1 ", "99999999999", "", "0x10",
                        plant(in.freshAscii(in.between(TRACKED, 200)) + "x", ECHO_NONE))));
                if (in.rnd.nextBoolean()) {
                    p.put("cursor", wrongType(Kind.CURSOR));
                }
                mutations.add("cursor invalid");
            }
        }
        if (in.chance(0.2)) {
            p.put(plant(in.unicode(in.between(TRACKED, 40)), ECHO_FIELD_NAME), longRandom(ECHO_NONE));
            mutations.add("unknown field");
        }
        return new Bad(p, mutations, planted);
    }

    /** An s3 location that fails validation before any S3 call. */
    private Object badS3() {
        Map<String, Object> s3 = new LinkedHashMap<>();
        switch (in.rnd.nextInt(5)) {
            case 0 -> s3.put("bucket", "gracekeys-import"); // no key
            case 1 -> s3.put("key", "legacy.jsonl"); // no bucket
            case 2 -> {
                s3.put("bucket", in.pick(List.of("", "  ", "\t")));
                s3.put("key", "legacy.jsonl");
            }
            case 3 -> {
                s3.put("bucket", wrongType(Kind.CLIENT_ID));
                s3.put("key", "legacy.jsonl");
            }
            default -> {
                s3.put("bucket", "gracekeys-import");
                s3.put("key", "legacy.jsonl");
                s3.put(plant(in.freshAscii(in.between(TRACKED, 100)), ECHO_FIELD_NAME), longRandom(ECHO_NONE));
            }
        }
        return s3;
    }

    private Map<String, Object> validRecord() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("clientId", "FUZZBF" + in.rnd.nextInt(100_000));
        r.put("key", plant(in.fromAlphabet(FuzzInputs.BASE62, 32), ECHO_NONE));
        return r;
    }

    /** A backfill payload of records that are all invalid: answered with one rejection each. */
    Bad badRecords(int count) {
        start();
        List<Object> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(badRecord());
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("records", records);
        if (in.rnd.nextBoolean()) {
            p.put("dryRun", in.rnd.nextBoolean());
        }
        return new Bad(p, mutations, planted);
    }

    private Object badRecord() {
        if (in.chance(0.08)) {
            mutations.add("record not an object");
            return in.pick(java.util.Arrays.asList(null, longRandom(ECHO_NONE), 7, true, new ArrayList<>(List.of("k"))));
        }
        Map<String, Object> r = validRecord();
        if (in.rnd.nextBoolean()) {
            r.remove("key");
            r.put("sha256", in.fromAlphabet("0123456789abcdef", 64));
            plant((String) r.get("sha256"), ECHO_NONE);
        }
        if (in.chance(0.3)) {
            r.put("name", "Legacy fleet");
        }
        if (in.chance(0.3)) {
            r.put("createdAt", "2024-01-31T12:00:00Z");
        }
        switch (in.rnd.nextInt(9)) {
            case 0 -> {
                r.put("clientId", in.chance(0.2) ? null : badClientId());
                mutations.add("record clientId");
            }
            case 1 -> {
                r.put(in.pick(RECORD_FIELDS), wrongType(Kind.CLIENT_ID));
                mutations.add("record field type");
            }
            case 2 -> {
                r.put(in.rnd.nextBoolean() ? "token" : plant(in.freshAscii(in.between(TRACKED, 50)), ECHO_FIELD_NAME),
                        longRandom(ECHO_NONE));
                mutations.add("record unknown field");
            }
            case 3 -> {
                r.put("key", plant(in.fromAlphabet(FuzzInputs.BASE62, 40), ECHO_NONE));
                r.put("sha256", plant(in.fromAlphabet("0123456789abcdef", 64), ECHO_NONE));
                mutations.add("record key and sha256");
            }
            case 4 -> {
                r.remove("key");
                r.remove("sha256");
                mutations.add("record neither key nor sha256");
            }
            case 5 -> {
                r.remove("sha256");
                r.put("key", switch (in.rnd.nextInt(6)) {
                    case 0 -> plant(in.fromAlphabet(FuzzInputs.BASE62, in.between(1, 15)), ECHO_NONE);       // too short
                    case 1 -> plant(in.fromAlphabet(FuzzInputs.BASE62, in.between(257, 3000)), ECHO_NONE);  // too long
                    case 2 -> plant(in.fromAlphabet(FuzzInputs.BASE62, 30) + "!" + in.freshAscii(20), ECHO_NONE);
                    case 3 -> plant("gk_" + in.fromAlphabet(FuzzInputs.BASE62, 40), ECHO_NONE);             // prefix, not a token
                    case 4 -> plant(in.unicode(in.between(TRACKED, 60)), ECHO_NONE);
                    default -> plant(in.fromAlphabet(FuzzInputs.BASE62, 20) + "\u0000" + in.controls(10), ECHO_NONE);
                });
                mutations.add("record key malformed");
            }
            case 6 -> {
                r.remove("key");
                r.put("sha256", switch (in.rnd.nextInt(4)) {
                    case 0 -> plant(in.fromAlphabet("0123456789abcdef", 63), ECHO_NONE);
                    case 1 -> plant(in.fromAlphabet("0123456789abcdef", 65), ECHO_NONE);
                    case 2 -> plant(in.fromAlphabet("0123456789abcdefg", 63) + "g", ECHO_NONE);
                    default -> plant(in.fromAlphabet("0123456789abcdef", 63) + "\u0661", ECHO_NONE); // Arabic-Indic one
                });
                mutations.add("record sha256 malformed");
            }
            case 7 -> {
                r.put("name", in.pick(List.of("", "  ", plant(in.freshAscii(200), ECHO_NONE), "line\nbreak")));
                mutations.add("record name");
            }
            default -> {
                r.put("createdAt", in.pick(List.of("yesterday", "2024-13-01T00:00:00Z", "1700000000", "2024-01-31",
                        "2024-01-31T12:00:00+25:00", plant(in.unicode(in.between(TRACKED, 40)), ECHO_NONE))));
                mutations.add("record createdAt");
            }
        }
        return r;
    }

    // ---------------------------------------------------------------- checks

    /**
     * How long a run of a planted string a text must show to count as an echo beyond the allowed:
     * 16 characters for a value that may not be shown at all; for a clientId or field name, shown cut
     * at {@code maxEcho}, 8 more than that (a cut echo followed by, say, {@code ", "} or {@code "..."}
     * matches one character more whenever the string happens to go on with that character).
     */
    static int window(Planted p) {
        return p.maxEcho() == ECHO_NONE ? TRACKED : p.maxEcho() + 8;
    }

    /** The first planted string a text shows more of than allowed ({@link #window}), or null. */
    static String echoed(String text, List<Planted> planted) {
        Map<Integer, java.util.Set<String>> windowsOfText = new java.util.HashMap<>();
        for (Planted p : planted) {
            int window = window(p);
            String v = p.value();
            if (v.length() < window) {
                continue; // may be shown whole (an invalid clientId or field name, shorter than the limit)
            }
            java.util.Set<String> windows = windowsOfText.computeIfAbsent(window, w -> {
                java.util.Set<String> set = new java.util.HashSet<>();
                for (int i = 0; i + w <= text.length(); i++) {
                    set.add(text.substring(i, i + w));
                }
                return set;
            });
            if (windows.isEmpty()) {
                continue;
            }
            for (int i = 0; i + window <= v.length(); i++) {
                if (windows.contains(v.substring(i, i + window))) {
                    return v;
                }
            }
        }
        return null;
    }
}
