package io.lvscp.api;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.api.event.ClusterEvents.*;
import io.lvscp.api.model.*;
import org.junit.jupiter.api.Test;

class ClusterStateTest {
    private static final ClusterSettings WEB = new ClusterSettings("web", RoutingMethod.nat,
            new NatRouter("10.11.12.10", "255.255.255.0", "eth1:1"), Heartbeat.defaults());
    private static final VirtualServerSpec HTTP = new VirtualServerSpec("http", "192.168.26.10", "255.255.255.0", "eth0:1", 80,
            null, null, null, null, null, null, null, null, null).withDefaults("http");
    private static final RealServer RS1 = new RealServer("rs1", "10.11.12.1", null, null, null, null, null, null, null).withDefaults("rs1", 80, RoutingMethod.nat);

    @Test
    void eventsFoldIntoStateOneRevisionEach() {
        ClusterState s = ClusterState.absent("web")
                .apply(new ClusterCreated(WEB))
                .apply(new VirtualServerAdded(HTTP))
                .apply(new RealServerAdded("http", RS1))
                .apply(new RealServerWeightChanged("http", "rs1", 5))
                .apply(new RealServerDrained("http", "rs1"))
                .apply(new VirtualServerDeactivated("http"));
        assertEquals(6, s.revision());
        RealServer rs = s.virtualServers().get("http").realServers().get("rs1");
        assertEquals(5, rs.weight());
        assertEquals(RealServerState.drained, rs.state());
        assertEquals(ForwardingMethod.masq, rs.forwarding());
        assertEquals(RealServer.NO_THRESHOLD, rs.upperThreshold(), "a default the state spells out");
        assertEquals(RealServer.NO_THRESHOLD, rs.lowerThreshold());
        assertFalse(s.virtualServers().get("http").spec().isActive());
    }

    @Test
    void olderStatesStayAsTheyWere() {
        ClusterState before = ClusterState.absent("web").apply(new ClusterCreated(WEB)).apply(new VirtualServerAdded(HTTP))
                .apply(new RealServerAdded("http", RS1));
        ClusterState after = before.apply(new RealServerRemoved("http", "rs1")).apply(new VirtualServerRemoved("http"));
        assertTrue(before.virtualServers().get("http").realServers().containsKey("rs1"));
        assertTrue(after.virtualServers().isEmpty());
    }

    @Test
    void deletingKeepsTheRevisionCounting() {
        ClusterState s = ClusterState.absent("web").apply(new ClusterCreated(WEB)).apply(new ClusterDeleted("web"));
        assertFalse(s.exists());
        assertEquals(2, s.revision());
        assertEquals(3, s.apply(new ClusterCreated(WEB)).revision());
    }

    @Test
    void anEventAboutSomethingMissingIsAnError() {
        ClusterState s = ClusterState.absent("web").apply(new ClusterCreated(WEB));
        assertThrows(IllegalStateException.class, () -> s.apply(new RealServerDrained("http", "rs1")));
    }
}
