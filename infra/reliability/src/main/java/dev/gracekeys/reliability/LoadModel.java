package dev.gracekeys.reliability;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The ground truth of a load run: what each token of the client is at any moment, built only from
 * what the ops thread did and saw (each operation's start and end, its response, each clock move).
 * Times are epoch microseconds of this JVM's wall clock, the clock the local stack's own clock is
 * (system time plus the offset the clock moves add).
 *
 * <p>An operation takes effect at some instant between its start and its end, unknown to the
 * outside; a push is likewise decided somewhere between its start and its end. A push whose
 * interval meets an operation that changes its token's answer is <em>overlapping</em>: either answer
 * is right. So is a push whose interval may straddle its token's expiry (the stack clock's possible
 * values during the push, bounded with the clock moves known, include the expiry).
 *
 * <p>Not thread-safe: the ops thread alone updates and queries it.
 */
final class LoadModel {

    /** What a push must get. */
    enum Expect {
        ALLOW_CURRENT(true), ALLOW_PREVIOUS(true), ALLOW_EITHER_SLOT(true),
        DENY_DROPPED(false), DENY_REVOKED(false), DENY_EXPIRED(false),
        /** Overlapping: allow and deny are both right. */
        EITHER(false);

        final boolean allow;

        Expect(boolean allow) {
            this.allow = allow;
        }

        boolean deny() {
            return !allow && this != EITHER;
        }
    }

    enum Kill { DROPPED, REVOKED }

    /** One token of the client and what happened to it. */
    static final class Token {
        final int index;
        final String value;
        final String tokenId;
        long demoteStart = -1;
        long demoteEnd = -1;
        long expiresAt = Long.MAX_VALUE;
        long killStart = -1;
        long killEnd = -1;
        Kill kill;

        Token(int index, String value, String tokenId) {
            this.index = index;
            this.value = value;
            this.tokenId = tokenId;
        }

        boolean killed() {
            return kill != null;
        }

        @Override
        public String toString() { // never the token itself
            return "token#" + index + " " + tokenId;
        }
    }

    private record Move(long start, long end, long micros) {
    }

    private final List<Token> tokens = new ArrayList<>();
    private final List<Move> moves = new ArrayList<>();
    private long[] moveStarts = new long[0];
    private long[] moveEnds = new long[0];
    private long[] prefix = {0};

    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    static long nowMicros() {
        return micros(Instant.now());
    }

    Token issued(String value, String tokenId) {
        Token t = new Token(tokens.size(), value, tokenId);
        tokens.add(t);
        return t;
    }

    List<Token> tokens() {
        return tokens;
    }

    Token current() {
        return tokens.get(tokens.size() - 1);
    }

    /**
     * The token in the previous slot, if still pointed at (not killed). A grace-0 rotation revokes
     * the demoted token without taking the slot, so the slot may hold an older token.
     */
    Token livePrevious() {
        return previousSlot == null || previousSlot.killed() ? null : previousSlot;
    }

    private Token previousSlot;

    void demoted(Token t, long start, long end, Instant expiresAt) {
        previousSlot = t;
        t.demoteStart = start;
        t.demoteEnd = end;
        t.expiresAt = micros(expiresAt);
    }

    void killed(Token t, Kill how, long start, long end) {
        if (t.killed()) {
            return;
        }
        t.kill = how;
        t.killStart = start;
        t.killEnd = end;
    }

    void clockMoved(long start, long end, long seconds) {
        moves.add(new Move(start, end, seconds * 1_000_000L));
        int n = moves.size();
        moveStarts = new long[n];
        moveEnds = new long[n];
        prefix = new long[n + 1];
        for (int i = 0; i < n; i++) {
            moveStarts[i] = moves.get(i).start;
            moveEnds[i] = moves.get(i).end;
            prefix[i + 1] = prefix[i] + moves.get(i).micros;
        }
    }

    /** The stack clock's offset over the system clock once every move so far is done. */
    long offsetMicros() {
        return prefix[prefix.length - 1];
    }

    /** The least offset the stack clock can have at {@code t}: moves that ended before it. */
    private long offsetAtLeast(long t) {
        return prefix[countBelow(moveEnds, t)];
    }

    /** The most offset the stack clock can have at {@code t}: moves that started by then. */
    private long offsetAtMost(long t) {
        return prefix[countBelow(moveStarts, t + 1)];
    }

    private static int countBelow(long[] sorted, long t) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Is the token's expiry surely ahead (+1), surely passed (-1) or possibly crossed (0) during a
     * push from {@code start} to {@code end}? The stack denies a previous token once
     * {@code expiresAt <= now}.
     */
    int expiry(Token t, long start, long end) {
        long earliest = start + offsetAtLeast(start);
        long latest = end + offsetAtMost(end);
        if (latest < t.expiresAt) {
            return 1;
        }
        return earliest >= t.expiresAt ? -1 : 0;
    }

    /** What a push with {@code t} from {@code start} to {@code end} must get. */
    Expect expect(Token t, long start, long end) {
        if (t.killed() && start > t.killEnd) {
            if (t.demoteStart >= 0 && t.demoteEnd < start && expiry(t, start, end) < 0) {
                return Expect.DENY_EXPIRED; // gone from the slot too, but expired first
            }
            return t.kill == Kill.DROPPED ? Expect.DENY_DROPPED : Expect.DENY_REVOKED;
        }
        boolean meetsKill = t.killed() && end >= t.killStart;
        Expect before;
        if (t.demoteStart < 0 || end < t.demoteStart) {
            before = Expect.ALLOW_CURRENT;
        } else {
            boolean meetsDemotion = start <= t.demoteEnd;
            int expiry = expiry(t, start, end);
            if (expiry > 0) {
                before = meetsDemotion ? Expect.ALLOW_EITHER_SLOT : Expect.ALLOW_PREVIOUS;
            } else if (expiry < 0 && !meetsDemotion) {
                before = Expect.DENY_EXPIRED;
            } else {
                before = Expect.EITHER;
            }
        }
        if (meetsKill) {
            return before.deny() ? before : Expect.EITHER;
        }
        return before;
    }
}
