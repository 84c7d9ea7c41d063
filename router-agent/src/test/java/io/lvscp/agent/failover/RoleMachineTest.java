package io.lvscp.agent.failover;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The role state machine on a fake clock: one machine fed by hand, and two machines exchanging heartbeats over a
 * simulated link that the tests cut and heal. Time moves only when a test moves it; nothing sleeps.
 */
class RoleMachineTest {
    static final Duration KEEPALIVE = Duration.ofSeconds(1);
    static final Duration DEADTIME = Duration.ofSeconds(3);
    static final long MS = 1_000_000L;

    /** A fake clock: monotonic nanoseconds and a wall clock in milliseconds, moved together. */
    static final class Clock {
        long nanos = 1_000_000_000L;
        long millis = 1_700_000_000_000L;

        void advance(long ms) {
            nanos += ms * MS;
            millis += ms;
        }
    }

    static HeartbeatMessage hb(String router, Role role, long since, boolean primary, boolean preempt) {
        return new HeartbeatMessage("web", router, role, since, primary, preempt, 1);
    }

    // ---- one machine ----

    @Test
    void startsAsBackupAndTakesOverWhenThePeerIsNeverHeardForDeadtime() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs2");
        m.configure("lvs1", false, false, DEADTIME, c.nanos);
        assertEquals(Role.backup, m.role());
        c.advance(2999);
        assertTrue(m.tick(c.nanos, c.millis).isEmpty(), "not before deadtime");
        c.advance(1);
        RoleMachine.Step s = m.tick(c.nanos, c.millis).orElseThrow();
        assertEquals(Role.active, s.role());
        assertTrue(s.changed() && s.announce());
        assertEquals("no heartbeat from peer lvs1 in 3.0 s since it became known", s.reason());
        assertEquals(c.millis, m.activeSince());
    }

    @Test
    void aBackupHearingAnActivePeerStaysBackupAndTakesOverExactlyDeadtimeAfterTheLastHeartbeat() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs2");
        m.configure("lvs1", false, false, DEADTIME, c.nanos);
        for (int i = 0; i < 10; i++) {
            assertTrue(m.heard(hb("lvs1", Role.active, 5, true, false), c.nanos, c.millis).isEmpty());
            c.advance(1000);
            assertTrue(m.tick(c.nanos, c.millis).isEmpty());
        }
        // The peer dies right after its last heartbeat (heard 1 s ago).
        c.advance(1999);
        assertTrue(m.tick(c.nanos, c.millis).isEmpty());
        c.advance(1);
        RoleMachine.Step s = m.tick(c.nanos, c.millis).orElseThrow();
        assertEquals(Role.active, s.role());
        assertEquals("peer lvs1 silent for 3.0 s", s.reason());
    }

    @Test
    void heartbeatsOfOtherClustersOrRoutersAreIgnored() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs2");
        m.configure("lvs1", false, false, DEADTIME, c.nanos);
        m.heard(new HeartbeatMessage("mail", "lvs1", Role.active, 5, true, false, 1), c.nanos, c.millis);
        m.heard(new HeartbeatMessage("web", "lvs9", Role.active, 5, true, false, 1), c.nanos, c.millis);
        c.advance(3000);
        assertEquals("no heartbeat from peer lvs1 in 3.0 s since it became known", m.tick(c.nanos, c.millis).orElseThrow().reason());
    }

    @Test
    void withoutAPeerTheRouterIsActiveAtOnce() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs1");
        m.configure(null, true, false, DEADTIME, c.nanos);
        RoleMachine.Step s = m.tick(c.nanos, c.millis).orElseThrow();
        assertEquals(Role.active, s.role());
        assertEquals("no peer router in cluster web", s.reason());
        assertTrue(m.tick(c.nanos, c.millis).isEmpty());
    }

    @Test
    void whenBothAreBackupThePrimaryTakesTheRoleElseTheFirstName() {
        Clock c = new Clock();
        RoleMachine primary = new RoleMachine("web", "lvs9");
        primary.configure("lvs1", true, false, DEADTIME, c.nanos);
        assertEquals("peer lvs1 is backup too; lvs9 is the primary",
                primary.heard(hb("lvs1", Role.backup, 0, false, false), c.nanos, c.millis).orElseThrow().reason());
        RoleMachine backup = new RoleMachine("web", "lvs1");
        backup.configure("lvs9", false, false, DEADTIME, c.nanos);
        assertTrue(backup.heard(hb("lvs9", Role.backup, 0, true, false), c.nanos, c.millis).isEmpty(), "the backup waits for the primary");

        RoleMachine first = new RoleMachine("web", "lvs1");
        first.configure("lvs2", false, false, DEADTIME, c.nanos);
        assertEquals("peer lvs2 is backup too; lvs1 comes first by name",
                first.heard(hb("lvs2", Role.backup, 0, false, false), c.nanos, c.millis).orElseThrow().reason());
        RoleMachine second = new RoleMachine("web", "lvs2");
        second.configure("lvs1", false, false, DEADTIME, c.nanos);
        assertTrue(second.heard(hb("lvs1", Role.backup, 0, false, false), c.nanos, c.millis).isEmpty());
    }

    @Test
    void withoutPreemptionAReturningPrimaryStaysBackup() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs1");
        m.configure("lvs2", true, false, DEADTIME, c.nanos);
        for (int i = 0; i < 100; i++) {
            assertTrue(m.heard(hb("lvs2", Role.active, 5, false, false), c.nanos, c.millis).isEmpty());
            c.advance(1000);
            assertTrue(m.tick(c.nanos, c.millis).isEmpty());
        }
        assertEquals(Role.backup, m.role());
    }

    @Test
    void preemptionNeedsBothRoutersToHaveItOn() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs1");
        m.configure("lvs2", true, true, DEADTIME, c.nanos);
        assertTrue(m.heard(hb("lvs2", Role.active, 5, false, false), c.nanos, c.millis).isEmpty(), "the peer says preemption is off");
        RoleMachine.Step s = m.heard(hb("lvs2", Role.active, 5, false, true), c.nanos, c.millis).orElseThrow();
        assertEquals(Role.active, s.role());
        assertEquals("preempting lvs2: primary lvs1 takes the role back", s.reason());
    }

    @Test
    void theActiveBackupStepsDownWhenThePrimaryPreempts() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs2");
        m.configure("lvs1", false, true, DEADTIME, c.nanos);
        c.advance(3000);
        assertEquals(Role.active, m.tick(c.nanos, c.millis).orElseThrow().role());
        long since = m.activeSince();
        c.advance(10_000);
        RoleMachine.Step back = m.heard(hb("lvs1", Role.backup, 0, true, true), c.nanos, c.millis).orElseThrow();
        assertFalse(back.changed(), "the primary is back, as backup: lvs2 only announces again");
        c.advance(1000);
        RoleMachine.Step s = m.heard(hb("lvs1", Role.active, c.millis, true, true), c.nanos, c.millis).orElseThrow();
        assertEquals(Role.backup, s.role());
        assertEquals("preempted by primary lvs1", s.reason());
        assertEquals(0, m.activeSince());
        assertTrue(since > 0);
    }

    @Test
    void splitBrainWithoutPreemptionTheLaterTakeoverKeepsTheRoleAndAnnouncesOnce() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs2");
        m.configure("lvs1", false, false, DEADTIME, c.nanos);
        c.advance(3000);
        m.tick(c.nanos, c.millis).orElseThrow();
        long earlier = m.activeSince() - 60_000;
        RoleMachine.Step s = m.heard(hb("lvs1", Role.active, earlier, true, false), c.nanos, c.millis).orElseThrow();
        assertEquals(Role.active, s.role());
        assertFalse(s.changed());
        assertTrue(s.announce(), "the one that stays announces the addresses again");
        assertTrue(s.reason().startsWith("split brain resolved: lvs2 took over later"), s.reason());
        assertTrue(s.reason().endsWith("lvs2 keeps the role"), s.reason());
        assertTrue(m.heard(hb("lvs1", Role.active, earlier, true, false), c.nanos, c.millis).isEmpty(), "announced once");

        RoleMachine other = new RoleMachine("web", "lvs1");
        other.configure("lvs2", true, false, DEADTIME, c.nanos);
        c.advance(3000);
        other.tick(c.nanos, c.millis).orElseThrow();
        RoleMachine.Step down = other.heard(hb("lvs2", Role.active, other.activeSince() + 1, false, false), c.nanos, c.millis).orElseThrow();
        assertEquals(Role.backup, down.role());
        assertTrue(down.reason().startsWith("split brain resolved: lvs2 took over later"), down.reason());
        assertTrue(down.reason().endsWith("lvs1 steps down"), down.reason());
    }

    @Test
    void splitBrainWithPreemptionThePrimaryKeepsTheRole() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs1");
        m.configure("lvs2", true, true, DEADTIME, c.nanos);
        c.advance(3000);
        m.tick(c.nanos, c.millis).orElseThrow();
        RoleMachine.Step s = m.heard(hb("lvs2", Role.active, m.activeSince() + 5000, false, true), c.nanos, c.millis).orElseThrow();
        assertEquals(Role.active, s.role());
        assertEquals("split brain resolved: lvs1 is the primary and preemption is on; lvs1 keeps the role", s.reason());
    }

    @Test
    void splitBrainInTheSameMillisecondTheFirstNameKeepsTheRole() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs2");
        m.configure("lvs1", false, false, DEADTIME, c.nanos);
        c.advance(3000);
        m.tick(c.nanos, c.millis).orElseThrow();
        RoleMachine.Step s = m.heard(hb("lvs1", Role.active, m.activeSince(), false, false), c.nanos, c.millis).orElseThrow();
        assertEquals(Role.backup, s.role());
        assertTrue(s.reason().contains("took over in the same millisecond; lvs1 comes first by name"), s.reason());
    }

    @Test
    void anActiveRouterAnnouncesAgainWhenItsPeerIsHeardAfterASilence() {
        Clock c = new Clock();
        RoleMachine m = new RoleMachine("web", "lvs1");
        m.configure("lvs2", true, false, DEADTIME, c.nanos);
        m.heard(hb("lvs2", Role.backup, 0, false, false), c.nanos, c.millis).orElseThrow(); // both backup: lvs1 takes it
        c.advance(1000);
        assertTrue(m.heard(hb("lvs2", Role.backup, 0, false, false), c.nanos, c.millis).isEmpty(), "a peer heard all along: nothing");
        c.advance(5000); // the peer was silent (it may have taken the addresses, and given them back before lvs1 hears it active)
        RoleMachine.Step s = m.heard(hb("lvs2", Role.backup, 0, false, false), c.nanos, c.millis).orElseThrow();
        assertEquals(new RoleMachine.Step(Role.active, false, true, "peer lvs2 heard again; lvs1 keeps the role"), s);
    }

    // ---- two machines over a simulated link ----

    /** Two routers ticking every 50 ms and sending heartbeats every keepalive over a link that can be cut. */
    static final class Pair {
        final Clock clock = new Clock();
        RoleMachine a;
        RoleMachine b;
        final List<String> log = new ArrayList<>();
        boolean cut;
        boolean aDead;
        long aSent = Long.MIN_VALUE / 2;
        long bSent = Long.MIN_VALUE / 2;
        long step = 50;

        Pair(boolean aPrimary, boolean bPrimary, boolean preempt) {
            a = new RoleMachine("web", "lvs1");
            b = new RoleMachine("web", "lvs2");
            a.configure("lvs2", aPrimary, preempt, DEADTIME, clock.nanos);
            b.configure("lvs1", bPrimary, preempt, DEADTIME, clock.nanos);
        }

        void run(long millis) {
            for (long t = 0; t < millis; t += step) {
                clock.advance(step);
                if (!aDead) apply("lvs1", a, a.tick(clock.nanos, clock.millis), true);
                apply("lvs2", b, b.tick(clock.nanos, clock.millis), false);
                if (!aDead && clock.nanos - aSent >= KEEPALIVE.toNanos()) sendA();
                if (clock.nanos - bSent >= KEEPALIVE.toNanos()) sendB();
            }
        }

        void sendA() {
            aSent = clock.nanos;
            HeartbeatMessage m = a.heartbeat();
            if (!cut) apply("lvs2", b, b.heard(m, clock.nanos, clock.millis), false);
        }

        void sendB() {
            bSent = clock.nanos;
            HeartbeatMessage m = b.heartbeat();
            if (!cut && !aDead) apply("lvs1", a, a.heard(m, clock.nanos, clock.millis), true);
        }

        private void apply(String who, RoleMachine m, Optional<RoleMachine.Step> s, boolean isA) {
            s.ifPresent(step -> {
                log.add(who + " " + step.role() + (step.changed() ? "" : " (kept)") + ": " + step.reason());
                // as the service does: tell the peer at once after a change
                if (step.changed()) {
                    if (isA) sendA();
                    else sendB();
                }
            });
        }

        String roles() {
            return (aDead ? "dead" : a.role()) + "/" + b.role();
        }
    }

    @Test
    void twoRoutersStartingTogetherSettleWithThePrimaryActive() {
        Pair p = new Pair(true, false, false);
        p.run(5000);
        assertEquals("active/backup", p.roles(), String.join("\n", p.log));
    }

    @Test
    void aDeadActiveRouterIsReplacedWithinDeadtime() {
        Pair p = new Pair(true, false, false);
        p.run(5000);
        p.aDead = true;
        long killed = p.clock.millis;
        while (p.b.role() != Role.active) p.run(50);
        long took = p.clock.millis - killed;
        assertTrue(took <= DEADTIME.toMillis() + 50, "took " + took + " ms");
        assertTrue(p.log.get(p.log.size() - 1).startsWith("lvs2 active: peer lvs1 silent for"), p.log.toString());
    }

    @Test
    void cuttingTheHeartbeatLinkMakesBothActiveAndHealingItLeavesOneByTheDocumentedRule() {
        for (boolean preempt : new boolean[] {false, true}) {
            Pair p = new Pair(true, false, preempt);
            p.run(5000);
            assertEquals("active/backup", p.roles());
            p.cut = true;
            p.run(4000);
            assertEquals("active/active", p.roles(), "both think the peer dead: " + p.log);
            p.cut = false;
            p.run(2000);
            // preempt on: the primary (lvs1) keeps it; off: the later takeover (lvs2) keeps it.
            assertEquals(preempt ? "active/backup" : "backup/active", p.roles(), String.join("\n", p.log));
            String last = p.log.stream().filter(l -> l.contains("steps down")).findFirst().orElseThrow();
            assertTrue(last.startsWith(preempt ? "lvs2 backup: split brain resolved: lvs1 is the primary"
                    : "lvs1 backup: split brain resolved: lvs2 took over later"), last);
            p.run(10_000);
            assertEquals(preempt ? "active/backup" : "backup/active", p.roles(), "and it stays so: " + p.log);
        }
    }

    @Test
    void aReturningPrimaryObeysThePreemptionSetting() {
        for (boolean preempt : new boolean[] {false, true}) {
            Pair p = new Pair(true, false, preempt);
            p.run(5000);
            p.aDead = true;
            p.run(5000);
            assertEquals("dead/active", p.roles());
            // The primary's agent comes back: a fresh machine, starting as backup; lvs2 goes on as it is.
            p.a = new RoleMachine("web", "lvs1");
            p.a.configure("lvs2", true, preempt, DEADTIME, p.clock.nanos);
            p.aDead = false;
            p.log.clear();
            p.run(10_000);
            assertEquals(preempt ? "active/backup" : "backup/active", p.roles(), String.join("\n", p.log));
            if (preempt) {
                assertEquals(List.of("lvs2 active (kept): peer lvs1 heard again; lvs2 keeps the role",
                        "lvs1 active: preempting lvs2: primary lvs1 takes the role back", "lvs2 backup: preempted by primary lvs1"), p.log);
            } else {
                assertEquals(List.of("lvs2 active (kept): peer lvs1 heard again; lvs2 keeps the role"), p.log, "no change, one announcement");
            }
        }
    }

    @Test
    void randomCutsHealsAndDeathsAlwaysEndWithExactlyOneActiveRouter() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            boolean preempt = random.nextBoolean();
            Pair p = new Pair(random.nextBoolean(), false, preempt);
            p.step = 10 + random.nextInt(90);
            for (int e = 0; e < 6; e++) {
                p.cut = random.nextBoolean();
                p.run(random.nextInt(6000));
            }
            p.cut = false;
            p.run(DEADTIME.toMillis() + 2 * KEEPALIVE.toMillis());
            assertTrue(p.a.role() != p.b.role(), "round " + round + ": " + p.roles() + "\n" + String.join("\n", p.log));
        }
    }
}
