package io.lvscp.agent.e2e;

import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole road on real kernels: REST → events → stream → agent → nftables in a router namespace → client
 * traffic through the VIP to real servers in their own namespaces. The steps build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NatClusterEndToEndTest {
    static final String VIP = "192.168.26.10";
    static final String RS = "/v1/clusters/web/virtual-servers/http/real-servers/";
    static NetnsLab lab;
    static String database;
    static int port;
    static RunningControlPlane cp;
    static RunningControlPlane spare;
    static AgentRuntime agent;
    static String credential;
    static Path stateDir;

    @BeforeAll
    static void start() throws Exception {
        lab = new NetnsLab(3);
        for (int i = 1; i <= 3; i++) lab.startServer(i, 80);
        database = TestPostgres.newDatabase();
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        cp = RunningControlPlane.on(database, port);
        stateDir = Files.createTempDirectory("lvscp-agent");

        Api.given(cp).body("""
                {"name": "web", "routingMethod": "nat",
                 "natRouter": {"address": "10.11.12.10", "netmask": "255.255.255.0", "device": "eth1:1"}}
                """).post("/v1/clusters").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\",\"rolePreference\":\"primary\"}")
                .post("/v1/clusters/web/routers").then().statusCode(201);
        AgentConfig config = new AgentConfig(cp.baseUrl(), "web", "lvs1", "nftables", stateDir.toString(), Map.of(), lab.router,
                0, "127.0.0.1", 1.0, 1.0).withDefaults().withToken(credential = cp.agentToken("web", "lvs1"));
        agent = AgentRuntime.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (agent != null) agent.close();
            if (cp != null) cp.close();
            if (spare != null) spare.close();
        } finally {
            if (lab != null) lab.close();
        }
    }

    private static long revision() {
        return Api.given(cp).get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getLong("revision");
    }

    /** Waits until the router reports the cluster's current revision as applied. */
    private static void awaitApplied() {
        long want = revision();
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                Api.given(cp).get("/v1/clusters/web/routers/lvs1").then().statusCode(200)
                        .body("status.appliedRevision", equalTo((int) want)));
    }

    private static void assertShares(Map<String, Integer> counts, Map<String, Integer> weights, int total) {
        assertEquals(0, counts.getOrDefault("failed", 0), "no request failed: " + counts);
        int weightSum = weights.values().stream().mapToInt(Integer::intValue).sum();
        for (var w : weights.entrySet()) {
            int got = counts.getOrDefault(w.getKey(), 0);
            if (w.getValue() == 0) {
                assertEquals(0, got, w.getKey() + " has weight 0 but answered: " + counts);
            } else {
                double expected = (double) total * w.getValue() / weightSum;
                assertTrue(Math.abs(got - expected) <= expected * 0.35, w.getKey() + " answered " + got + " of " + total
                        + ", expected about " + (int) expected + ": " + counts);
            }
        }
        for (String name : counts.keySet()) {
            if (!name.equals("failed")) assertTrue(weights.containsKey(name), "unexpected answer from " + name + ": " + counts);
        }
    }

    @Test
    @Order(1)
    void trafficThroughTheVipFollowsTheWeights() throws Exception {
        Api.given(cp).body("{\"name\":\"http\",\"address\":\"" + VIP + "\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80,\"scheduler\":\"wrr\"}")
                .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
        for (int i = 1; i <= 3; i++) {
            Api.given(cp).body("{\"name\":\"rs" + i + "\",\"address\":\"10.11.12." + i + "\",\"weight\":" + i + "}")
                    .post("/v1/clusters/web/virtual-servers/http/real-servers").then().statusCode(201);
        }
        awaitApplied();
        // The agent put the VIPs on their devices with their labels, and turned on forwarding for NAT. A brand-new agent
        // holds no VIP until its failover loop has decided its role (alone in its cluster: active, a tick later), so the
        // addresses may follow the applied revision by that tick.
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String addresses = lab.in(lab.router, "ip", "addr", "show");
            assertTrue(addresses.contains(VIP + "/24") && addresses.contains("eth0:1"), addresses);
            assertTrue(addresses.contains("10.11.12.10/24") && addresses.contains("eth1:1"), addresses);
        });
        assertEquals("1", lab.in(lab.router, "sysctl", "-n", "net.ipv4.ip_forward").trim());

        assertShares(lab.probe(VIP, 80, 600), Map.of("rs1", 1, "rs2", 2, "rs3", 3), 600);

        String metrics = io.restassured.RestAssured.get("http://127.0.0.1:" + agent.metricsPort() + "/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("lvscp_agent_applied_revision{cluster=\"web\",router=\"lvs1\"} " + revision() + ".0"), metrics);
        assertTrue(metrics.contains("lvscp_agent_destinations{cluster=\"web\",driver=\"nftables\",router=\"lvs1\"} 3.0"), metrics);
        assertTrue(metrics.contains("lvscp_agent_reconcile_seconds_count"), metrics);
    }

    @Test
    @Order(2)
    void aWeightChangeADrainAndARemovalEachMoveTheTraffic() throws Exception {
        Api.given(cp).body("{\"weight\": 3}").put(RS + "rs1/weight").then().statusCode(200);
        awaitApplied();
        assertShares(lab.probe(VIP, 80, 600), Map.of("rs1", 3, "rs2", 2, "rs3", 3), 600);

        Api.given(cp).post(RS + "rs2/drain").then().statusCode(200);
        awaitApplied();
        assertShares(lab.probe(VIP, 80, 300), Map.of("rs1", 3, "rs2", 0, "rs3", 3), 300);

        Api.given(cp).delete(RS + "rs3").then().statusCode(204);
        awaitApplied();
        assertShares(lab.probe(VIP, 80, 100), Map.of("rs1", 3), 100);
    }

    @Test
    @Order(3)
    void rulesDeletedByHandAreRestoredAndReported() throws Exception {
        lab.in(lab.router, "nft", "delete", "table", "ip", "lvscp");
        // Checked on the kernel, not with traffic: the agent may put the rules back before a probe could start.
        assertFalse(lab.in(lab.router, "nft", "list", "tables").contains("lvscp\n"), "the table is gone");
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                lab.probe(VIP, 80, 5).getOrDefault("rs1", 0) == 5);
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                Api.given(cp).queryParam("cluster", "web").queryParam("type", "DriftCorrected").get("/v1/events").then()
                        .statusCode(200).body("items", not(empty()), "items[0].data.router", equalTo("lvs1")));
    }

    @Test
    @Order(4)
    void trafficFlowsWithoutTheControlPlaneAndTheAgentCatchesUpAfter() throws Exception {
        spare = RunningControlPlane.on(database);
        cp.close();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !agent.agent().connected());
        assertShares(lab.probe(VIP, 80, 50), Map.of("rs1", 3), 50);

        // A change made while this router's control plane is away (through another process on the same database)...
        Api.given(spare).body("{\"name\":\"rs3\",\"address\":\"10.11.12.3\",\"weight\":3}")
                .post("/v1/clusters/web/virtual-servers/http/real-servers").then().statusCode(201);
        assertShares(lab.probe(VIP, 80, 50), Map.of("rs1", 3), 50);
        // ...reaches it when its control plane is back.
        cp = RunningControlPlane.on(database, port);
        awaitApplied();
        assertShares(lab.probe(VIP, 80, 300), Map.of("rs1", 3, "rs3", 3), 300);
    }

    @Test
    @Order(5)
    void anAgentRestartedWithoutAControlPlaneProgramsItsSavedState() throws Exception {
        long applied = agent.agent().appliedRevision();
        agent.close();
        cp.close();
        lab.in(lab.router, "nft", "delete", "table", "ip", "lvscp");
        AgentConfig config = new AgentConfig("http://127.0.0.1:" + port, "web", "lvs1", "nftables", stateDir.toString(), Map.of(),
                lab.router, 0, "127.0.0.1", 1.0, 1.0).withDefaults().withToken(credential);
        agent = AgentRuntime.start(config);
        assertEquals(applied, agent.agent().appliedRevision());
        assertShares(lab.probe(VIP, 80, 100), Map.of("rs1", 3, "rs3", 3), 100);
        cp = RunningControlPlane.on(database, port);
    }

    @Test
    @Order(6)
    void anUnknownRouterIsRefused() throws Exception {
        // A credential made while lvs9 was enrolled, used after it was removed.
        Api.given(cp).body("{\"name\":\"lvs9\",\"publicAddress\":\"192.168.26.99\",\"privateAddress\":\"10.11.12.99\"}").post("/v1/clusters/web/routers").then().statusCode(201);
        String lvs9 = cp.agentToken("web", "lvs9");
        Api.given(cp).delete("/v1/clusters/web/routers/lvs9").then().statusCode(204);
        AgentConfig stranger = new AgentConfig(cp.baseUrl(), "web", "lvs9", "recording", Files.createTempDirectory("lvscp-stranger").toString(),
                Map.of(), null, -1, "127.0.0.1", 1.0, 1.0).withDefaults().withToken(lvs9);
        try (AgentRuntime r = AgentRuntime.start(stranger)) {
            Api.given(cp).get("/v1/clusters/web/routers/lvs9").then().statusCode(404);
            Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> r.agent().desiredRevision() == 0);
        }
    }
}
