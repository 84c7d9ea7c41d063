package io.lvscp.agent.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvscp.api.model.*;
import java.util.List;
import org.junit.jupiter.api.Test;

class DesiredTableTest {
    private static final ClusterSettings WEB = new ClusterSettings("web", RoutingMethod.nat,
            new NatRouter("10.11.12.10", "255.255.255.0", "eth1:1"), Heartbeat.defaults());
    private static final VirtualServerSpec HTTP = new VirtualServerSpec("http", "192.168.26.10", "255.255.255.0", "eth0:1", 80,
            null, null, Scheduler.wlc, null, null, null, null, null).withDefaults("http");

    @Test
    void realServersKeepTheirConnectionThresholds() {
        RealServer limited = new RealServer("rs1", "10.11.12.1", null, 2, null, RealServerState.drained, 500, 400)
                .withDefaults("rs1", 80, RoutingMethod.nat);
        RealServer plain = new RealServer("rs2", "10.11.12.2", null, null, null, null, null, null).withDefaults("rs2", 80, RoutingMethod.nat);
        // As read from an event stored before real servers had thresholds.
        RealServer older = new RealServer("rs3", "10.11.12.3", 80, 1, ForwardingMethod.masq, RealServerState.active, null, null);
        ClusterState state = ClusterState.absent("web").withSettings(WEB)
                .withVirtualServer(VirtualServerState.of(HTTP).withRealServer(limited).withRealServer(plain).withRealServer(older));

        Service http = DesiredTable.from(state).services().values().iterator().next();
        assertEquals(List.of(
                new Destination("10.11.12.1", 80, ForwardingMethod.masq, 0, 500, 400), // drained: weight 0, thresholds kept
                new Destination("10.11.12.2", 80, ForwardingMethod.masq, 1, 0, 0),
                new Destination("10.11.12.3", 80, ForwardingMethod.masq, 1, 0, 0)), List.copyOf(http.destinations().values()));
    }
}
