package io.lvscp.agent.stream;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.ControlPlaneProcess;
import io.lvscp.controlplane.support.TestPostgres;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Control-plane replicas as separate OS processes (the main class with its YAML config, as an operator runs it) on
 * one PostgreSQL, and an agent given both URLs. They share nothing but the database: what one process holds in
 * memory (projections, streams, gauges) is gone when it is killed, which instances in one JVM cannot show.
 * The tests run in order on the same two replicas; the third kills A, the fourth starts a replica C late.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaFailoverTest {
    // The replicas' heartbeat is production's (5 s: a silent stream is found after 15 s); the agent's 2 s (6 s), which
    // is as short as it may be against 5 s beats from the control plane.
    static final int HEARTBEAT_MILLIS = 5000;
    static final double AGENT_HEARTBEAT_SECONDS = 2.0;
    static Path dir;
    static String database;
    static ControlPlaneProcess a;
    static ControlPlaneProcess b;
    static ControlPlaneProcess c;
    static String credential;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void replicas() throws Exception {
        dir = Files.createTempDirectory("lvscp-replicas");
        database = TestPostgres.newDatabase();
        int pa = ControlPlaneProcess.freePort();
        int pb = ControlPlaneProcess.freePort();
        // Both at once: they migrate the same empty database concurrently (Flyway's lock makes one wait).
        a = ControlPlaneProcess.launch("replica-a", dir, pa, ControlPlaneProcess.yaml(database, pa, HEARTBEAT_MILLIS), Map.of());
        b = ControlPlaneProcess.launch("replica-b", dir, pb, ControlPlaneProcess.yaml(database, pb, HEARTBEAT_MILLIS), Map.of());
        a.awaitListening();
        b.awaitListening();
        Api.at(a.baseUrl()).body("{\"name\":\"web\",\"routingMethod\":\"direct\"}").post("/v1/clusters").then().statusCode(201);
        Api.at(a.baseUrl()).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\"}").post("/v1/clusters/web/routers").then().statusCode(201);
        Api.at(a.baseUrl()).body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}")
                .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
        for (int i = 1; i <= 2; i++) {
            Api.at(a.baseUrl()).body("{\"name\":\"rs" + i + "\",\"address\":\"10.11.12." + i + "\",\"weight\":1}")
                    .post("/v1/clusters/web/virtual-servers/http/real-servers").then().statusCode(201);
        }
        credential = Api.at(a.baseUrl()).body("{\"name\":\"agent-web-lvs1\",\"role\":\"agent\",\"clusters\":[\"web\"],\"router\":\"lvs1\"}")
                .post("/v1/tokens").then().statusCode(201).extract().path("token");
        long head = revision(a);
        Awaitility.await("B sees A's writes").atMost(Duration.ofSeconds(10)).until(() -> revision(b) == head);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ControlPlaneProcess p : new ControlPlaneProcess[] {c, b, a}) {
            if (p != null) p.close();
        }
    }

    @Test
    @Order(1)
    void writesThroughBothReplicasAtOnceLoseNothing() throws Exception {
        long start = revision(a);
        // 2 × 50 weight changes of one real server, each replica deciding on its own projection: a replica that decided
        // on a stale revision loses the optimistic check in the database and decides again.
        List<String> accepted = new CopyOnWriteArrayList<>();
        List<String> conflicts = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (ControlPlaneProcess replica : List.of(a, b)) {
            int base = replica == a ? 100 : 200;
            writers.add(CompletableFuture.runAsync(() -> {
                for (int k = 0; k < 50; k++) {
                    String id = replica.port() + "-w" + k;
                    Response r = Api.at(replica.baseUrl()).header("X-Request-Id", id).body("{\"weight\": " + (base + k) + "}")
                            .put("/v1/clusters/web/virtual-servers/http/real-servers/rs1/weight");
                    if (r.statusCode() == 200) {
                        assertEquals("1", r.header("Lvscp-Events-Appended"), id);
                        accepted.add(id);
                    } else {
                        assertEquals(409, r.statusCode(), id + ": " + r.body().asString());
                        conflicts.add(id);
                    }
                }
            }));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get();
        assertEquals(100, accepted.size() + conflicts.size());

        Map<String, Integer> logged = new HashMap<>();
        List<Long> revisions = new ArrayList<>();
        for (LoggedEvent e : clusterEvents(a, start)) {
            logged.merge(e.requestId(), 1, Integer::sum);
            revisions.add(e.revision());
        }
        assertEquals(new HashSet<>(accepted), logged.keySet(), "every accepted write is in the log, no other");
        assertTrue(logged.values().stream().allMatch(n -> n == 1), "each once: " + logged);
        for (int i = 0; i < revisions.size(); i++) assertEquals(start + 1 + i, revisions.get(i), "revisions without a gap: " + revisions);
        long head = start + accepted.size();
        Awaitility.await("both replicas at the head").atMost(Duration.ofSeconds(10)).until(() -> revision(a) == head && revision(b) == head);
        System.out.printf("replicas: 2 x 50 concurrent weight writes: %d accepted, %d conflicts (409), revisions %d..%d gap-free%n",
                accepted.size(), conflicts.size(), start + 1, head);
    }

    @Test
    @Order(2)
    void anAgentThatLeavesAReplicaIsNoLongerConnectedThere() throws Exception {
        Path state = Files.createTempDirectory(dir, "agent-moved");
        try (AgentRuntime first = agent(state, a, b)) {
            awaitCaughtUp(first, a);
            Awaitility.await("A counts lvs1 connected").atMost(Duration.ofSeconds(5)).until(() -> Double.valueOf(1).equals(routerConnected(a)));
        }
        // The agent restarted pointed first at B: A saw its stream end cleanly and must not claim it any longer.
        try (AgentRuntime second = agent(state, b, a)) {
            awaitCaughtUp(second, b);
            Awaitility.await("B counts lvs1 connected").atMost(Duration.ofSeconds(5)).until(() -> Double.valueOf(1).equals(routerConnected(b)));
            Awaitility.await("A no longer counts lvs1 connected").atMost(Duration.ofSeconds(5))
                    .until(() -> routerConnected(a) == null || routerConnected(a) == 0.0);
            assertEquals(Double.valueOf(0), agentsConnected(a));
            assertEquals(Double.valueOf(1), agentsConnected(b));
            // Whichever process answers, the router is connected (B's hello is not undone by A's goodbye).
            for (ControlPlaneProcess p : List.of(a, b)) {
                Api.at(p.baseUrl()).get("/v1/clusters/web/routers/lvs1").then().statusCode(200)
                        .body("status.connected", org.hamcrest.Matchers.equalTo(true));
            }
        }
    }

    @Test
    @Order(3)
    void aReplicaWhoseStreamWentSilentStopsClaimingTheAgentOnceItIsOnAnother() throws Exception {
        Path state = Files.createTempDirectory(dir, "agent-silent");
        try (DeadLinkTest.Proxy toA = new DeadLinkTest.Proxy(a.port())) {
            String viaProxy = "http://127.0.0.1:" + toA.port();
            try (AgentRuntime agent = agent(state, viaProxy, b.baseUrl())) {
                awaitCaughtUp(agent, viaProxy, a);
                Awaitility.await("A counts lvs1 connected").atMost(Duration.ofSeconds(5)).until(() -> Double.valueOf(1).equals(routerConnected(a)));
                // The link to A swallows everything, closes included: A hears no goodbye, only silence.
                long cut = System.nanoTime();
                toA.cut();
                Awaitility.await("the agent moves to B").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .until(() -> URI.create(b.baseUrl()).equals(agent.agent().controlPlane()));
                long moved = System.nanoTime();
                Awaitility.await("A stops counting lvs1").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                        .until(() -> Double.valueOf(0).equals(routerConnected(a)));
                long dropped = System.nanoTime();
                // Sooner than A's own silence detection (three of its heartbeats): it heard of B's hello.
                assertTrue(dropped - cut < 3L * HEARTBEAT_MILLIS * 1_000_000, "A dropped the stream " + (dropped - cut) / 1_000_000 + " ms after the cut");
                assertEquals(Double.valueOf(0), agentsConnected(a));
                assertEquals(Double.valueOf(1), routerConnected(b));
                for (ControlPlaneProcess p : List.of(a, b)) {
                    Api.at(p.baseUrl()).get("/v1/clusters/web/routers/lvs1").then().statusCode(200)
                            .body("status.connected", org.hamcrest.Matchers.equalTo(true));
                }
                System.out.printf("replicas: link to A gone silent: the agent on B after %d ms, A no longer counts it %d ms after the cut "
                        + "(its own silence detection: %d ms)%n", (moved - cut) / 1_000_000, (dropped - cut) / 1_000_000, 3 * HEARTBEAT_MILLIS);
            }
        }
    }

    @Test
    @Order(4)
    void killingTheReplicaServingTheAgentMovesItToTheOtherWithNothingMissed() throws Exception {
        Path state = Files.createTempDirectory(dir, "agent-killed");
        try (AgentRuntime agent = agent(state, a, b)) {
            awaitCaughtUp(agent, a);
            List<Long> applied = new CopyOnWriteArrayList<>();
            agent.agent().onApplied(applied::add);
            Double snapshotsBefore = counter(b, "lvscp_agent_stream_messages_total", "type=\"snapshot\"");

            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger written = new AtomicInteger();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int k = 0; writing.get(); k++) {
                    Api.at(b.baseUrl()).body("{\"weight\": " + (300 + k % 500) + "}")
                            .put("/v1/clusters/web/virtual-servers/http/real-servers/rs2/weight").then().statusCode(200);
                    written.incrementAndGet();
                }
            });
            Awaitility.await("writes through B reach the agent on A").atMost(Duration.ofSeconds(20))
                    .until(() -> written.get() >= 10 && !applied.isEmpty());
            assertEquals(URI.create(a.baseUrl()), agent.agent().controlPlane());

            long killed = System.nanoTime();
            a.kill();
            int atKill = written.get();
            long headAtKill = revision(b);
            Awaitility.await("the agent moves to B").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> URI.create(b.baseUrl()).equals(agent.agent().controlPlane()));
            long moved = System.nanoTime();
            Awaitility.await("the agent holds what B had at the kill").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> agent.agent().appliedRevision() >= headAtKill);
            long caughtUp = System.nanoTime();
            Awaitility.await("writes go on through B").atMost(Duration.ofSeconds(20)).until(() -> written.get() >= atKill + 10);
            writing.set(false);
            writer.get();

            long head = revision(b);
            Awaitility.await("the agent applies B's head").atMost(Duration.ofSeconds(10)).until(() -> agent.agent().appliedRevision() == head);
            // The surviving replica reports the agent's ack of the head, and the agent connected to it.
            Awaitility.await("B's API reports lvs1's ack of the head").atMost(Duration.ofSeconds(10)).until(() -> {
                JsonPath r = Api.at(b.baseUrl()).get("/v1/clusters/web/routers/lvs1").then().statusCode(200).extract().jsonPath();
                return r.getLong("status.appliedRevision") == head && r.getBoolean("status.connected");
            });
            Awaitility.await("B's gauge has the ack").atMost(Duration.ofSeconds(5)).until(() -> Double.valueOf(head).equals(gauge(b, "lvscp_router_applied_revision")));

            // No repeat: every pass programmed a newer revision than the one before.
            for (int i = 1; i < applied.size(); i++) assertTrue(applied.get(i) > applied.get(i - 1), "applied in order: " + applied);
            // No gap: B resumed the agent from the revision it held, with deltas that each begin where the last ended
            // (the agent reconnects on any other), not with a snapshot.
            assertEquals(snapshotsBefore, counter(b, "lvscp_agent_stream_messages_total", "type=\"snapshot\""), "no snapshot from B");
            JsonPath rs2 = Api.at(b.baseUrl()).get("/v1/clusters/web/virtual-servers/http/real-servers/rs2").then().extract().jsonPath();
            assertEquals(Integer.valueOf(rs2.getInt("weight")), agent.agent().desired().virtualServers().get("http").realServers().get("rs2").weight());
            System.out.printf("replicas: kill -9 of the agent's replica: stream on B after %d ms, B's head at the kill (%d) applied after %d ms; "
                            + "%d writes through B meanwhile, head %d acked%n",
                    (moved - killed) / 1_000_000, headAtKill, (caughtUp - killed) / 1_000_000, written.get() - atKill, head);
        }
    }

    @Test
    @Order(5)
    void aReplicaStartedLateIsReadyOnlyOnceItServesTheLatestRevision() throws Exception {
        // Enough history that loading it takes a while; then writes go on through B while C starts.
        for (int k = 0; k < 200; k++) {
            Api.at(b.baseUrl()).body("{\"weight\": " + (1 + k) + "}").put("/v1/clusters/web/virtual-servers/http/real-servers/rs1/weight")
                    .then().statusCode(200);
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int k = 0; writing.get(); k++) {
                Api.at(b.baseUrl()).body("{\"weight\": " + (600 + k % 300) + "}").put("/v1/clusters/web/virtual-servers/http/real-servers/rs2/weight")
                        .then().statusCode(200);
            }
        });
        int pc = ControlPlaneProcess.freePort();
        long launched = System.nanoTime();
        c = ControlPlaneProcess.launch("replica-c", dir, pc, ControlPlaneProcess.yaml(database, pc, HEARTBEAT_MILLIS), Map.of());
        List<Integer> answers = Collections.synchronizedList(new ArrayList<>());
        long[] firstReady = new long[2];
        Awaitility.await("C ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> {
            assertTrue(c.alive(), () -> "C exited:\n" + c.log());
            // Read the head before asking: a ready C must serve at least that, whatever B appends meanwhile.
            long before = revision(b);
            HttpResponse<String> ready;
            try {
                ready = HTTP.send(HttpRequest.newBuilder(URI.create(c.baseUrl() + "/readyz")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException notListening) { // refused, or reset while it starts
                return false;
            }
            answers.add(ready.statusCode());
            if (ready.statusCode() != 200) return false;
            firstReady[0] = before;
            firstReady[1] = revision(c);
            return true;
        });
        long readyAfter = (System.nanoTime() - launched) / 1_000_000;
        assertTrue(firstReady[1] >= firstReady[0], "on its first ready answer C serves revision " + firstReady[1]
                + ", B was at " + firstReady[0] + " before it was asked");
        writing.set(false);
        writer.get();
        long head = revision(b);
        Awaitility.await("C follows B").atMost(Duration.ofSeconds(10)).until(() -> revision(c) == head);
        System.out.printf("replicas: C started late on %d revisions with writes going on: ready after %d ms at revision %d (B at %d "
                + "just before); /readyz answers before that: %s%n", firstReady[0], readyAfter, firstReady[1], firstReady[0], answers);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** An in-process agent with the recording driver, configured as an operator would: both URLs in its YAML. */
    private static AgentRuntime agent(Path state, ControlPlaneProcess first, ControlPlaneProcess second) throws Exception {
        return agent(state, first.baseUrl(), second.baseUrl());
    }

    private static AgentRuntime agent(Path state, String first, String second) throws Exception {
        Path yaml = Files.writeString(state.resolve("agent.yaml"), """
                controlPlane: [%s, %s]
                cluster: web
                router: lvs1
                driver: recording
                stateDir: %s
                metricsPort: -1
                heartbeatSeconds: %s
                reconcileSeconds: 60
                """.formatted(first, second, state, AGENT_HEARTBEAT_SECONDS));
        AgentConfig config = AgentConfig.load(yaml, Map.of()).withToken(credential);
        assertEquals(List.of(first, second), config.controlPlane());
        return AgentRuntime.start(config, ProcessRunner.local(), new RecordingDriver());
    }

    private static void awaitCaughtUp(AgentRuntime agent, ControlPlaneProcess on) {
        awaitCaughtUp(agent, on.baseUrl(), on);
    }

    private static void awaitCaughtUp(AgentRuntime agent, String url, ControlPlaneProcess on) {
        Awaitility.await("agent on " + url + " at its head").atMost(Duration.ofSeconds(20)).until(() ->
                URI.create(url).equals(agent.agent().controlPlane()) && agent.agent().appliedRevision() == revision(on));
    }

    static long revision(ControlPlaneProcess p) {
        return Api.at(p.baseUrl()).get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getLong("revision");
    }

    record LoggedEvent(long revision, String requestId) {}

    /** The events of stream cluster/web after {@code revision}, in log order. */
    private static List<LoggedEvent> clusterEvents(ControlPlaneProcess p, long after) {
        List<LoggedEvent> out = new ArrayList<>();
        String cursor = null;
        while (true) {
            var req = Api.at(p.baseUrl()).queryParam("cluster", "web").queryParam("limit", 1000);
            if (cursor != null) req = req.queryParam("cursor", cursor);
            JsonPath page = req.get("/v1/events").then().statusCode(200).extract().jsonPath();
            List<String> streams = page.getList("items.stream", String.class);
            if (streams.isEmpty()) return out;
            List<Long> revisions = page.getList("items.revision", Object.class).stream().map(r -> ((Number) r).longValue()).toList();
            List<String> ids = page.getList("items.metadata.requestId", String.class);
            for (int i = 0; i < streams.size(); i++) {
                if ("cluster/web".equals(streams.get(i)) && revisions.get(i) > after) out.add(new LoggedEvent(revisions.get(i), ids.get(i)));
            }
            cursor = page.getString("nextCursor");
            if (cursor == null) return out;
        }
    }

    private static String metrics(ControlPlaneProcess p) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(p.baseUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    /** {@code name}'s value for router web/lvs1 on {@code p}, or null when it has no such series. */
    private static Double gauge(ControlPlaneProcess p, String name) throws Exception {
        return counter(p, name, "cluster=\"web\"", "router=\"lvs1\"");
    }

    private static Double routerConnected(ControlPlaneProcess p) throws Exception {
        return gauge(p, "lvscp_router_connected");
    }

    private static Double agentsConnected(ControlPlaneProcess p) throws Exception {
        return counter(p, "lvscp_agents_connected");
    }

    /** The series of {@code name} whose labels include every one of {@code labels}; null if none. */
    private static Double counter(ControlPlaneProcess p, String name, String... labels) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$").matcher(metrics(p));
        Set<String> wanted = Set.of(labels);
        while (m.find()) {
            String l = m.group(1) == null ? "" : m.group(1);
            if (wanted.stream().allMatch(l::contains)) return Double.valueOf(m.group(2));
        }
        return null;
    }
}
