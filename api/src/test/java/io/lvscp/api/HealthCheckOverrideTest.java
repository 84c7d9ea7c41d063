package io.lvscp.api;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.api.event.ClusterEvents.RealServerAdded;
import io.lvscp.api.event.ClusterEvents.RealServerWeightChanged;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.*;
import org.junit.jupiter.api.Test;

/** A real server's override of its virtual server's check: what it inherits, what it resolves when written, what old events mean. */
class HealthCheckOverrideTest {
    static final HealthCheck VS = new HealthCheck(HealthCheckKind.http, "/a", 200, null, "OK", null, null, 5, 3, null, 2, 3).withDefaults();

    static HealthCheck override(HealthCheckKind kind, String path, Integer status, Integer interval) {
        return new HealthCheck(kind, path, status, null, null, null, null, interval, null, null, null, null);
    }

    @Test
    void withoutAKindTheOverrideAdjustsTheVirtualServersCheckFieldByField() {
        HealthCheck e = HealthCheck.effective(VS, override(null, "/b", null, 30));
        assertEquals(new HealthCheck(HealthCheckKind.http, "/b", 200, null, "OK", null, null, 30, 3, 15, 2, 3), e);
        assertEquals(VS, HealthCheck.effective(VS, null), "no override: the virtual server's check");
        assertEquals(HealthCheck.defaultTcp(), HealthCheck.effective(null, null), "a virtual server stored without a check has the default");
    }

    @Test
    void namingAKindBringsAProbeOfItsOwnAndKeepsTheTiming() {
        HealthCheck stored = override(HealthCheckKind.http, null, 204, null).asOverride();
        assertEquals(new HealthCheck(HealthCheckKind.http, "/", 204, null, null, null, null, null, null, null, null, null), stored,
                "the kind's probe defaults are written out; the timing stays the virtual server's");
        HealthCheck e = HealthCheck.effective(VS, stored);
        assertEquals("/", e.path(), "the virtual server's path is not inherited by a probe of its own");
        assertNull(e.expect(), "nor its body match");
        assertEquals(5, e.intervalSeconds());
        assertEquals(2, e.rise());

        HealthCheck tcp = HealthCheck.effective(VS, override(HealthCheckKind.tcp, null, null, null).asOverride());
        assertEquals(HealthCheckKind.tcp, tcp.kind());
        assertNull(tcp.path(), "no http field leaks into a tcp check");
        assertNull(tcp.expectStatus());
        assertEquals(HealthCheckKind.none, HealthCheck.effective(VS, override(HealthCheckKind.none, null, null, null).asOverride()).kind());
    }

    @Test
    void anEmptyOverrideIsNone() {
        HealthCheck empty = new HealthCheck(null, null, null, null, null, null, null, null, null, null, null, null);
        assertNull(empty.asOverride());
        RealServer rs = new RealServer("rs1", "10.11.12.1", null, null, null, null, null, null, empty).withDefaults("rs1", 80, RoutingMethod.nat);
        assertNull(rs.healthCheck());
    }

    @Test
    void theOverrideSurvivesTheNarrowEventsAndOldEventsReadAsNoOverride() throws Exception {
        RealServer rs = new RealServer("rs1", "10.11.12.1", null, null, null, null, null, null, override(null, "/b", null, null))
                .withDefaults("rs1", 80, RoutingMethod.nat);
        VirtualServerSpec spec = new VirtualServerSpec("http", "192.168.26.10", "255.255.255.0", "eth0:1", 80,
                null, null, null, null, VS, null, null, null, null).withDefaults("http");
        ClusterState s = ClusterState.absent("web").withSettings(new ClusterSettings("web", RoutingMethod.nat,
                        new NatRouter("10.11.12.10", "255.255.255.0", "eth1:1"), Heartbeat.defaults()))
                .withVirtualServer(VirtualServerState.of(spec))
                .apply(new RealServerAdded("http", rs))
                .apply(new RealServerWeightChanged("http", "rs1", 4));
        assertEquals("/b", s.virtualServers().get("http").realServers().get("rs1").healthCheck().path());

        String json = Json.mapper().writeValueAsString(new RealServerAdded("http", rs));
        assertTrue(json.contains("\"healthCheck\":{\"path\":\"/b\"}"), json);
        RealServerAdded old = Json.mapper().readValue(
                "{\"virtualServer\":\"http\",\"realServer\":{\"name\":\"rs1\",\"address\":\"10.11.12.1\",\"port\":80,\"weight\":1,"
                        + "\"forwarding\":\"masq\",\"state\":\"active\",\"upperThreshold\":0,\"lowerThreshold\":0}}", RealServerAdded.class);
        assertNull(old.realServer().healthCheck());
        assertEquals(VS, old.realServer().effectiveHealthCheck(VS));
    }
}
