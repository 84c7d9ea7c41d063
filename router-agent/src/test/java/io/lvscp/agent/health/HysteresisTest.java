package io.lvscp.agent.health;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Rise, fall and reentry on a clock the test moves. */
class HysteresisTest {
    @Test
    void aServerStartsHealthyAndFailsAfterFallFailuresInARow() {
        Hysteresis h = new Hysteresis(1, 3, 0);
        assertTrue(h.healthy());
        assertFalse(h.record(false, 0));
        assertFalse(h.record(false, 1000));
        assertFalse(h.record(true, 2000), "a success breaks the run of failures");
        assertFalse(h.record(false, 3000));
        assertFalse(h.record(false, 4000));
        assertTrue(h.healthy());
        assertTrue(h.record(false, 5000), "the third failure in a row");
        assertFalse(h.healthy());
        assertFalse(h.record(false, 6000), "no second transition while it stays down");
    }

    @Test
    void aFailedServerReturnsAfterRiseSuccessesInARow() {
        Hysteresis h = new Hysteresis(3, 1, 0);
        assertTrue(h.record(false, 0));
        assertFalse(h.record(true, 1000));
        assertFalse(h.record(true, 2000));
        assertFalse(h.record(false, 3000), "a failure starts the count again");
        assertFalse(h.record(true, 4000));
        assertFalse(h.record(true, 5000));
        assertTrue(h.record(true, 6000));
        assertTrue(h.healthy());
    }

    @Test
    void reentryKeepsAFailedServerOutUntilItHasAnsweredThatLong() {
        Hysteresis h = new Hysteresis(1, 1, 15_000);
        assertTrue(h.record(false, 0));
        assertFalse(h.record(true, 6_000), "rise is met, but it has answered for 0 s of 15");
        assertFalse(h.record(true, 12_000), "6 s of 15");
        assertFalse(h.healthy());
        assertTrue(h.record(true, 21_000), "15 s and more since its first success");
        assertTrue(h.healthy());
    }

    @Test
    void aFailureDuringReentryStartsItAgain() {
        Hysteresis h = new Hysteresis(1, 1, 10_000);
        assertTrue(h.record(false, 0));
        assertFalse(h.record(true, 1_000));
        assertFalse(h.record(false, 9_000));
        assertFalse(h.record(true, 12_000), "the 10 s count from 12 s, not from 1 s");
        assertFalse(h.record(true, 20_000));
        assertTrue(h.record(true, 22_000));
    }

    @Test
    void newThresholdsKeepTheVerdictAndARestartForgetsTheRuns() {
        Hysteresis h = new Hysteresis(2, 2, 0);
        h.record(false, 0);
        assertTrue(h.record(false, 1));
        h.record(true, 2);
        h.configure(3, 1, 0);
        assertFalse(h.healthy());
        h.restart();
        assertEquals(0, h.successes());
        assertFalse(h.record(true, 3));
        assertFalse(h.record(true, 4));
        assertTrue(h.record(true, 5));
    }
}
