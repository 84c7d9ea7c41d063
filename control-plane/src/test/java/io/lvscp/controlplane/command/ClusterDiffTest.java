package io.lvscp.controlplane.command;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.event.ClusterEvents.*;
import io.lvscp.api.model.*;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The diff is the one road from a state to another: whatever two states, its events lead from the first to the second. */
class ClusterDiffTest {
    private static final ClusterSettings WEB = new ClusterSettings("web", RoutingMethod.nat,
            new NatRouter("10.11.12.10", "255.255.255.0", "eth1:1"), Heartbeat.defaults());

    private static final HealthCheck[] OVERRIDES = {null, null,
            new HealthCheck(null, "/b", null, null, null, null, null, 30, null, null, null, null),
            new HealthCheck(HealthCheckKind.none, null, null, null, null, null, null, null, null, null, null, null)};

    private static ClusterState randomState(Random r) {
        ClusterState s = ClusterState.absent("web").withSettings(WEB);
        if (r.nextBoolean()) s = s.withSettings(new ClusterSettings("web", RoutingMethod.nat, WEB.natRouter(), new Heartbeat(539, 2, 10, false)));
        for (int m = 1; m <= 3; m++) {
            if (r.nextBoolean()) s = s.withFirewallMark(new FirewallMark((long) m, Protocol.tcp, "192.168.26.1" + m, List.of(String.valueOf(1000 + r.nextInt(3)))));
        }
        for (int v = 0; v < 4; v++) {
            if (r.nextInt(4) == 0) continue;
            VirtualServerSpec spec = new VirtualServerSpec("vs" + v, "192.168.26." + (20 + v), "255.255.255.0", "eth0:" + v, 80 + r.nextInt(2),
                    null, null, Scheduler.values()[r.nextInt(3)], null, null, null, null, r.nextBoolean(), null).withDefaults("vs" + v);
            VirtualServerState vs = VirtualServerState.of(spec);
            for (int i = 0; i < 5; i++) {
                if (r.nextInt(3) == 0) continue;
                vs = vs.withRealServer(new RealServer("rs" + i, "10.11.12." + (i + 1), 80, r.nextInt(3), ForwardingMethod.masq,
                        r.nextBoolean() ? RealServerState.active : RealServerState.drained, r.nextBoolean() ? 0 : 100, 0, OVERRIDES[r.nextInt(OVERRIDES.length)]));
            }
            s = s.withVirtualServer(vs);
        }
        if (r.nextBoolean()) s = s.withRouter(new Router("lvs1", "192.168.26.9", "10.11.12.9", r.nextBoolean() ? RolePreference.primary : RolePreference.backup));
        return s;
    }

    @Test
    void theEventsOfADiffLeadFromOneStateToTheOther() {
        Random r = new Random(7);
        for (int i = 0; i < 2000; i++) {
            ClusterState a = randomState(r);
            ClusterState b = randomState(r);
            List<ClusterEvent> events = ClusterDiff.between(a, b);
            assertTrue(ClusterDiff.reproduces(a, events, b), "diff " + events);
            assertTrue(ClusterDiff.between(b, b).isEmpty());
        }
    }

    @Test
    void narrowChangesGetTheirOwnEvents() {
        ClusterState a = randomState(new Random(1));
        while (a.virtualServers().isEmpty() || a.virtualServers().values().iterator().next().realServers().isEmpty()) a = randomState(new Random(a.hashCode()));
        VirtualServerState vs = a.virtualServers().values().iterator().next();
        RealServer rs = vs.realServers().values().iterator().next();
        ClusterState weight = a.withVirtualServer(vs.withRealServer(rs.withWeight(rs.weight() + 1)));
        assertEquals(List.of(new RealServerWeightChanged(vs.spec().name(), rs.name(), rs.weight() + 1)), ClusterDiff.between(a, weight));
        RealServerState other = rs.state() == RealServerState.active ? RealServerState.drained : RealServerState.active;
        ClusterEvent stateEvent = ClusterDiff.between(a, a.withVirtualServer(vs.withRealServer(rs.withState(other)))).get(0);
        assertEquals(other == RealServerState.drained ? RealServerDrained.class : RealServerEnabled.class, stateEvent.getClass());
        RealServer limited = new RealServer(rs.name(), rs.address(), rs.port(), rs.weight(), rs.forwarding(), rs.state(),
                rs.upperThreshold() + 50, 10, null);
        assertEquals(List.of(new RealServerChanged(vs.spec().name(), limited)), ClusterDiff.between(a, a.withVirtualServer(vs.withRealServer(limited))));
        HealthCheck slow = new HealthCheck(null, null, null, null, null, null, null, 60, null, null, null, null);
        RealServer overridden = new RealServer(rs.name(), rs.address(), rs.port(), rs.weight(), rs.forwarding(), rs.state(),
                rs.upperThreshold(), rs.lowerThreshold(), slow);
        ClusterState withOverride = a.withVirtualServer(vs.withRealServer(overridden));
        assertEquals(List.of(new RealServerChanged(vs.spec().name(), overridden)), ClusterDiff.between(a, withOverride),
                "a change of the override alone is a RealServerChanged that carries it");
        assertEquals(List.of(new RealServerWeightChanged(vs.spec().name(), rs.name(), rs.weight() + 1)),
                ClusterDiff.between(withOverride, withOverride.withVirtualServer(withOverride.virtualServers().get(vs.spec().name())
                        .withRealServer(overridden.withWeight(rs.weight() + 1)))), "a weight change keeps the override and stays narrow");
        ClusterState removed = a.withVirtualServer(vs.withRealServer(rs.withHealthCheck(null)));
        assertEquals(List.of(new RealServerChanged(vs.spec().name(), rs.withHealthCheck(null))), ClusterDiff.between(withOverride, removed),
                "taking the override away is a RealServerChanged without it");
        ClusterEvent active = ClusterDiff.between(a, a.withVirtualServer(vs.withSpec(vs.spec().withActive(!vs.spec().isActive())))).get(0);
        assertEquals(vs.spec().isActive() ? VirtualServerDeactivated.class : VirtualServerActivated.class, active.getClass());
    }

    @Test
    void creatingAndDeletingAClusterAreSingleEventsAtTheEnds() {
        ClusterState absent = ClusterState.absent("web");
        ClusterState made = absent.withSettings(WEB);
        assertEquals(List.of(new ClusterCreated(WEB)), ClusterDiff.between(absent, made));
        assertEquals(List.of(new ClusterDeleted("web")), ClusterDiff.between(made, absent));
        assertTrue(ClusterDiff.between(absent, absent).isEmpty());
    }
}
