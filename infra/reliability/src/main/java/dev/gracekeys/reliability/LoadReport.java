package dev.gracekeys.reliability;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The tally of a load run: every push by what the ground truth says it must get and what it got.
 * Printed as {@code metric: value unit} lines.
 */
public final class LoadReport {

    /** What a push got. */
    enum Got { ALLOWED_CURRENT, ALLOWED_PREVIOUS, ALLOWED_UNEXPECTED_BODY, DENIED, OTHER_STATUS, IO_ERROR }

    private static final int BUCKETS_PER_MS = 10;
    private static final int MAX_MS = 15_000;

    private final Map<LoadModel.Expect, long[]> byExpect = new EnumMap<>(LoadModel.Expect.class);
    private final long[] latency = new long[MAX_MS * BUCKETS_PER_MS + 1];
    private final List<String> samples = new ArrayList<>();
    long pushes;
    long allowed;
    long denied;
    long errors;
    /** Pushes sent a second time because the server closed the connection without answering. */
    long transportRetries;
    long falseDenials;
    long falseAllows;
    long wrongSlot;
    long overlappingAllowed;
    long overlappingDenied;
    long rotations;
    long graceZeroRotations;
    long clockMoves;
    long clockMovedSeconds;
    long revokes;
    long revokesThatRevoked;
    long pushersStarted;
    int pushersAtOnce;
    long tokens;
    double seconds;
    String stoppedBecause = "all rotations done";

    LoadReport() {
        for (LoadModel.Expect e : LoadModel.Expect.values()) {
            byExpect.put(e, new long[Got.values().length]);
        }
    }

    /** Counts one push and judges it. */
    void add(LoadModel.Expect expect, Got got, long latencyMicros, LoadModel.Token token, long start, long end) {
        pushes++;
        byExpect.get(expect)[got.ordinal()]++;
        latency[(int) Math.min(latency.length - 1, latencyMicros * BUCKETS_PER_MS / 1000)]++;
        boolean allow = got == Got.ALLOWED_CURRENT || got == Got.ALLOWED_PREVIOUS || got == Got.ALLOWED_UNEXPECTED_BODY;
        if (allow) {
            allowed++;
        } else if (got == Got.DENIED) {
            denied++;
        } else {
            errors++;
            sample("error " + got, expect, token, start, end);
            return;
        }
        if (expect == LoadModel.Expect.EITHER) {
            if (allow) {
                overlappingAllowed++;
            } else {
                overlappingDenied++;
            }
            return;
        }
        if (expect.allow && !allow) {
            falseDenials++;
            sample("FALSE DENIAL", expect, token, start, end);
        } else if (expect.deny() && allow) {
            falseAllows++;
            sample("FALSE ALLOW", expect, token, start, end);
        } else if (allow && (got == Got.ALLOWED_UNEXPECTED_BODY
                || expect == LoadModel.Expect.ALLOW_CURRENT && got != Got.ALLOWED_CURRENT
                || expect == LoadModel.Expect.ALLOW_PREVIOUS && got != Got.ALLOWED_PREVIOUS)) {
            wrongSlot++;
            sample("WRONG SLOT " + got, expect, token, start, end);
        }
    }

    private void sample(String what, LoadModel.Expect expect, LoadModel.Token token, long start, long end) {
        if (samples.size() < 20) {
            samples.add(what + ": expected " + expect + ", " + token + ", push " + start + ".." + end + " us");
        }
    }

    public long pushes() {
        return pushes;
    }

    public long allowed() {
        return allowed;
    }

    public long denied() {
        return denied;
    }

    public long errors() {
        return errors;
    }

    public long falseDenials() {
        return falseDenials;
    }

    public long falseAllows() {
        return falseAllows;
    }

    public long wrongSlot() {
        return wrongSlot;
    }

    public long overlapping() {
        return overlappingAllowed + overlappingDenied;
    }

    public long rotations() {
        return rotations;
    }

    public long revokesThatRevoked() {
        return revokesThatRevoked;
    }

    public long clockMoves() {
        return clockMoves;
    }

    /** Pushes the ground truth expected to get {@code expect} (whatever they got). */
    public long expected(String expect) {
        long n = 0;
        for (long c : byExpect.get(LoadModel.Expect.valueOf(expect))) {
            n += c;
        }
        return n;
    }

    /** The first few wrong answers, for the failure message. */
    public List<String> samples() {
        return List.copyOf(samples);
    }

    /** True when no push was falsely denied or allowed, answered from the wrong slot, or failed. */
    public boolean clean() {
        return falseDenials == 0 && falseAllows == 0 && wrongSlot == 0 && errors == 0;
    }

    private double percentileMillis(double p) {
        long target = (long) Math.ceil(p * pushes);
        long seen = 0;
        for (int i = 0; i < latency.length; i++) {
            seen += latency[i];
            if (seen >= target && target > 0) {
                return (double) i / BUCKETS_PER_MS;
            }
        }
        return 0;
    }

    /** {@code metric: value unit} lines. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(line("duration", String.format("%.1f", seconds), "s"));
        out.add(line("stopped_because", stoppedBecause, ""));
        out.add(line("pushers_at_once", pushersAtOnce, "pushers"));
        out.add(line("pushers_started", pushersStarted, "pushers"));
        out.add(line("rotations", rotations, "rotations"));
        out.add(line("rotations_grace_0", graceZeroRotations, "rotations"));
        out.add(line("tokens_issued", tokens, "tokens"));
        out.add(line("clock_moves", clockMoves, "moves"));
        out.add(line("clock_moved", clockMovedSeconds, "s"));
        out.add(line("revoke_old_calls", revokes, "calls"));
        out.add(line("revoke_old_revoked", revokesThatRevoked, "tokens"));
        out.add(line("pushes", pushes, "pushes"));
        out.add(line("pushes_per_second", String.format("%.0f", seconds > 0 ? pushes / seconds : 0), "pushes/s"));
        out.add(line("allowed", allowed, "pushes"));
        out.add(line("denied", denied, "pushes"));
        out.add(line("errors", errors, "pushes"));
        out.add(line("transport_retries", transportRetries, "pushes"));
        for (LoadModel.Expect e : LoadModel.Expect.values()) {
            if (e != LoadModel.Expect.EITHER) {
                out.add(line("expected_" + e.name().toLowerCase(), expected(e.name()), "pushes"));
            }
        }
        out.add(line("overlapping", overlapping(), "pushes"));
        out.add(line("overlapping_allowed", overlappingAllowed, "pushes"));
        out.add(line("overlapping_denied", overlappingDenied, "pushes"));
        out.add(line("false_denials", falseDenials, "pushes"));
        out.add(line("false_allows", falseAllows, "pushes"));
        out.add(line("wrong_slot", wrongSlot, "pushes"));
        out.add(line("push_latency_p50", String.format("%.1f", percentileMillis(0.50)), "ms"));
        out.add(line("push_latency_p99", String.format("%.1f", percentileMillis(0.99)), "ms"));
        out.add(line("push_latency_max", String.format("%.1f", percentileMillis(1.0)), "ms"));
        return out;
    }

    private static String line(String metric, Object value, String unit) {
        return (metric + ": " + value + " " + unit).trim();
    }
}
