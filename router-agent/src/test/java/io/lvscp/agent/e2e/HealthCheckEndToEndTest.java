package io.lvscp.agent.e2e;

import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.nft.NftablesDriver;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real-server health checks on real kernels: the agent (nftables driver, its commands and its check worker in the
 * router namespace) checks three real servers behind the VIP over HTTP every second (timeout 1 s, fall 2, rise 2).
 * One stops, one answers 503, one answers too slowly: each leaves rotation within interval × fall + timeout, after
 * which the client meets no failure; with all three out the sorry server answers; each comes back after rise
 * successes. Then the same with quiesce (weight 0 instead of removal). Every transition is in /v1/events and on the
 * real-server resource. The steps build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthCheckEndToEndTest {
    static final String VIP = "192.168.26.10";
    static final String VS = "/v1/clusters/web/virtual-servers/http";
    static final int INTERVAL = 1;
    static final int TIMEOUT = 1;
    static final int FALL = 2;
    static final int RISE = 2;
    /** interval × fall + timeout: how long a failed server may keep its place in rotation. */
    static final long LEAVE_BOUND_MILLIS = (INTERVAL * FALL + TIMEOUT) * 1000L;
    /** What programming the table may add to that (an nft transaction in the namespace) and the test's polling. */
    static final long SLACK_MILLIS = 1000;
    static NetnsLab lab;
    static RunningControlPlane cp;
    static AgentRuntime agent;
    static NftablesDriver kernel;

    /**
     * A real server that takes commands on stdin: "status N" (answer N, with its name and N as the body),
     * "delay MS" (answer that late). Each command is answered "ok".
     */
    public static final class Backend {
        public static void main(String[] args) throws Exception {
            String name = args[2];
            AtomicInteger status = new AtomicInteger(200);
            AtomicLong delay = new AtomicLong();
            HttpServer server = HttpServer.create(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 128);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/", ex -> {
                long d = delay.get();
                if (d > 0) {
                    try {
                        Thread.sleep(d); // the server under test is slow on purpose; nothing waits on it
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                int s = status.get();
                byte[] body = (s == 200 ? name : name + "-" + s).getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Connection", "close");
                ex.sendResponseHeaders(s, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            server.start();
            System.out.println("ready");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] w = line.trim().split(" ");
                if (w[0].equals("status")) status.set(Integer.parseInt(w[1]));
                if (w[0].equals("delay")) delay.set(Long.parseLong(w[1]));
                System.out.println("ok");
                System.out.flush();
            }
            System.exit(0);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        lab = new NetnsLab(4);
        for (int i = 1; i <= 3; i++) lab.startServer(i, 80, Backend.class, "rs" + i);
        lab.startServer(4, 80, Backend.class, "sorry");
        cp = RunningControlPlane.on(TestPostgres.newDatabase());
        Api.given(cp).body("""
                {"name": "web", "routingMethod": "nat",
                 "natRouter": {"address": "10.11.12.10", "netmask": "255.255.255.0", "device": "eth1:1"}}
                """).post("/v1/clusters").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\",\"rolePreference\":\"primary\"}")
                .post("/v1/clusters/web/routers").then().statusCode(201);
        Api.given(cp).body(virtualServer(false)).post("/v1/clusters/web/virtual-servers").then().statusCode(201);
        for (int i = 1; i <= 3; i++) {
            Api.given(cp).body("{\"name\":\"rs" + i + "\",\"address\":\"10.11.12." + i + "\",\"weight\":1}")
                    .post(VS + "/real-servers").then().statusCode(201);
        }
        AgentConfig config = new AgentConfig(cp.baseUrl(), "web", "lvs1", "nftables", Files.createTempDirectory("lvscp-agent").toString(),
                Map.of(), lab.router, 0, "127.0.0.1", 1.0, 1.0).withDefaults().withToken(cp.agentToken("web", "lvs1"));
        agent = AgentRuntime.start(config);
        kernel = new NftablesDriver(ProcessRunner.inNetns(lab.router));
    }

    static String virtualServer(boolean quiesce) {
        return "{\"name\":\"http\",\"address\":\"" + VIP + "\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80,"
                + "\"scheduler\":\"rr\",\"quiesceOnFailure\":" + quiesce + ",\"sorryServer\":{\"address\":\"10.11.12.4\",\"port\":80},"
                + "\"healthCheck\":{\"kind\":\"http\",\"path\":\"/\",\"expectStatus\":200,\"intervalSeconds\":" + INTERVAL
                + ",\"timeoutSeconds\":" + TIMEOUT + ",\"fall\":" + FALL + ",\"rise\":" + RISE + ",\"reentrySeconds\":0}}";
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (agent != null) agent.close();
            if (cp != null) cp.close();
        } finally {
            if (lab != null) lab.close();
        }
    }

    /** The weights the kernel holds now for the VIP's service, by real server address. */
    static Map<String, Integer> weights() {
        Map<String, Integer> out = new TreeMap<>();
        for (Service s : kernel.read().services().values()) {
            for (Destination d : s.destinations().values()) out.put(d.address(), d.weight());
        }
        return out;
    }

    /** Waits until the kernel holds exactly these weights and returns how long that took. */
    static long awaitWeights(Map<String, Integer> want, Duration atMost) {
        long t0 = System.nanoTime();
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> assertEquals(want, weights()));
        return (System.nanoTime() - t0) / 1_000_000;
    }

    static Duration leaveBound() {
        return Duration.ofMillis(LEAVE_BOUND_MILLIS + SLACK_MILLIS);
    }

    /** Only these answered, none failed. */
    static void assertOnly(Map<String, Integer> counts, String... names) {
        assertEquals(0, counts.getOrDefault("failed", 0), "no request failed: " + counts);
        assertEquals(new java.util.TreeSet<>(List.of(names)), new java.util.TreeSet<>(counts.keySet().stream()
                .filter(k -> !k.equals("failed")).toList()), "who answered: " + counts);
    }

    static void awaitEvent(String realServer, boolean healthy, String reason) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                Api.given(cp).queryParam("cluster", "web").queryParam("type", "RealServerHealthChanged").queryParam("limit", 100)
                        .get("/v1/events").then().statusCode(200)
                        .body("items.findAll { it.data.realServer == '" + realServer + "' && it.data.healthy == " + healthy
                                + " && it.data.reason == '" + reason + "' && it.data.router == 'lvs1' && it.data.virtualServer == 'http' }", not(empty())));
    }

    @Test
    @Order(1)
    void allThreeServeWhileTheyAreHealthy() throws Exception {
        awaitWeights(Map.of("10.11.12.1", 1, "10.11.12.2", 1, "10.11.12.3", 1), Duration.ofSeconds(20));
        // a few rounds of checks pass without a transition
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                metrics().contains("lvscp_agent_real_server_healthy{cluster=\"web\",real_server=\"rs3\",router=\"lvs1\",virtual_server=\"http\"} 1.0"));
        assertOnly(lab.probe(VIP, 80, 60), "rs1", "rs2", "rs3");
        Api.given(cp).queryParam("cluster", "web").queryParam("type", "RealServerHealthChanged").get("/v1/events").then()
                .statusCode(200).body("items", empty());
    }

    @Test
    @Order(2)
    void aStoppedServerLeavesRotationWithinItsBound() throws Exception {
        lab.stopServer(1);
        long ms = awaitWeights(Map.of("10.11.12.2", 1, "10.11.12.3", 1), leaveBound());
        System.out.println("stopped rs1 left rotation after " + ms + " ms (bound " + LEAVE_BOUND_MILLIS + " ms)");
        assertOnly(lab.probe(VIP, 80, 40), "rs2", "rs3");
        awaitEvent("rs1", false, "connect refused");
    }

    @Test
    @Order(3)
    void aServerAnswering503LeavesRotationWithinItsBound() throws Exception {
        assertEquals("ok", lab.tellServer(2, "status 503"));
        long ms = awaitWeights(Map.of("10.11.12.3", 1), leaveBound());
        System.out.println("rs2 answering 503 left rotation after " + ms + " ms (bound " + LEAVE_BOUND_MILLIS + " ms)");
        assertOnly(lab.probe(VIP, 80, 30), "rs3");
        awaitEvent("rs2", false, "expected 200, got 503");
    }

    @Test
    @Order(4)
    void aSlowServerLeavesRotationAndTheSorryServerTakesOverWhenNoneIsLeft() throws Exception {
        assertEquals("ok", lab.tellServer(3, "delay 3000"));
        long ms = awaitWeights(Map.of("10.11.12.4", 1), leaveBound());
        System.out.println("slow rs3 left rotation after " + ms + " ms (bound " + LEAVE_BOUND_MILLIS + " ms); the sorry server serves");
        assertOnly(lab.probe(VIP, 80, 30), "sorry");
        awaitEvent("rs3", false, "timeout after 1 s");
        Api.given(cp).get(VS + "/real-servers/rs2").then().statusCode(200)
                .body("health[0].router", equalTo("lvs1"), "health[0].healthy", equalTo(false),
                        "health[0].reason", equalTo("expected 200, got 503"), "health[0].since", notNullValue());
        assertTrue(metrics().contains("lvscp_agent_real_server_healthy{cluster=\"web\",real_server=\"rs1\",router=\"lvs1\",virtual_server=\"http\"} 0.0"));
    }

    @Test
    @Order(5)
    void eachReturnsAfterRiseSuccesses() throws Exception {
        lab.startServer(1, 80, Backend.class, "rs1");
        assertEquals("ok", lab.tellServer(2, "status 200"));
        assertEquals("ok", lab.tellServer(3, "delay 0"));
        long ms = awaitWeights(Map.of("10.11.12.1", 1, "10.11.12.2", 1, "10.11.12.3", 1), Duration.ofMillis((RISE * INTERVAL + TIMEOUT) * 1000L + SLACK_MILLIS));
        // rise 2 at an interval of 1 s: the second success comes at least a second after the first
        assertTrue(ms >= (RISE - 1) * INTERVAL * 1000L - 100, "back after " + ms + " ms, before " + RISE + " successes could have come");
        System.out.println("all three back after " + ms + " ms");
        assertOnly(lab.probe(VIP, 80, 60), "rs1", "rs2", "rs3");
        for (String rs : List.of("rs1", "rs2", "rs3")) awaitEvent(rs, true, "got 200");
        Api.given(cp).get(VS + "/real-servers/rs2").then().statusCode(200).body("health[0].healthy", equalTo(true));
    }

    @Test
    @Order(6)
    void withQuiesceAFailedServerKeepsWeightZeroAndReturns() throws Exception {
        Api.given(cp).body(virtualServer(true)).put(VS).then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> agent.agent().appliedRevision() == revision());
        assertEquals("ok", lab.tellServer(2, "status 503"));
        long ms = awaitWeights(Map.of("10.11.12.1", 1, "10.11.12.2", 0, "10.11.12.3", 1), leaveBound());
        System.out.println("quiesced rs2 to weight 0 after " + ms + " ms");
        assertOnly(lab.probe(VIP, 80, 40), "rs1", "rs3");
        // all quiesced: nothing takes new connections, so the sorry server does (beside the weight-0 servers)
        lab.stopServer(1);
        assertEquals("ok", lab.tellServer(3, "status 500"));
        awaitWeights(Map.of("10.11.12.1", 0, "10.11.12.2", 0, "10.11.12.3", 0, "10.11.12.4", 1), leaveBound());
        assertOnly(lab.probe(VIP, 80, 20), "sorry");
        awaitEvent("rs3", false, "expected 200, got 500");

        lab.startServer(1, 80, Backend.class, "rs1");
        assertEquals("ok", lab.tellServer(2, "status 200"));
        assertEquals("ok", lab.tellServer(3, "status 200"));
        awaitWeights(Map.of("10.11.12.1", 1, "10.11.12.2", 1, "10.11.12.3", 1), Duration.ofMillis((RISE * INTERVAL + TIMEOUT) * 1000L + SLACK_MILLIS));
        assertOnly(lab.probe(VIP, 80, 60), "rs1", "rs2", "rs3");
    }

    @Test
    @Order(7)
    void aDrainedServerIsNotCheckedIntoService() throws Exception {
        Api.given(cp).post(VS + "/real-servers/rs3/drain").then().statusCode(200);
        awaitWeights(Map.of("10.11.12.1", 1, "10.11.12.2", 1, "10.11.12.3", 0), Duration.ofSeconds(10));
        // failing while drained is not even checked: no transition, no sorry server, the drain holds
        assertEquals("ok", lab.tellServer(3, "status 503"));
        Awaitility.await().during(Duration.ofMillis(LEAVE_BOUND_MILLIS + SLACK_MILLIS)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertEquals(Map.of("10.11.12.1", 1, "10.11.12.2", 1, "10.11.12.3", 0), weights()));
        Api.given(cp).queryParam("cluster", "web").queryParam("type", "RealServerHealthChanged").queryParam("limit", 100)
                .get("/v1/events").then().statusCode(200)
                .body("items.findAll { it.data.realServer == 'rs3' && it.data.reason == 'expected 200, got 503' }", empty());
        assertOnly(lab.probe(VIP, 80, 30), "rs1", "rs2");
        assertFalse(metrics().contains("real_server=\"rs3\""), "a drained server is not checked");
    }

    static long revision() {
        return Api.given(cp).get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getLong("revision");
    }

    static String metrics() {
        return io.restassured.RestAssured.get("http://127.0.0.1:" + agent.metricsPort() + "/metrics").then().statusCode(200).extract().asString();
    }
}
