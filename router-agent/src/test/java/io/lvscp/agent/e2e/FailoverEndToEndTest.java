package io.lvscp.agent.e2e;

import static io.lvscp.agent.e2e.FailoverLab.NAT_VIP;
import static io.lvscp.agent.e2e.FailoverLab.VIP;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Router failover on real networks: two router namespaces on a shared public segment with the client and a shared
 * private one with two real servers, an agent running as a process inside each router namespace (nftables driver),
 * heartbeats every 1 s, deadtime 3 s. Each test starts from lvs1 (primary) active and lvs2 backup, then kills,
 * cuts or partitions, and checks: who holds the VIPs (and how fast), what the client's neighbour table says (the
 * gratuitous ARP), that client requests go through, and the RouterRoleChanged events in the control plane's log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverEndToEndTest {
    static final int HEARTBEAT_PORT = 539;
    static final long DEADTIME_MS = 3000;
    static final long TAKEOVER_BOUND_MS = DEADTIME_MS + 1000;
    static FailoverLab lab;
    static RunningControlPlane cp;
    // Kept to start the control plane again where the agents expect it, on the same log.
    static String database;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        lab = new FailoverLab(2);
        for (int i = 1; i <= 2; i++) lab.startServer(i, 80);
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        database = TestPostgres.newDatabase();
        cp = RunningControlPlane.on(database, port);
        lab.bridgeTo(port);
        Api.given(cp).body("""
                {"name": "web", "routingMethod": "nat",
                 "natRouter": {"address": "10.11.12.10", "netmask": "255.255.255.0", "device": "eth1:1"},
                 "heartbeat": {"port": 539, "keepaliveSeconds": 1, "deadtimeSeconds": 3}}
                """).post("/v1/clusters").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\",\"rolePreference\":\"primary\"}")
                .post("/v1/clusters/web/routers").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.11.12.8\",\"rolePreference\":\"backup\"}")
                .post("/v1/clusters/web/routers").then().statusCode(201);
        lab.credential("lvs1", cp.agentToken("web", "lvs1"));
        lab.credential("lvs2", cp.agentToken("web", "lvs2"));
        Api.given(cp).body("{\"name\":\"http\",\"address\":\"" + VIP + "\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80,\"scheduler\":\"rr\"}")
                .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
        for (int i = 1; i <= 2; i++) {
            Api.given(cp).body("{\"name\":\"rs" + i + "\",\"address\":\"10.11.12." + i + "\",\"weight\":1}")
                    .post("/v1/clusters/web/virtual-servers/http/real-servers").then().statusCode(201);
        }
    }

    @AfterAll
    static void stop() {
        try {
            if (cp != null) cp.close();
        } finally {
            if (lab != null) lab.close();
        }
    }

    @AfterEach
    void printLogsOnTheWay(TestInfo info) {
        // The agents' logs are kept in the lab's directory; say where, for a failure's investigation.
        System.out.println(info.getDisplayName() + ": agent logs in " + lab.dir);
    }

    // ---- helpers ----

    /** Both agents (re)started with this preemption setting; returns when lvs1 is active and lvs2 backup, both connected. */
    static void freshPair(boolean preempt) throws Exception {
        for (String r : List.of("lvs1", "lvs2")) lab.killAgent(r);
        for (String r : List.of("lvs1", "lvs2")) {
            // A killed agent leaves its addresses in the kernel; start from none, so that what follows is the new agents' doing.
            lab.dropVips(r);
            for (String dev : List.of("eth0", "eth1")) lab.link(r, dev, true);
            try {
                lab.healHeartbeats(r);
            } catch (IllegalStateException notCut) {
                // no partition left by an earlier test
            }
        }
        // lvs1 first, until it is active (it hears no peer for deadtime), then lvs2, which finds it active: the same
        // start every time, however long each JVM takes to start.
        long after = lastPosition();
        lab.startAgent("lvs1", preempt);
        awaitRoleEvent(after, "lvs1", "active", "no heartbeat from peer lvs2");
        int logFrom = lab.log("lvs2").length(); // agents append to their log across restarts
        lab.startAgent("lvs2", preempt);
        awaitRoleEvent(after, "lvs2", "backup", "agent started");
        // A test that silences lvs1 next expects lvs2 to notice a peer gone quiet, not one it never heard.
        await("lvs2 hears lvs1's heartbeats", Duration.ofSeconds(30), () -> lab.log("lvs2").indexOf("hearing peer lvs1", logFrom) >= 0);
        await("lvs1 active with the VIPs, lvs2 backup without", Duration.ofSeconds(60),
                () -> lab.holdsVips("lvs1") && lab.holdsNoVip("lvs2"));
        await("both agents connected to the control plane", Duration.ofSeconds(60), () -> connected("lvs1") && connected("lvs2"));
        await("the client's neighbour entry for the VIP is lvs1", Duration.ofSeconds(10), () -> {
            lab.probe(VIP, 80, 1);
            return lab.clientNeighbour(VIP).equals(lab.mac("lvs1", "eth0"));
        });
        assertNoFailures(lab.probe(VIP, 80, 20));
    }

    static boolean connected(String router) {
        return Api.given(cp).get("/v1/clusters/web/routers/" + router).then().statusCode(200).extract().jsonPath()
                .getBoolean("status.connected");
    }

    static void await(String what, Duration atMost, Callable<Boolean> condition) {
        try {
            Awaitility.await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(25)).until(condition);
        } catch (ConditionTimeoutException e) {
            fail(what + " did not happen within " + atMost + "\n--- lvs1:\n" + tail(lab.log("lvs1")) + "\n--- lvs2:\n" + tail(lab.log("lvs2")), e);
        }
    }

    static String tail(String log) {
        return log.length() <= 6000 ? log : log.substring(log.length() - 6000);
    }

    /**
     * Replies go back through the real servers' gateway (the NAT VIP): their neighbour entry for it must follow the
     * winner too, by the same announcement on the other segment; a probe that starts before it lands sends replies
     * to the router that let the address go.
     */
    static void awaitGatewayFollows(String winner) throws Exception {
        for (int i = 1; i <= lab.servers.size(); i++) {
            int server = i;
            await("real server " + i + "'s gateway entry is " + winner, Duration.ofSeconds(3), () -> {
                String n = lab.serverNeighbour(server, FailoverLab.NAT_VIP);
                return n.isEmpty() || n.equals(lab.mac(winner, "eth1"));
            });
        }
    }

    /** Milliseconds from now until {@code router} holds both VIPs (polled every few milliseconds). */
    static long millisUntilHolding(String router, long since) throws Exception {
        await(router + " holds the VIPs", Duration.ofSeconds(20), () -> lab.holdsVips(router));
        return System.currentTimeMillis() - since;
    }

    static void assertNoFailures(Map<String, Integer> counts) {
        assertEquals(0, counts.getOrDefault("failed", 0), "no request failed: " + counts);
        assertTrue(counts.getOrDefault("rs1", 0) > 0 && counts.getOrDefault("rs2", 0) > 0, "both real servers answered: " + counts);
    }

    /** Waits for a RouterRoleChanged event of {@code router} to {@code role} whose reason starts with {@code reason}, after position {@code after}. */
    static void awaitRoleEvent(long after, String router, String role, String reason) {
        // 30 s: the event often follows an agent's start, and a JVM can take 12 s to start on a loaded 2-core machine.
        await("a RouterRoleChanged event: " + router + " " + role + " (" + reason + "...)", Duration.ofSeconds(30), () -> {
            List<Map<String, Object>> items = Api.given(cp).queryParam("cluster", "web").queryParam("type", "RouterRoleChanged")
                    .queryParam("after", after).queryParam("limit", 500).get("/v1/events").then().statusCode(200).extract().jsonPath().getList("items");
            return items.stream().anyMatch(i -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> d = (Map<String, Object>) i.get("data");
                return router.equals(d.get("router")) && role.equals(d.get("role")) && String.valueOf(d.get("reason")).startsWith(reason);
            });
        });
    }

    /** The position of the newest event in the log (0 when empty), to look only at what follows. */
    static long lastPosition() {
        List<Map<String, Object>> items = Api.given(cp).queryParam("cluster", "web").queryParam("type", "RouterRoleChanged")
                .queryParam("limit", 1000).get("/v1/events").then().statusCode(200).extract().jsonPath().getList("items");
        long max = 0;
        for (Map<String, Object> i : items) max = Math.max(max, ((Number) i.get("position")).longValue());
        return max;
    }

    /** Router {@code router}'s agent's /metrics, read inside its namespace. */
    static String metrics(String router) throws Exception {
        return lab.in(lab.routers.get(router), "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9539; printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
    }

    /**
     * Whether {@code router}'s agent has its stream to the control plane up, by its own gauge: the API's
     * {@code status.connected} is a row in the database, and a stopped control plane may have left it true.
     */
    static boolean agentConnected(String router) throws Exception {
        return metrics(router).lines().filter(l -> l.startsWith("lvscp_agent_connected{")).map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .findFirst().orElseThrow(() -> new IllegalStateException(router + "'s agent has no connected gauge")).equals("1.0");
    }

    static String role(String router) {
        return Api.given(cp).get("/v1/clusters/web/routers/" + router).then().statusCode(200).extract().jsonPath().getString("status.role");
    }

    /** The count of heartbeats {@code router} dropped for {@code reason} (0 before the first). */
    static double rejected(String router, String reason) throws Exception {
        String prefix = "lvscp_agent_heartbeats_rejected_total{cluster=\"web\",reason=\"" + reason + "\",router=\"" + router + "\"} ";
        return metrics(router).lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElse(0);
    }

    // ---- tests ----

    @Test
    @Order(1)
    void theAgentsRunInsideTheirNamespacesAndTheActiveOneAnnouncedTheVips() throws Exception {
        freshPair(false);
        for (String r : List.of("lvs1", "lvs2")) {
            String netns = FailoverLab.sh("ip", "netns", "identify", String.valueOf(lab.agentPid(r))).trim();
            assertEquals(lab.routers.get(r), netns, r + "'s agent JVM runs in its router's namespace");
        }
        // The real servers' gateway entry also points at lvs1: its private VIP was announced on eth1.
        String gw = lab.in(lab.servers.get(0), "ip", "-j", "neigh", "show", NAT_VIP, "dev", "eth0");
        assertTrue(gw.contains(lab.mac("lvs1", "eth1")), gw);
        String metrics = lab.in(lab.routers.get("lvs1"), "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9539; printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
        assertTrue(metrics.contains("lvscp_agent_active{cluster=\"web\",router=\"lvs1\"} 1.0"), metrics);
        String metrics2 = lab.in(lab.routers.get("lvs2"), "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9539; printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
        assertTrue(metrics2.contains("lvscp_agent_active{cluster=\"web\",router=\"lvs2\"} 0.0"), metrics2);
        // The control plane shows the role each router reported.
        await("the cluster shows lvs1 as its active router", Duration.ofSeconds(10), () -> List.of("lvs1").equals(
                Api.given(cp).get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getList("activeRouters")));
        assertEquals("backup", Api.given(cp).get("/v1/clusters/web/routers/lvs2").then().statusCode(200).extract().jsonPath()
                .getString("status.role"));
    }

    @Test
    @Order(2)
    void killingTheActiveAgentHandsTheVipsToTheBackupWithinDeadtimeAndAReturningPrimaryStaysBackup() throws Exception {
        freshPair(false);
        long after = lastPosition();
        long killed = System.currentTimeMillis();
        lab.killAgent("lvs1");
        long took = millisUntilHolding("lvs2", killed);
        System.out.println("MEASURED kill -9: lvs2 held both VIPs " + took + " ms after the kill");
        assertTrue(took <= TAKEOVER_BOUND_MS, "took " + took + " ms, more than deadtime + 1 s");
        await("the client's neighbour entry moved to lvs2 (gratuitous ARP)", Duration.ofSeconds(3),
                () -> lab.clientNeighbour(VIP).equals(lab.mac("lvs2", "eth0")));
        assertNoFailures(lab.probe(VIP, 80, 40));
        awaitRoleEvent(after, "lvs2", "active", "peer lvs1 silent for ");

        // The primary returns, preemption off: it starts as backup, drops the addresses its kernel still held, stays backup.
        assertTrue(lab.holdsVips("lvs1"), "kill -9 left lvs1's kernel holding the addresses");
        lab.startAgent("lvs1", false);
        await("the returning lvs1 dropped the VIPs", Duration.ofSeconds(30), () -> lab.holdsNoVip("lvs1"));
        awaitRoleEvent(after, "lvs1", "backup", "agent started");
        Awaitility.await().during(Duration.ofMillis(2 * DEADTIME_MS)).atMost(Duration.ofMillis(2 * DEADTIME_MS + 3000))
                .pollInterval(Duration.ofMillis(200)).until(() -> lab.holdsVips("lvs2") && lab.holdsNoVip("lvs1"));
        assertNoFailures(lab.probe(VIP, 80, 40));
    }

    @Test
    @Order(3)
    void withPreemptionAReturningPrimaryTakesTheRoleBack() throws Exception {
        freshPair(true);
        long after = lastPosition();
        long killed = System.currentTimeMillis();
        lab.killAgent("lvs1");
        long took = millisUntilHolding("lvs2", killed);
        System.out.println("MEASURED kill -9 (preempt on): lvs2 held both VIPs " + took + " ms after the kill");
        assertTrue(took <= TAKEOVER_BOUND_MS, "took " + took + " ms");
        lab.startAgent("lvs1", true);
        await("lvs1 took the role back and lvs2 released the VIPs", Duration.ofSeconds(30),
                () -> lab.holdsVips("lvs1") && lab.holdsNoVip("lvs2"));
        awaitRoleEvent(after, "lvs1", "active", "preempting lvs2");
        awaitRoleEvent(after, "lvs2", "backup", "preempted by primary lvs1");
        await("the client's neighbour entry is lvs1 again", Duration.ofSeconds(3), () -> lab.clientNeighbour(VIP).equals(lab.mac("lvs1", "eth0")));
        assertNoFailures(lab.probe(VIP, 80, 40));
    }

    @ParameterizedTest(name = "preempt {0}")
    @ValueSource(booleans = {false, true})
    @Order(4)
    void cuttingTheActiveRoutersLinkHandsOverAndHealingItLeavesOneActiveByTheRule(boolean preempt) throws Exception {
        freshPair(preempt);
        long after = lastPosition();
        long cut = System.currentTimeMillis();
        lab.link("lvs1", "eth0", false);
        long took = millisUntilHolding("lvs2", cut);
        System.out.println("MEASURED link cut (preempt " + preempt + "): lvs2 held both VIPs " + took + " ms after the cut");
        assertTrue(took <= TAKEOVER_BOUND_MS, "took " + took + " ms");
        await("the client's neighbour entry moved to lvs2", Duration.ofSeconds(3), () -> lab.clientNeighbour(VIP).equals(lab.mac("lvs2", "eth0")));
        assertNoFailures(lab.probe(VIP, 80, 40));
        awaitRoleEvent(after, "lvs2", "active", "peer lvs1 silent for ");
        assertTrue(lab.holdsVips("lvs1"), "cut off, lvs1 hears no peer and stays active");

        lab.link("lvs1", "eth0", true);
        String winner = preempt ? "lvs1" : "lvs2";
        String loser = preempt ? "lvs2" : "lvs1";
        await("after the heal only " + winner + " holds the VIPs", Duration.ofSeconds(15), () -> lab.holdsVips(winner) && lab.holdsNoVip(loser));
        awaitRoleEvent(after, loser, "backup", preempt ? "split brain resolved: lvs1 is the primary and preemption is on"
                : "split brain resolved: lvs2 took over later");
        await("the client's neighbour entry is " + winner, Duration.ofSeconds(3), () -> lab.clientNeighbour(VIP).equals(lab.mac(winner, "eth0")));
        awaitGatewayFollows(winner);
        assertNoFailures(lab.probe(VIP, 80, 40));
    }

    @Test
    @Order(5)
    void withTheControlPlaneDownCuttingTheActiveRoutersLinksHandsOverAndTheAgentsReportItWhenItIsBack() throws Exception {
        freshPair(false);
        long after = lastPosition();
        cp.close();
        // Else the takeover below could have been helped by a control plane the agents still heard.
        await("both agents lost the control plane", Duration.ofSeconds(20), () -> !agentConnected("lvs1") && !agentConnected("lvs2"));
        try {
            long cut = System.currentTimeMillis();
            // Both links: lvs1 is gone from both segments, as a dead switch port or NIC would leave it; only the
            // loopback bridge to the (stopped) control plane stays.
            lab.link("lvs1", "eth0", false);
            lab.link("lvs1", "eth1", false);
            long took = millisUntilHolding("lvs2", cut);
            System.out.println("MEASURED link cut, control plane down: lvs2 held both VIPs " + took + " ms after the cut");
            assertTrue(took <= TAKEOVER_BOUND_MS, "took " + took + " ms, more than deadtime + 1 s");
            await("the client's neighbour entry moved to lvs2", Duration.ofSeconds(3), () -> lab.clientNeighbour(VIP).equals(lab.mac("lvs2", "eth0")));
            awaitGatewayFollows("lvs2");
            assertNoFailures(lab.probe(VIP, 80, 40));
            assertFalse(agentConnected("lvs2"), "lvs2 took over with no control plane");
        } finally {
            // Whatever happened above, the tests after this one need a control plane.
            cp = RunningControlPlane.on(database, port);
        }

        await("both agents reconnected", Duration.ofSeconds(60), () -> agentConnected("lvs1") && agentConnected("lvs2"));
        // The role change made while nobody listened was kept by lvs2's agent and reported on its return.
        awaitRoleEvent(after, "lvs2", "active", "peer lvs1 silent for ");
        await("the API shows lvs2 active", Duration.ofSeconds(10), () -> "active".equals(role("lvs2")));
        // Cut off, lvs1 heard no peer and stayed active: the API shows the split brain as it is.
        assertEquals("active", role("lvs1"));

        lab.link("lvs1", "eth0", true);
        lab.link("lvs1", "eth1", true);
        await("after the heal only lvs2 holds the VIPs", Duration.ofSeconds(15), () -> lab.holdsVips("lvs2") && lab.holdsNoVip("lvs1"));
        awaitRoleEvent(after, "lvs1", "backup", "split brain resolved: lvs2 took over later");
        await("the cluster shows lvs2 as its only active router", Duration.ofSeconds(10), () -> List.of("lvs2").equals(
                Api.given(cp).get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getList("activeRouters")));
        assertEquals("backup", role("lvs1"));
        await("the client's neighbour entry is still lvs2", Duration.ofSeconds(3), () -> lab.clientNeighbour(VIP).equals(lab.mac("lvs2", "eth0")));
        awaitGatewayFollows("lvs2");
        assertNoFailures(lab.probe(VIP, 80, 40));
    }

    @ParameterizedTest(name = "preempt {0}")
    @ValueSource(booleans = {false, true})
    @Order(6)
    void aHeartbeatOnlyPartitionMakesBothActiveAndHealingItResolvesTheSplitBrainByTheRule(boolean preempt) throws Exception {
        freshPair(preempt);
        long after = lastPosition();
        long cut = System.currentTimeMillis();
        lab.cutHeartbeats("lvs2", HEARTBEAT_PORT);
        long took = millisUntilHolding("lvs2", cut);
        System.out.println("MEASURED heartbeat partition (preempt " + preempt + "): lvs2 held both VIPs " + took + " ms after the cut");
        assertTrue(took <= TAKEOVER_BOUND_MS, "took " + took + " ms");
        assertTrue(lab.holdsVips("lvs1"), "split brain: lvs1 hears no peer either and stays active");
        awaitRoleEvent(after, "lvs2", "active", "peer lvs1 silent for ");
        // Both hold the addresses; lvs2 announced last, so the neighbours follow it and requests go through.
        await("the client's neighbour entry moved to lvs2", Duration.ofSeconds(3), () -> lab.clientNeighbour(VIP).equals(lab.mac("lvs2", "eth0")));
        assertNoFailures(lab.probe(VIP, 80, 40));

        lab.healHeartbeats("lvs2");
        String winner = preempt ? "lvs1" : "lvs2";
        String loser = preempt ? "lvs2" : "lvs1";
        await("after the heal only " + winner + " holds the VIPs", Duration.ofSeconds(10), () -> lab.holdsVips(winner) && lab.holdsNoVip(loser));
        awaitRoleEvent(after, loser, "backup", preempt ? "split brain resolved: lvs1 is the primary and preemption is on"
                : "split brain resolved: lvs2 took over later");
        await("the client's neighbour entry is " + winner + " (the one that stayed announced again)", Duration.ofSeconds(3),
                () -> lab.clientNeighbour(VIP).equals(lab.mac(winner, "eth0")));
        awaitGatewayFollows(winner);
        assertNoFailures(lab.probe(VIP, 80, 40));
    }

    @Test
    @Order(7)
    void forgedHeartbeatsFromTheActiveRoutersOwnAddressDoNotKeepTheBackupPassiveWhenItDies() throws Exception {
        freshPair(false);
        long after = lastPosition();
        // From inside lvs1's namespace, so from lvs1's address: heartbeats saying "lvs1 is active and primary", unsigned
        // or signed with another key. While lvs1 lives they change nothing; lvs2 drops and counts them.
        Process forger = lab.forgeHeartbeats("lvs1", "192.168.26.8", HEARTBEAT_PORT);
        await("lvs2 drops the forged heartbeats", Duration.ofSeconds(10),
                () -> rejected("lvs2", "unsigned") > 0 && rejected("lvs2", "bad_mac") > 0);
        assertTrue(lab.holdsVips("lvs1") && lab.holdsNoVip("lvs2"));
        // lvs1's agent dies; the forger goes on. Had lvs2 believed it, it would stay backup and nobody would hold the VIPs.
        long killed = System.currentTimeMillis();
        lab.killAgent("lvs1");
        long took = millisUntilHolding("lvs2", killed);
        System.out.println("MEASURED kill -9 under forged heartbeats: lvs2 held both VIPs " + took + " ms after the kill");
        assertTrue(took <= TAKEOVER_BOUND_MS, "took " + took + " ms, more than deadtime + 1 s");
        assertTrue(forger.isAlive(), "the forger was sending all along");
        awaitRoleEvent(after, "lvs2", "active", "peer lvs1 silent for ");
        double unsigned = rejected("lvs2", "unsigned");
        double badMac = rejected("lvs2", "bad_mac");
        await("lvs2 still drops them", Duration.ofSeconds(5), () -> rejected("lvs2", "unsigned") > unsigned && rejected("lvs2", "bad_mac") > badMac);
        assertTrue(lab.log("lvs2").contains("dropped a heartbeat claiming to be lvs1 from /192.168.26.9: its MAC does not verify"), lab.log("lvs2"));
        assertFalse(lab.log("lvs2").contains(java.nio.file.Files.readString(lab.heartbeatKey).strip()), "the key is never logged");
        forger.destroyForcibly();
        forger.waitFor();
    }

    @Test
    @Order(8)
    void aBrandNewAgentNeverHoldsTheVipsWhileItsPeerIsActive() throws Exception {
        freshPair(false);
        long after = lastPosition();
        lab.killAgent("lvs2");
        lab.forgetState("lvs2");
        // Every address that appears in lvs2's namespace from now on, even for a millisecond.
        Path seen = lab.monitorAddresses("lvs2");
        lab.startAgent("lvs2", false);
        awaitRoleEvent(after, "lvs2", "backup", "agent started");
        // A test that silences lvs1 next expects lvs2 to notice a peer gone quiet, not one it never heard.
        await("lvs2 hears lvs1's heartbeats", Duration.ofSeconds(30), () -> lab.log("lvs2").contains("hearing peer lvs1"));
        long revision = Api.given(cp).get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getLong("revision");
        await("the new lvs2 programmed the cluster's revision", Duration.ofSeconds(30), () -> Api.given(cp).get("/v1/clusters/web/routers/lvs2")
                .then().statusCode(200).extract().jsonPath().getLong("status.appliedRevision") == revision);
        Thread.sleep(500); // a pass that would add an address has had time to
        String events = java.nio.file.Files.readString(seen);
        assertFalse(events.contains(VIP + "/") || events.contains(NAT_VIP + "/"), "a brand-new backup added a floating address:\n" + events);
        assertTrue(lab.holdsVips("lvs1") && lab.holdsNoVip("lvs2"));
        await("the client's neighbour entry is still lvs1", Duration.ofSeconds(3), () -> lab.clientNeighbour(VIP).equals(lab.mac("lvs1", "eth0")));
    }
}
