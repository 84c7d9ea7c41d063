package io.lvscp.agent.stream;

import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.api.model.Scheduler;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stream between a real control plane and real agents whose driver only records (no kernel needed): first
 * contact, resuming with deltas, a snapshot when too far behind, nacks, and refusal of strangers.
 */
class AgentStreamTest {
    RunningControlPlane cp;
    Path stateDir;

    @BeforeEach
    void start() throws Exception {
        cp = RunningControlPlane.onNewDatabase();
        stateDir = Files.createTempDirectory("lvscp-agent-stream");
        Api.given(cp).body("{\"name\":\"web\",\"routingMethod\":\"direct\"}").post("/v1/clusters").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\"}").post("/v1/clusters/web/routers").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}")
                .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    private AgentConfig config(String router) {
        return config(router, cp.agentToken("web", router));
    }

    private AgentConfig config(String router, String credential) {
        return new AgentConfig(cp.baseUrl(), "web", router, "recording", stateDir.toString(), Map.of(), null, -1, "127.0.0.1", 0.5, 0.5)
                .withDefaults().withToken(credential);
    }

    private long revision() {
        return Api.given(cp).get("/v1/clusters/web").then().extract().jsonPath().getLong("revision");
    }

    private void awaitApplied(AgentRuntime agent) {
        long want = revision();
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> agent.agent().appliedRevision() == want);
        Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/web/routers/lvs1")
                .then().body("status.appliedRevision", equalTo((int) want), "status.connected", equalTo(true)));
    }

    private void addRealServer(int i) {
        Api.given(cp).body("{\"name\":\"rs" + i + "\",\"address\":\"10.0." + (i / 250) + "." + (1 + i % 250) + "\"}")
                .post("/v1/clusters/web/virtual-servers/http/real-servers").then().statusCode(201);
    }

    private double streamed(String type) {
        String metrics = Api.given(cp).get("/metrics").then().extract().asString();
        return metrics.lines().filter(l -> l.startsWith("lvscp_agent_stream_messages_total{type=\"" + type + "\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void aNewAgentGetsASnapshotThenEveryRevision() throws Exception {
        RecordingDriver driver = new RecordingDriver();
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), driver)) {
            awaitApplied(agent);
            assertEquals(1, streamed("snapshot"));
            for (int i = 1; i <= 3; i++) addRealServer(i);
            Api.given(cp).body("{\"weight\": 7}").put("/v1/clusters/web/virtual-servers/http/real-servers/rs2/weight").then().statusCode(200);
            awaitApplied(agent);
            Service http = driver.read().services().values().iterator().next();
            assertEquals(3, http.destinations().size());
            assertEquals(7, http.destinations().get("10.0.0.3:80").weight());
            assertEquals(1, streamed("snapshot"), "later revisions came as deltas");
            assertTrue(streamed("delta") >= 1);
        }
    }

    @Test
    void aSnapshotFarBeyondTheWebSocketDefaultLimitArrives() throws Exception {
        // Vert.x closes a stream on a message over 256 KiB unless told otherwise; a cluster of a few hundred
        // virtual servers is past that. Each of these carries two kilobytes of check text.
        String text = "x".repeat(1000);
        int n = 250;
        for (int i = 0; i < n; i++) {
            Api.given(cp).body("{\"name\":\"v" + i + "\",\"address\":\"192.168.27." + (i + 1) + "\",\"netmask\":\"255.255.255.0\","
                            + "\"device\":\"eth0:1\",\"port\":80,\"healthCheck\":{\"kind\":\"expect\",\"send\":\"" + text + "\",\"expect\":\"" + text + "\"}}")
                    .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
        }
        String state = Api.given(cp).get("/v1/clusters/web").then().statusCode(200).extract().asString();
        assertTrue(state.length() > 2 * 256 * 1024, "the snapshot is " + state.length() + " characters");
        RecordingDriver driver = new RecordingDriver();
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), driver)) {
            awaitApplied(agent);
            assertEquals(n + 1, driver.read().services().size());
            assertEquals(1, streamed("snapshot"));
        }
    }

    @Test
    void aCredentialSpeaksOnlyForItsRouterAndRevokingItEndsTheStream() throws Exception {
        Api.given(cp).body("{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.8\"}").post("/v1/clusters/web/routers").then().statusCode(201);
        String lvs1 = cp.agentToken("web", "lvs1");
        try (AgentRuntime impostor = AgentRuntime.start(config("lvs2", lvs1), ProcessRunner.local(), new RecordingDriver())) {
            Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> impostor.agent().desiredRevision() == 0);
            assertEquals(0, streamed("snapshot"));
        }
        Api.as(cp, lvs1).get("/v1/clusters/web").then().statusCode(403); // an agent credential reads no configuration
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1", lvs1), ProcessRunner.local(), new RecordingDriver())) {
            awaitApplied(agent);
            Api.given(cp).delete("/v1/tokens/" + lvs1.substring(6, 22)).then().statusCode(200);
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/web/routers/lvs1")
                    .then().body("status.connected", equalTo(false)));
            Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !agent.agent().connected());
        }
    }

    @Test
    void aProgramCheckRunsOnlyWhereTheRoutersOwnConfigurationAllowsIt() throws Exception {
        Api.given(cp).body("{\"name\":\"prog\",\"address\":\"192.168.26.20\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80,"
                + "\"healthCheck\":{\"kind\":\"program\",\"program\":\"/usr/lib/lvscp/checks/http-ok %h\"}}")
                .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
        long want = revision();
        String credential = cp.agentToken("web", "lvs1");
        // An admin of the control plane cannot make a router run what its own configuration does not list.
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1", credential), ProcessRunner.local(), new RecordingDriver())) {
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/web/routers/lvs1")
                    .then().body("status.lastErrorRevision", equalTo((int) want),
                            "status.lastError", containsString("runs /usr/lib/lvscp/checks/http-ok, which this router's checkPrograms does not list")));
            assertEquals(0, agent.agent().appliedRevision());
        }
        AgentConfig allowing = config("lvs1", credential).withCheckPrograms(List.of("/usr/lib/lvscp/checks/"));
        try (AgentRuntime agent = AgentRuntime.start(allowing, ProcessRunner.local(), new RecordingDriver())) {
            awaitApplied(agent);
        }
        assertTrue(allowing.allowsCheckProgram("/usr/lib/lvscp/checks/http-ok"));
        assertFalse(allowing.allowsCheckProgram("/usr/lib/lvscp/checks/sub/x"), "a directory allows its own programs, not deeper ones");
        assertFalse(allowing.allowsCheckProgram("/usr/lib/lvscp/checks/../../../bin/sh"));
        assertFalse(allowing.allowsCheckProgram("/bin/sh"));
    }

    @Test
    void aReturningAgentResumesFromItsRevisionWithDeltas() throws Exception {
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), new RecordingDriver())) {
            awaitApplied(agent);
        }
        for (int i = 1; i <= 5; i++) addRealServer(i);
        double snapshotsBefore = streamed("snapshot");
        RecordingDriver driver = new RecordingDriver();
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), driver)) {
            awaitApplied(agent);
            assertEquals(snapshotsBefore, streamed("snapshot"), "the agent resumed from its saved revision");
            assertEquals(5, driver.read().destinationCount());
        }
    }

    @Test
    void anAgentTooFarBehindGetsASnapshot() throws Exception {
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), new RecordingDriver())) {
            awaitApplied(agent);
        }
        // Weight changes on one server: over a thousand events, a snapshot of a few bytes.
        addRealServer(1);
        for (int w = 1; w <= 1001; w++) {
            Api.given(cp).body("{\"weight\": " + (w % 100 + 1) + "}").put("/v1/clusters/web/virtual-servers/http/real-servers/rs1/weight");
        }
        double snapshotsBefore = streamed("snapshot");
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), new RecordingDriver())) {
            awaitApplied(agent);
            assertEquals(snapshotsBefore + 1, streamed("snapshot"));
        }
    }

    @Test
    void aRevisionTheDriverCannotProgramIsNackedAndShown() throws Exception {
        RecordingDriver recording = new RecordingDriver();
        DataplaneDriver noLeastConnection = new DataplaneDriver() {
            public String name() {
                return "no-lc";
            }

            public List<String> unsupported(ServiceTable desired) {
                return desired.services().values().stream().filter(s -> s.scheduler() == Scheduler.lc)
                        .map(s -> "scheduler lc is not supported for " + s.key()).toList();
            }

            public ServiceTable read() {
                return recording.read();
            }

            public void apply(ServiceTable actual, ServiceTable desired) {
                recording.apply(actual, desired);
            }
        };
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), noLeastConnection)) {
            awaitApplied(agent);
            long good = revision();
            Api.given(cp).body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80,\"scheduler\":\"lc\"}")
                    .put("/v1/clusters/web/virtual-servers/http").then().statusCode(200);
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/web")
                    .then().body("routers[0].status.lastError", containsString("scheduler lc"),
                            "routers[0].status.lastErrorRevision", equalTo((int) good + 1),
                            "routers[0].status.appliedRevision", equalTo((int) good)));
            assertEquals(good, agent.agent().appliedRevision());
            assertEquals(Scheduler.wlc, recording.read().services().values().iterator().next().scheduler(), "the kernel kept the last good revision");
        }
    }

    @Test
    void healthAndRoleReportsAreShownAndAudited() throws Exception {
        addRealServer(1);
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), new RecordingDriver())) {
            awaitApplied(agent);
            agent.agent().report(new io.lvscp.api.stream.StreamMessage.RoleChanged("active", "peer lvs2 silent for 18 s"));
            agent.agent().report(new io.lvscp.api.stream.StreamMessage.HealthChanged("http", "rs1", false, "connect refused"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/web").then()
                    .body("activeRouters", contains("lvs1"), "routers[0].status.role", equalTo("active"),
                            "virtualServers[0].realServers[0].health[0].router", equalTo("lvs1"),
                            "virtualServers[0].realServers[0].health[0].healthy", equalTo(false),
                            "virtualServers[0].realServers[0].health[0].reason", equalTo("connect refused")));
            Api.given(cp).get("/v1/clusters/web/virtual-servers/http/real-servers/rs1").then().statusCode(200)
                    .body("health[0].healthy", equalTo(false));
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp).queryParam("cluster", "web")
                    .queryParam("type", "RealServerHealthChanged").get("/v1/events").then()
                    .body("items[0].data.realServer", equalTo("rs1"), "items[0].data.reason", equalTo("connect refused"),
                            "items[0].metadata.actor", equalTo("router:lvs1")));
            Api.given(cp).queryParam("cluster", "web").queryParam("type", "RouterRoleChanged").get("/v1/events").then()
                    .body("items[0].data.role", equalTo("active"));
            String metrics = Api.given(cp).get("/metrics").then().extract().asString();
            assertTrue(metrics.contains("lvscp_router_active{cluster=\"web\",router=\"lvs1\"} 1.0"), metrics);
            assertTrue(metrics.contains("lvscp_real_server_healthy{cluster=\"web\",real_server=\"rs1\",router=\"lvs1\",virtual_server=\"http\"} 0.0"), metrics);
        }
    }

    @Test
    void aRestartedAgentsOldHealthVerdictsAreForgotten() throws Exception {
        addRealServer(1);
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), new RecordingDriver())) {
            awaitApplied(agent);
            agent.agent().report(new io.lvscp.api.stream.StreamMessage.HealthChanged("http", "rs1", false, "connect refused"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp)
                    .get("/v1/clusters/web/virtual-servers/http/real-servers/rs1").then().body("health[0].healthy", equalTo(false)));
            assertTrue(metrics().contains(RS1_HEALTHY + " 0.0"), "the failed verdict is on /metrics");
        }
        // A new run of the agent starts every server healthy and reports only what fails from then on.
        try (AgentRuntime agent = AgentRuntime.start(config("lvs1"), ProcessRunner.local(), new RecordingDriver())) {
            awaitApplied(agent);
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp)
                    .get("/v1/clusters/web/virtual-servers/http/real-servers/rs1").then().body("$", not(hasKey("health"))));
            assertFalse(metrics().contains(RS1_HEALTHY), "and its gauge is forgotten with the row");
        }
    }

    private static final String RS1_HEALTHY = "lvscp_real_server_healthy{cluster=\"web\",real_server=\"rs1\",router=\"lvs1\",virtual_server=\"http\"}";

    private String metrics() {
        return Api.given(cp).get("/metrics").then().statusCode(200).extract().asString();
    }

    @Test
    void aRouterThatIsNotEnrolledGetsNothing() throws Exception {
        // Its credential was made while it was enrolled; the router has gone since.
        Api.given(cp).body("{\"name\":\"lvs7\",\"publicAddress\":\"192.168.26.7\"}").post("/v1/clusters/web/routers").then().statusCode(201);
        String credential = cp.agentToken("web", "lvs7");
        Api.given(cp).delete("/v1/clusters/web/routers/lvs7").then().statusCode(204);
        try (AgentRuntime stranger = AgentRuntime.start(config("lvs7", credential), ProcessRunner.local(), new RecordingDriver())) {
            Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> stranger.agent().desiredRevision() == 0);
            assertEquals(0, streamed("snapshot"));
        }
    }
}
