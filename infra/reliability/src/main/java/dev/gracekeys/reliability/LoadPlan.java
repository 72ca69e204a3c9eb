package dev.gracekeys.reliability;

import java.time.Duration;

/**
 * How a load run is shaped: a fleet of pushers on one client while ops rotate it.
 *
 * @param clientId              the client the fleet pushes for (created by the run)
 * @param rotations             rotations at most (the run may end earlier: {@code maxDuration},
 *                              {@code maxPushes})
 * @param newPushersPerRotation pushers started with the newest token after each rotation
 * @param pusherLifetime        a pusher stops after this many further rotations: with 3 it pushes
 *                              while its token is current, then previous, then dropped or expired.
 *                              Pushers at once: {@code newPushersPerRotation * pusherLifetime}.
 * @param graceSeconds          grace of an ordinary rotation
 * @param shortGraceSeconds     grace of every third rotation, which the clock then moves past in two
 *                              steps (the first inside the window, the second past it)
 * @param pushesPerStep         pacing by progress: the ops thread waits for this many pushes after
 *                              each step (0: pace by time instead)
 * @param rotationInterval      pacing by time: one rotation with its follow-up steps per interval
 * @param maxDuration           the run stops after this long, whatever is left
 * @param maxPushes             the run stops after this many pushes
 */
public record LoadPlan(String clientId, int rotations, int newPushersPerRotation, int pusherLifetime,
                       long graceSeconds, long shortGraceSeconds, int pushesPerStep, Duration rotationInterval,
                       Duration maxDuration, long maxPushes) {

    public LoadPlan {
        if (rotations < 1 || newPushersPerRotation < 1 || pusherLifetime < 1) {
            throw new IllegalArgumentException("rotations, pushers per rotation and lifetime must be >= 1");
        }
        if (shortGraceSeconds < 4 || graceSeconds <= shortGraceSeconds) {
            throw new IllegalArgumentException("need graceSeconds > shortGraceSeconds >= 4");
        }
        if (pushesPerStep <= 0 && (rotationInterval == null || rotationInterval.isZero() || rotationInterval.isNegative())) {
            throw new IllegalArgumentException("pace by pushes (pushesPerStep > 0) or by time (rotationInterval > 0)");
        }
    }

    /** What {@code LoadPushersIT} runs inside {@code ./mvnw verify}: 20 rotations, 9 pushers, paced by pushes. */
    public static LoadPlan shortRun() {
        return new LoadPlan("LOAD01", 20, 3, 3, 3600, 120, 60, null, Duration.ofMinutes(3), 200_000);
    }

    /** The soak: {@code pushers} at once, {@code perMinute} rotations a minute, for {@code minutes}. */
    public static LoadPlan soak(int minutes, int pushers, int perMinute, long maxPushes) {
        int lifetime = 3;
        int perRotation = Math.max(1, (pushers + lifetime - 1) / lifetime);
        return new LoadPlan("SOAK01", minutes * perMinute, perRotation, lifetime, 3600, 120, 0,
                Duration.ofMillis(60_000L / perMinute), Duration.ofMinutes(minutes).plusSeconds(30), maxPushes);
    }

    public int pushersAtOnce() {
        return newPushersPerRotation * pusherLifetime;
    }

    /**
     * The grace of rotation {@code k} (1-based): 0 (the old token revoked at once) when k is a multiple
     * of 7; else the short grace when k is a multiple of 3; else, when paced by time, every fourth
     * rotation (k = 1, 5, ...) a grace of half the rotation interval, which real time alone runs out
     * before the next rotation (no clock move); else the ordinary grace.
     */
    long graceOf(int k) {
        if (k % 7 == 0) {
            return 0;
        }
        if (k % 3 == 0) {
            return shortGraceSeconds;
        }
        if (pushesPerStep <= 0 && k % 4 == 1) {
            return naturalGraceSeconds();
        }
        return graceSeconds;
    }

    /** When paced by time: a grace that expires by real time within a rotation interval. */
    long naturalGraceSeconds() {
        return Math.max(2, rotationInterval.toSeconds() / 2);
    }

    boolean shortGrace(int k) {
        return k % 7 != 0 && k % 3 == 0;
    }

    /** After rotation k, every fifth: the clock moves past the ordinary grace window. */
    boolean longClockMove(int k) {
        return k % 5 == 0;
    }

    /** After rotation k (k = 4, 12, 20, ...): revoke-old. */
    boolean revokeOld(int k) {
        return k % 8 == 4;
    }

    /** The steps of rotation k: the rotation itself and its follow-ups. */
    int steps(int k) {
        return 1 + (shortGrace(k) ? 2 : 0) + (longClockMove(k) ? 1 : 0) + (revokeOld(k) ? 1 : 0);
    }
}
