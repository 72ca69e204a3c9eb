package dev.gracekeys.reliability;

import dev.gracekeys.reliability.LoadModel.Expect;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ground truth LoadPushersIT judges pushes by: what a push must get, and when either answer is
 * right because the push overlaps a change. Times are microseconds; the stack denies a previous token
 * once {@code expiresAt <= now}, now being the system clock plus the clock moves done.
 */
class LoadModelTest {

    private static Instant at(long micros) {
        return Instant.EPOCH.plusNanos(micros * 1_000);
    }

    /** A token issued, then demoted to previous by a rotation from 100 to 200, expiring at {@code expiresAtMicros}. */
    private static LoadModel.Token demotedAt200(LoadModel m, long expiresAtMicros) {
        LoadModel.Token t = m.issued("gk_a", "gk_a");
        m.demoted(t, 100, 200, at(expiresAtMicros));
        return t;
    }

    @Test
    void currentThenPrevious_andAPushMeetingTheRotation_mayGetEitherSlot() {
        LoadModel m = new LoadModel();
        LoadModel.Token t = m.issued("gk_a", "gk_a");
        m.issued("gk_b", "gk_b");
        m.demoted(t, 100, 200, at(1_000_000));

        assertEquals(Expect.ALLOW_CURRENT, m.expect(t, 50, 99));
        assertEquals(Expect.ALLOW_EITHER_SLOT, m.expect(t, 150, 250));
        assertEquals(Expect.ALLOW_EITHER_SLOT, m.expect(t, 50, 100));
        assertEquals(Expect.ALLOW_PREVIOUS, m.expect(t, 201, 300));
    }

    @Test
    void expiry_isSure_before_andAfter_andEitherWhenThePushStraddlesIt() {
        LoadModel m = new LoadModel();
        LoadModel.Token t = demotedAt200(m, 1_000);

        assertEquals(Expect.ALLOW_PREVIOUS, m.expect(t, 300, 999));
        assertEquals(Expect.EITHER, m.expect(t, 900, 1_000), "expiresAt <= now at the push's end: maybe denied");
        assertEquals(Expect.DENY_EXPIRED, m.expect(t, 1_000, 1_100));
    }

    @Test
    void clockMoves_countFromTheirEnd_forSure_andFromTheirStart_forMaybe() {
        LoadModel m = new LoadModel();
        LoadModel.Token t = demotedAt200(m, 800_000);
        m.clockMoved(500, 600, 1); // +1 s somewhere between 500 and 600

        assertEquals(Expect.ALLOW_PREVIOUS, m.expect(t, 300, 499));
        assertEquals(Expect.EITHER, m.expect(t, 300, 500), "the move may have happened at 500");
        assertEquals(Expect.EITHER, m.expect(t, 550, 560));
        assertEquals(Expect.EITHER, m.expect(t, 600, 700), "ended at 600: sure only after it");
        assertEquals(Expect.DENY_EXPIRED, m.expect(t, 601, 700));
        assertEquals(1_000_000, m.offsetMicros());
    }

    @Test
    void aKill_isSureAfterItsEnd_andOverlappingPushesMayGetEither() {
        LoadModel m = new LoadModel();
        LoadModel.Token t = demotedAt200(m, 1_000_000_000);
        m.killed(t, LoadModel.Kill.DROPPED, 2_000, 2_100);

        assertEquals(Expect.ALLOW_PREVIOUS, m.expect(t, 1_800, 1_999));
        assertEquals(Expect.EITHER, m.expect(t, 1_900, 2_000));
        assertEquals(Expect.EITHER, m.expect(t, 2_050, 2_100));
        assertEquals(Expect.DENY_DROPPED, m.expect(t, 2_101, 2_200));
    }

    @Test
    void graceZero_revokesTheCurrentTokenItself() {
        LoadModel m = new LoadModel();
        LoadModel.Token t = m.issued("gk_a", "gk_a");
        m.killed(t, LoadModel.Kill.REVOKED, 2_000, 2_100);

        assertEquals(Expect.ALLOW_CURRENT, m.expect(t, 1_000, 1_999));
        assertEquals(Expect.EITHER, m.expect(t, 1_000, 2_000));
        assertEquals(Expect.DENY_REVOKED, m.expect(t, 2_101, 2_200));
    }

    @Test
    void expiredThenPushedOut_countsAsExpired_andStaysSureAcrossTheDrop() {
        LoadModel m = new LoadModel();
        LoadModel.Token t = demotedAt200(m, 1_000);
        m.killed(t, LoadModel.Kill.DROPPED, 2_000, 2_100);

        assertEquals(Expect.DENY_EXPIRED, m.expect(t, 1_500, 2_050), "a deny either way");
        assertEquals(Expect.DENY_EXPIRED, m.expect(t, 2_200, 2_300));
    }

    @Test
    void onlyExpectedAnswersAreJudged() {
        LoadReport r = new LoadReport();
        LoadModel.Token t = new LoadModel().issued("gk_secretValue", "gk_id");
        r.add(Expect.ALLOW_PREVIOUS, LoadReport.Got.DENIED, 1_000, t, 0, 1);
        r.add(Expect.DENY_DROPPED, LoadReport.Got.ALLOWED_PREVIOUS, 1_000, t, 0, 1);
        r.add(Expect.ALLOW_CURRENT, LoadReport.Got.ALLOWED_PREVIOUS, 1_000, t, 0, 1);
        r.add(Expect.EITHER, LoadReport.Got.DENIED, 1_000, t, 0, 1);
        r.add(Expect.EITHER, LoadReport.Got.ALLOWED_CURRENT, 1_000, t, 0, 1);
        r.add(Expect.ALLOW_EITHER_SLOT, LoadReport.Got.ALLOWED_PREVIOUS, 1_000, t, 0, 1);
        r.add(Expect.DENY_EXPIRED, LoadReport.Got.OTHER_STATUS, 1_000, t, 0, 1);

        assertEquals(1, r.falseDenials());
        assertEquals(1, r.falseAllows());
        assertEquals(1, r.wrongSlot());
        assertEquals(2, r.overlapping());
        assertEquals(1, r.errors());
        assertFalse(r.clean());
        assertFalse(r.samples().toString().contains("gk_secretValue"), "a sample names the token by its id only");
        assertTrue(r.samples().toString().contains("gk_id"));
    }
}
