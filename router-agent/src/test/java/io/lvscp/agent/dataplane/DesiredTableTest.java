package io.lvscp.agent.dataplane;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.api.model.*;
import java.util.List;
import org.junit.jupiter.api.Test;

class DesiredTableTest {
    private static final ClusterSettings WEB = new ClusterSettings("web", RoutingMethod.nat,
            new NatRouter("10.11.12.10", "255.255.255.0", "eth1:1"), Heartbeat.defaults());
    private static final VirtualServerSpec HTTP = new VirtualServerSpec("http", "192.168.26.10", "255.255.255.0", "eth0:1", 80,
            null, null, Scheduler.wlc, null, null, null, null, null, null).withDefaults("http");

    @Test
    void realServersKeepTheirConnectionThresholds() {
        RealServer limited = new RealServer("rs1", "10.11.12.1", null, 2, null, RealServerState.drained, 500, 400, null)
                .withDefaults("rs1", 80, RoutingMethod.nat);
        RealServer plain = new RealServer("rs2", "10.11.12.2", null, null, null, null, null, null, null).withDefaults("rs2", 80, RoutingMethod.nat);
        // As read from an event stored before real servers had thresholds.
        RealServer older = new RealServer("rs3", "10.11.12.3", 80, 1, ForwardingMethod.masq, RealServerState.active, null, null, null);
        ClusterState state = ClusterState.absent("web").withSettings(WEB)
                .withVirtualServer(VirtualServerState.of(HTTP).withRealServer(limited).withRealServer(plain).withRealServer(older));

        Service http = DesiredTable.from(state).services().values().iterator().next();
        assertEquals(List.of(
                new Destination("10.11.12.1", 80, ForwardingMethod.masq, 0, 500, 400), // drained: weight 0, thresholds kept
                new Destination("10.11.12.2", 80, ForwardingMethod.masq, 1, 0, 0),
                new Destination("10.11.12.3", 80, ForwardingMethod.masq, 1, 0, 0)), List.copyOf(http.destinations().values()));
    }

    @Test
    void addressesAreSpelledAsTheKernelPrintsThem() {
        // The drivers compare this table with what ipvsadm and nft print, string for string.
        VirtualServerSpec v6 = new VirtualServerSpec("v6", "2001:DB8:0:0:0:0:0:10", "64", "eth0:1", 80,
                null, null, Scheduler.wlc, null, null, null, null, null, null).withDefaults("v6");
        RealServer rs = new RealServer("rs1", "2001:0db8:0001:0:0:0:0:0001", null, 1, null, null, null, null, null).withDefaults("rs1", 80, RoutingMethod.nat);
        ClusterState state = ClusterState.absent("web").withSettings(WEB).withVirtualServer(VirtualServerState.of(v6).withRealServer(rs));
        Service s = DesiredTable.from(state).services().values().iterator().next();
        assertEquals("2001:db8::10", s.key().address());
        assertEquals(List.of("2001:db8:1::1"), s.destinations().values().stream().map(Destination::address).toList());
    }

    @Test
    void theCacheRebuildsOnlyWhatARevisionOrAVerdictChanged() {
        VirtualServerSpec other = new VirtualServerSpec("other", "192.168.26.11", "255.255.255.0", "eth0:1", 80,
                null, null, Scheduler.wlc, null, null, null, null, null, null).withDefaults("other");
        ClusterState before = threeServers(HTTP).withVirtualServer(VirtualServerState.of(other)
                .withRealServer(new RealServer("rs9", "10.11.12.9", null, 1, null, null, null, null, null).withDefaults("rs9", 80, RoutingMethod.nat)));
        DesiredTable.Cache cache = new DesiredTable.Cache();
        ServiceTable first = cache.from(before, HealthView.ALL_HEALTHY);
        ClusterState after = before.withVirtualServer(before.virtualServers().get("http")
                .withRealServer(new RealServer("rs1", "10.11.12.1", null, 7, null, null, null, null, null).withDefaults("rs1", 80, RoutingMethod.nat)));
        ServiceTable second = cache.from(after, HealthView.ALL_HEALTHY);
        Service http1 = first.services().values().stream().filter(x -> x.key().address().equals("192.168.26.10")).findFirst().orElseThrow();
        Service http2 = second.services().values().stream().filter(x -> x.key().address().equals("192.168.26.10")).findFirst().orElseThrow();
        Service other1 = first.services().values().stream().filter(x -> x.key().address().equals("192.168.26.11")).findFirst().orElseThrow();
        Service other2 = second.services().values().stream().filter(x -> x.key().address().equals("192.168.26.11")).findFirst().orElseThrow();
        assertSame(other1, other2, "an untouched virtual server keeps its service object");
        assertNotSame(http1, http2);
        assertEquals(7, http2.destinations().get("10.11.12.1:80").weight());
        assertEquals(DesiredTable.from(after), second, "the cache gives what a fresh build gives");
        // A health verdict on the untouched one rebuilds it too.
        HealthView rs9Down = (vs, rs) -> !rs.equals("rs9");
        ServiceTable third = cache.from(after, rs9Down);
        assertEquals(DesiredTable.from(after, rs9Down), third);
        assertNotSame(other2, third.services().values().stream().filter(x -> x.key().address().equals("192.168.26.11")).findFirst().orElseThrow());
    }

    private static ClusterState threeServers(VirtualServerSpec spec) {
        VirtualServerState vs = VirtualServerState.of(spec);
        for (int i = 1; i <= 3; i++) {
            vs = vs.withRealServer(new RealServer("rs" + i, "10.11.12." + i, null, i, null, null, null, null, null).withDefaults("rs" + i, 80, RoutingMethod.nat));
        }
        return ClusterState.absent("web").withSettings(WEB).withVirtualServer(vs);
    }

    private static VirtualServerSpec with(boolean quiesce, SorryServer sorry, int quorum) {
        return new VirtualServerSpec("http", "192.168.26.10", "255.255.255.0", "eth0:1", 80, null, null, Scheduler.wlc, null, null,
                quiesce, sorry, null, quorum).withDefaults("http");
    }

    private static List<Destination> table(ClusterState state, HealthView health) {
        var services = DesiredTable.from(state, health).services().values();
        return services.isEmpty() ? List.of() : List.copyOf(services.iterator().next().destinations().values());
    }

    @Test
    void aFailedServerLeavesOrIsQuiesced() {
        HealthView rs2Down = (vs, rs) -> !rs.equals("rs2");
        assertEquals(List.of(new Destination("10.11.12.1", 80, ForwardingMethod.masq, 1, 0, 0), new Destination("10.11.12.3", 80, ForwardingMethod.masq, 3, 0, 0)),
                table(threeServers(with(false, null, 0)), rs2Down));
        assertEquals(List.of(new Destination("10.11.12.1", 80, ForwardingMethod.masq, 1, 0, 0), new Destination("10.11.12.2", 80, ForwardingMethod.masq, 0, 0, 0),
                new Destination("10.11.12.3", 80, ForwardingMethod.masq, 3, 0, 0)), table(threeServers(with(true, null, 0)), rs2Down));
    }

    @Test
    void theSorryServerTakesOverWhenNoneCanServe() {
        SorryServer sorry = new SorryServer("10.11.12.99", 8080);
        assertEquals(List.of(new Destination("10.11.12.99", 8080, ForwardingMethod.masq, 1, 0, 0)),
                table(threeServers(with(false, sorry, 0)), (vs, rs) -> false));
        assertEquals(3, table(threeServers(with(false, sorry, 0)), HealthView.ALL_HEALTHY).size(), "no sorry server while real servers serve");
    }

    @Test
    void belowQuorumTheRealServersAreWithdrawn() {
        HealthView oneUp = (vs, rs) -> rs.equals("rs1");
        assertEquals(List.of(), table(threeServers(with(false, null, 2)), oneUp));
        assertEquals(List.of(new Destination("10.11.12.99", 80, ForwardingMethod.masq, 1, 0, 0)),
                table(threeServers(with(false, new SorryServer("10.11.12.99", null), 2)), oneUp));
        assertEquals(1, table(threeServers(with(false, null, 1)), oneUp).size(), "at quorum the healthy one serves");
    }
}
