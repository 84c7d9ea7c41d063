package io.lvscp.controlplane.ops;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.api.model.ClusterState;
import io.lvscp.controlplane.metrics.ControlPlaneMetrics;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The control plane's /metrics follows Prometheus conventions (promtool check metrics, Debian's promtool; the
 * test fails if it is missing), carries the series the dashboard and alerts need, and no unbounded label.
 */
class ControlPlaneMetricsTest {

    static void exercise(RunningControlPlane cp, String requestId) {
        Api.given(cp).header("X-Request-Id", requestId).body("{\"name\":\"web\",\"routingMethod\":\"direct\"}")
                .post("/v1/clusters").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\"}").post("/v1/clusters/web/routers").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}")
                .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"rs1\",\"address\":\"10.11.12.1\"}")
                .post("/v1/clusters/web/virtual-servers/http/real-servers").then().statusCode(201);
        Api.given(cp).post("/v1/clusters/web/virtual-servers/http/real-servers/rs1/drain").then().statusCode(200);
        Api.badInput(cp).get("/v1/clusters/nope").then().statusCode(404);
    }

    @Test
    void aRunningControlPlanePassesPromtoolAndHasTheOperationsSeries() throws Exception {
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            exercise(cp, "metrics-test-request-1");
            String metrics = OpsTools.get(cp.baseUrl() + "/metrics");
            OpsTools.assertPromtoolAccepts(metrics, "the control plane's /metrics");

            Set<String> names = OpsTools.sampleNames(metrics);
            for (String n : List.of("vertx_http_server_requests_total", "lvscp_events_appended_total", "lvscp_event_append_seconds_bucket",
                    "lvscp_projection_lag_seconds_bucket", "lvscp_clusters", "lvscp_cluster_revision", "lvscp_cluster_virtual_servers",
                    "lvscp_cluster_real_servers", "lvscp_agents_connected", "lvscp_router_connected", "lvscp_router_desired_revision",
                    "lvscp_router_applied_revision", "lvscp_revision_propagation_seconds_bucket", "lvscp_agent_nacks_total",
                    "lvscp_agent_drift_corrections_total")) {
                assertTrue(names.contains(n), n + " missing from\n" + metrics);
            }
            assertTrue(metrics.contains("lvscp_router_desired_revision{cluster=\"web\",router=\"lvs1\"} 5.0"), metrics);
            assertTrue(metrics.contains("lvscp_cluster_real_servers{cluster=\"web\",state=\"drained\"} 1.0"), metrics);
            assertTrue(metrics.contains("route=\"/v1/clusters/:cluster/virtual-servers/:vs/real-servers\""),
                    "HTTP metrics are labelled by route, not path");
            assertFalse(metrics.contains("metrics-test-request-1"), "a request id is never a label");
            assertFalse(metrics.contains("127.0.0.1"), "a client address is never a label");
            assertFalse(metrics.contains("/v1/clusters/nope"), "unmatched paths are not labels");
        }
    }

    @Test
    void everyMeterIncludingTheReportedHealthAndRolesPassesPromtool() throws Exception {
        String metrics = Fixture.allControlPlaneMeters();
        OpsTools.assertPromtoolAccepts(metrics, "every control-plane meter");
        assertTrue(metrics.contains("lvscp_router_active{cluster=\"web\",router=\"lvs1\"} 1.0"), metrics);
        assertTrue(metrics.contains("lvscp_real_server_healthy{cluster=\"web\",real_server=\"rs1\",router=\"lvs1\",virtual_server=\"http\"} 0.0"), metrics);
        assertTrue(metrics.contains("lvscp_revision_propagation_seconds_count{cluster=\"web\",router=\"lvs1\"} 1"), metrics);
    }

    @Test
    void metersOfDeletedRoutersAndRealServersGoAway() {
        ControlPlaneMetrics m = new ControlPlaneMetrics();
        ClusterState s = Fixture.cluster();
        Fixture.publish(m, ClusterState.absent("web"), s);
        m.healthReported("web", "http", "rs1", "lvs1", true);
        assertTrue(m.registry().scrape().contains("lvscp_real_server_healthy"));
        Fixture.publish(m, s, s.withoutRouter("lvs1").atRevision(s.revision() + 1));
        String after = m.registry().scrape();
        assertFalse(after.contains("router=\"lvs1\""), after);
        assertFalse(after.contains("lvscp_real_server_healthy{"), after);
    }

    @Test
    void aRestartedAgentsHealthSeriesGoAwayAsItsRowsDo() {
        ControlPlaneMetrics m = new ControlPlaneMetrics();
        ClusterState s = Fixture.cluster();
        Fixture.publish(m, ClusterState.absent("web"), s);
        String rs1 = "lvscp_real_server_healthy{cluster=\"web\",real_server=\"rs1\",router=\"lvs1\",virtual_server=\"http\"}";
        m.agentConnected("web", "lvs1", 4, "run-1");
        m.healthReported("web", "http", "rs1", "lvs1", false);
        assertTrue(m.registry().scrape().contains(rs1 + " 0.0"));

        m.agentDisconnected("web", "lvs1");
        m.agentConnected("web", "lvs1", 4, "run-1");
        assertTrue(m.registry().scrape().contains(rs1 + " 0.0"), "the same run reconnecting keeps its verdicts");
        m.agentConnected("web", "lvs1", 4, null);
        assertTrue(m.registry().scrape().contains(rs1 + " 0.0"), "an agent that names no run keeps them too, as the rows do");

        m.agentDisconnected("web", "lvs1");
        m.agentConnected("web", "lvs1", 4, "run-2");
        String after = m.registry().scrape();
        assertFalse(after.contains("lvscp_real_server_healthy{"), "a new run's servers start healthy: the old verdicts go\n" + after);
        assertTrue(after.contains("lvscp_router_connected{cluster=\"web\",router=\"lvs1\"} 1.0"), after);

        m.healthReported("web", "http", "rs1", "lvs1", true);
        assertTrue(m.registry().scrape().contains(rs1 + " 1.0"), "the new run's reports are counted");
    }
}
