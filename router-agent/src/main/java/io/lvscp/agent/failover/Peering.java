package io.lvscp.agent.failover;

import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.Heartbeat;
import io.lvscp.api.model.RolePreference;
import io.lvscp.api.model.Router;
import java.time.Duration;

/**
 * This router's pair as its cluster's state describes it: itself, its peer (null when it has none), and the
 * heartbeat settings. Heartbeats go to the peer's public address on the cluster's heartbeat port, as pulse's do:
 * the segment the clients and the VIPs are on, so a heartbeat that arrives also proves that path.
 */
public record Peering(Router self, Router peer, int port, Duration keepalive, Duration deadtime, boolean preempt) {

    /** The pair of {@code router} in {@code state}; null when the state is absent or does not enrol this router. */
    public static Peering of(ClusterState state, String router) {
        if (state == null || !state.exists()) return null;
        Router self = state.routers().get(router);
        if (self == null) return null;
        Router peer = null;
        for (Router r : state.routers().values()) {
            if (!r.name().equals(router)) peer = r;
        }
        Heartbeat h = state.settings().heartbeat() == null ? Heartbeat.defaults() : state.settings().heartbeat().withDefaults();
        return new Peering(self, peer, h.port(), Duration.ofSeconds(h.keepaliveSeconds()), Duration.ofSeconds(h.deadtimeSeconds()),
                h.preempts());
    }

    public boolean selfPrimary() {
        return self.rolePreference() == RolePreference.primary;
    }

    public String peerName() {
        return peer == null ? null : peer.name();
    }
}
