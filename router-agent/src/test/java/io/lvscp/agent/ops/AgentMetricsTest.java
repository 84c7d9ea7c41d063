package io.lvscp.agent.ops;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.controlplane.ops.OpsTools;
import io.lvscp.controlplane.support.Api;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The agent's /metrics passes promtool check metrics (Debian's promtool; missing, the test fails) and has its series. */
class AgentMetricsTest {

    @Test
    void aRunningAgentsMetricsPassPromtool() throws Exception {
        try (OpsLab lab = new OpsLab()) {
            String metrics = OpsTools.get(lab.agentMetricsUrl());
            OpsTools.assertPromtoolAccepts(metrics, "the agent's /metrics");
            Set<String> names = OpsTools.sampleNames(metrics);
            for (String n : List.of("lvscp_agent_applied_revision", "lvscp_agent_desired_revision", "lvscp_agent_services",
                    "lvscp_agent_destinations", "lvscp_agent_connected", "lvscp_agent_reconcile_seconds_bucket",
                    "lvscp_agent_drift_corrections_total", "lvscp_agent_nacks_total")) {
                assertTrue(names.contains(n), n + " missing from\n" + metrics);
            }
            long rev = lab.revision();
            assertTrue(metrics.contains("lvscp_agent_applied_revision{cluster=\"web\",router=\"lvs1\"} " + rev + ".0"), metrics);
            assertTrue(metrics.contains("lvscp_agent_connected{cluster=\"web\",router=\"lvs1\"} 1.0"), "the stream is up: " + metrics);
            assertTrue(metrics.contains("lvscp_agent_connection_sync{cluster=\"web\",router=\"lvs1\"} 0.0"), "no connectionSync set: " + metrics);
            assertTrue(metrics.contains("lvscp_agent_destinations{cluster=\"web\",driver=\"recording\",router=\"lvs1\"} 2.0"), metrics);

            // The cluster asks for connection sync: the agent (recording driver: it can) says it runs it.
            Api.given(lab.cp).body("{\"routingMethod\":\"direct\",\"connectionSync\":{\"device\":\"eth1\",\"syncId\":4}}")
                    .put("/v1/clusters/web").then().statusCode(200);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> OpsTools.get(lab.agentMetricsUrl())
                    .contains("lvscp_agent_connection_sync{cluster=\"web\",router=\"lvs1\"} 1.0"));

            // The control plane's view of the same router, with the propagation of the revisions it acked.
            String cp = OpsTools.get(lab.cp.baseUrl() + "/metrics");
            OpsTools.assertPromtoolAccepts(cp, "the control plane's /metrics with an agent connected");
            assertTrue(cp.contains("lvscp_router_connected{cluster=\"web\",router=\"lvs1\"} 1.0"), cp);
            assertTrue(cp.contains("lvscp_agents_connected 1.0"), cp);
            assertTrue(cp.lines().anyMatch(l -> l.startsWith("lvscp_revision_propagation_seconds_count{cluster=\"web\",router=\"lvs1\"}")
                    && !l.endsWith(" 0")), "propagation was timed: " + cp);
        }
    }

    @Test
    void everyAgentMeterIncludingCountersHealthAndRolePassesPromtool() throws Exception {
        String metrics = OpsLab.allAgentMeters();
        OpsTools.assertPromtoolAccepts(metrics, "every agent meter");
        for (String n : List.of("lvscp_agent_destination_connections_total", "lvscp_agent_destination_packets_in_total",
                "lvscp_agent_destination_packets_out_total", "lvscp_agent_destination_in_bytes_total", "lvscp_agent_destination_out_bytes_total",
                "lvscp_agent_real_server_healthy", "lvscp_agent_check_seconds_bucket", "lvscp_agent_active",
                "lvscp_agent_heartbeats_rejected_total")) {
            assertTrue(OpsTools.sampleNames(metrics).contains(n), n + " missing from\n" + metrics);
        }
    }
}
