package io.lvscp.agent.ops;

import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.agent.metrics.AgentMetrics;
import io.lvscp.api.stream.StreamMessage;
import io.lvscp.controlplane.ops.Fixture;
import io.lvscp.controlplane.ops.OpsTools;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;

/**
 * A running control plane with cluster "web" (router lvs1, virtual server http, two real servers) and lvs1's
 * agent on the recording driver, its metrics on an ephemeral loopback port; the agent has applied the head.
 */
final class OpsLab implements AutoCloseable {
    final RunningControlPlane cp;
    final AgentRuntime agent;

    OpsLab() throws Exception {
        cp = RunningControlPlane.onNewDatabase();
        try {
            Api.given(cp).body("{\"name\":\"web\",\"routingMethod\":\"direct\"}").post("/v1/clusters").then().statusCode(201);
            Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\"}").post("/v1/clusters/web/routers").then().statusCode(201);
            Api.given(cp).body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}")
                    .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
            Path stateDir = Files.createTempDirectory("lvscp-ops-agent");
            AgentConfig config = new AgentConfig(cp.baseUrl(), "web", "lvs1", "recording", stateDir.toString(), Map.of(), null, 0,
                    "127.0.0.1", 0.5, 0.5).withDefaults().withToken(cp.agentToken("web", "lvs1"));
            agent = AgentRuntime.start(config, ProcessRunner.local(), new RecordingDriver());
            awaitApplied();
            // A change while the agent is connected: its ack times a propagation.
            for (int i = 1; i <= 2; i++) {
                Api.given(cp).body("{\"name\":\"rs" + i + "\",\"address\":\"10.11.12." + i + "\"}")
                        .post("/v1/clusters/web/virtual-servers/http/real-servers").then().statusCode(201);
            }
            awaitApplied();
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    long revision() {
        return Api.given(cp).get("/v1/clusters/web").then().extract().jsonPath().getLong("revision");
    }

    void awaitApplied() {
        long want = revision();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> agent.agent().appliedRevision() == want);
        String line = "lvscp_router_applied_revision{cluster=\"web\",router=\"lvs1\"} " + want + ".0";
        String[] last = {""};
        try {
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> (last[0] = OpsTools.get(cp.baseUrl() + "/metrics")).contains(line));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the control plane never showed " + line + "; last scrape:\n" + last[0], e);
        }
    }

    String agentMetricsUrl() {
        return "http://127.0.0.1:" + agent.metricsPort() + "/metrics";
    }

    /** Every meter the agent defines, the health-check and role hooks and per real server counters included. */
    static String allAgentMeters() {
        AgentMetrics m = new AgentMetrics("web", "lvs1", "ipvs");
        m.desired(3);
        m.applied(3, 1, 2);
        m.connected(true);
        m.reconciled("changed", 4);
        m.drift();
        m.nack();
        m.destinations(List.of(new StreamMessage.DestinationStats("TCP 192.168.26.10:80", "10.11.12.1:80", 5, 50, 40, 5000, 40000)));
        m.checked("http", "rs1", true, 3);
        m.role(true);
        m.heartbeatRejected("bad_mac");
        return m.registry().scrape();
    }

    /** The names every exposition of lvscp can carry: a live control plane and agent, and every hook fed. */
    Set<String> knownMetricNames() throws Exception {
        Set<String> names = new TreeSet<>();
        names.addAll(OpsTools.sampleNames(OpsTools.get(cp.baseUrl() + "/metrics")));
        names.addAll(OpsTools.sampleNames(OpsTools.get(agentMetricsUrl())));
        names.addAll(OpsTools.sampleNames(Fixture.allControlPlaneMeters()));
        names.addAll(OpsTools.sampleNames(allAgentMeters()));
        return OpsTools.withBaseNames(names);
    }

    @Override
    public void close() throws Exception {
        try {
            if (agent != null) agent.close();
        } finally {
            cp.close();
        }
    }
}
