package io.lvscp.agent.failover;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The role of one router of a pair, decided from the peer's heartbeats and the passing of time. Pure: no sockets,
 * no threads, no clock of its own (the caller passes monotonic nanoseconds for deadtime and wall-clock
 * milliseconds for {@code activeSince}), so tests drive it with a fake clock. Not thread-safe: one thread calls it.
 *
 * <p>The rules (docs/failover.md says why):
 * <ol>
 * <li>Start as backup.</li>
 * <li>No peer in the cluster: active.</li>
 * <li>Backup, peer silent for deadtime (or never heard for deadtime since the peer became known): active.</li>
 * <li>Backup, peer alive and backup too: the stronger claim takes the role — the primary, else the first name.</li>
 * <li>Backup, peer active: stay backup; unless preemption is on (on both routers), this router is the primary and the
 * peer is not: then take the role back.</li>
 * <li>Active, peer active (split brain, or a preemption in progress): both decide from the same two heartbeats.
 * With preemption on (both) and one primary, the primary keeps the role. Otherwise the later takeover keeps it (it
 * announced the addresses last, so neighbours already send to it); the same millisecond: the first name. The
 * other steps down; the one that stays announces the addresses again.</li>
 * <li>Active, the peer heard again after a silence: announce the addresses again (the peer may have held them).</li>
 * </ol>
 */
public final class RoleMachine {
    /** What a step decided: a new role (with the reason reported to the control plane), or announce the addresses again. */
    public record Step(Role role, boolean changed, boolean announce, String reason) {}

    private final String cluster;
    private final String self;
    private Role role = Role.backup;
    private long activeSince; // wall-clock ms, 0 while backup
    private long seq;

    // configuration, from the cluster's state (and the agent's preempt setting)
    private String peer;
    private boolean selfPrimary;
    private boolean preempt;
    private long deadtimeNanos = Duration.ofSeconds(18).toNanos();
    private long peerKnownSince; // when the peer became known (for "never heard")

    // what the peer last said
    private HeartbeatMessage last;
    private long lastHeard = -1;
    private long announcedAgainst = -1; // the peer's activeSince this router last re-announced against

    public RoleMachine(String cluster, String self) {
        this.cluster = cluster;
        this.self = self;
    }

    /**
     * The pair as the cluster's state describes it now; {@code peer} null when this router has none. A new peer name
     * restarts the wait for its heartbeats.
     */
    public void configure(String peer, boolean selfPrimary, boolean preempt, Duration deadtime, long nowNanos) {
        if (peer == null ? this.peer != null : !peer.equals(this.peer)) {
            last = null;
            lastHeard = -1;
            peerKnownSince = nowNanos;
        }
        this.peer = peer;
        this.selfPrimary = selfPrimary;
        this.preempt = preempt;
        this.deadtimeNanos = deadtime.toNanos();
    }

    public Role role() {
        return role;
    }

    public long activeSince() {
        return activeSince;
    }

    public String peer() {
        return peer;
    }

    /** The heartbeat to send now. */
    public HeartbeatMessage heartbeat() {
        return new HeartbeatMessage(cluster, self, role, activeSince, selfPrimary, preempt, ++seq);
    }

    /** A heartbeat arrived; returns what to do about it, if anything. Messages of other clusters or routers are ignored. */
    public Optional<Step> heard(HeartbeatMessage m, long nowNanos, long nowMillis) {
        if (peer == null || !cluster.equals(m.cluster()) || !peer.equals(m.router())) return Optional.empty();
        boolean peerWasSilent = !alive(nowNanos);
        boolean peerWasAliveBackup = !peerWasSilent && last.role() == Role.backup;
        last = m;
        lastHeard = nowNanos;
        Optional<Step> step = decide(nowNanos, nowMillis, peerWasAliveBackup);
        if (step.isEmpty() && peerWasSilent && role == Role.active) {
            // While this router could not hear it, the peer may have taken the addresses and announced them (and may
            // have stepped down already, before this router heard it active): announce them again, so neighbours follow.
            return Optional.of(new Step(Role.active, false, true, "peer " + peer + " heard again; " + self + " keeps the role"));
        }
        return step;
    }

    /** Time passed; returns what to do, if anything. */
    public Optional<Step> tick(long nowNanos, long nowMillis) {
        return decide(nowNanos, nowMillis, false);
    }

    /** Whether the peer's heartbeats have been arriving within deadtime. */
    public boolean hearingPeer(long nowNanos) {
        return alive(nowNanos);
    }

    private boolean alive(long now) {
        return last != null && now - lastHeard < deadtimeNanos;
    }

    private Optional<Step> decide(long now, long nowMillis, boolean peerWasAliveBackup) {
        if (peer == null) {
            return role == Role.backup ? Optional.of(become(Role.active, nowMillis, "no peer router in cluster " + cluster)) : Optional.empty();
        }
        if (!alive(now)) {
            if (role == Role.active) return Optional.empty();
            if (last == null) {
                if (now - peerKnownSince < deadtimeNanos) return Optional.empty();
                return Optional.of(become(Role.active, nowMillis, "no heartbeat from peer " + peer + " in " + seconds(now - peerKnownSince)
                        + " since it became known"));
            }
            return Optional.of(become(Role.active, nowMillis, "peer " + peer + " silent for " + seconds(now - lastHeard)));
        }
        boolean preemptBoth = preempt && last.preempt();
        boolean peerPrimary = last.primary();
        if (role == Role.backup) {
            if (last.role() == Role.backup) {
                if (strongerClaim(peerPrimary)) {
                    return Optional.of(become(Role.active, nowMillis, "peer " + peer + " is backup too; " + self
                            + (selfPrimary && !peerPrimary ? " is the primary" : " comes first by name")));
                }
                return Optional.empty();
            }
            if (preemptBoth && selfPrimary && !peerPrimary) {
                return Optional.of(become(Role.active, nowMillis, "preempting " + peer + ": primary " + self + " takes the role back"));
            }
            return Optional.empty();
        }
        if (last.role() == Role.backup) return Optional.empty();
        // Both active: the same rule on both sides, from the two heartbeats alone.
        boolean keep;
        String why;
        if (preemptBoth && selfPrimary != peerPrimary) {
            keep = selfPrimary;
            why = (selfPrimary ? self : peer) + " is the primary and preemption is on";
        } else if (activeSince != last.activeSince()) {
            keep = activeSince > last.activeSince();
            String later = keep ? self : peer;
            String earlier = keep ? peer : self;
            why = later + " took over later (at " + java.time.Instant.ofEpochMilli(Math.max(activeSince, last.activeSince())) + ") than "
                    + earlier + " (at " + java.time.Instant.ofEpochMilli(Math.min(activeSince, last.activeSince()))
                    + "), so neighbours already follow it";
        } else {
            keep = self.compareTo(peer) < 0;
            why = self + " and " + peer + " took over in the same millisecond; " + (keep ? self : peer) + " comes first by name";
        }
        if (keep) {
            if (announcedAgainst == last.activeSince()) return Optional.empty();
            announcedAgainst = last.activeSince();
            return Optional.of(new Step(Role.active, false, true, "split brain resolved: " + why + "; " + self + " keeps the role"));
        }
        if (preemptBoth && peerPrimary && !selfPrimary && peerWasAliveBackup) {
            return Optional.of(become(Role.backup, nowMillis, "preempted by primary " + peer));
        }
        return Optional.of(become(Role.backup, nowMillis, "split brain resolved: " + why + "; " + self + " steps down"));
    }

    /** Of two routers that both want (or both decline) the role: the primary, else the first name. */
    private boolean strongerClaim(boolean peerPrimary) {
        if (selfPrimary != peerPrimary) return selfPrimary;
        return self.compareTo(peer) < 0;
    }

    private Step become(Role r, long nowMillis, String reason) {
        role = r;
        activeSince = r == Role.active ? Math.max(1, nowMillis) : 0;
        announcedAgainst = -1;
        return new Step(r, true, r == Role.active, reason);
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
