package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.FakeAgent;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, "say no before, not after": a write that a router of the cluster cannot program with its driver (as its
 * agent's hello said) is refused at the API with a 422 naming the router, the driver and the field, a dry run too,
 * and nothing is appended; a scheduler left out is one every known driver runs; a recording router is shown as one
 * and never counts as programmed; and what routers run of connectionSync shows in their status. The agents are real
 * WebSocket clients on the stream ({@link FakeAgent}); everything else is the real server on a real PostgreSQL.
 */
class RouterDriverLimitsTest {
    private static final String PROBLEM = "https://lvscp.io/problems/unsupported-by-router";
    static RunningControlPlane cp;

    @BeforeAll
    static void start() {
        cp = RunningControlPlane.onNewDatabase();
    }

    @AfterAll
    static void stop() {
        cp.close();
    }

    /** A cluster with router lvs1 (and lvs2, when {@code two}) enrolled and no virtual server. */
    private static void clusterWithRouters(String name, boolean two) {
        createCluster(cp, name);
        Api.given(cp).body("{\"name\": \"lvs1\", \"publicAddress\": \"192.168.26.8\", \"privateAddress\": \"10.11.12.8\"}")
                .post("/v1/clusters/{c}/routers", name).then().statusCode(201);
        if (two) {
            Api.given(cp).body("{\"name\": \"lvs2\", \"publicAddress\": \"192.168.26.9\", \"privateAddress\": \"10.11.12.9\"}")
                    .post("/v1/clusters/{c}/routers", name).then().statusCode(201);
        }
    }

    private static FakeAgent agent(String cluster, String router, String driver) {
        FakeAgent a = FakeAgent.hello(cp, cluster, router, driver);
        awaitDriver(cluster, router, driver);
        return a;
    }

    private static void awaitDriver(String cluster, String router, String driver) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp)
                .get("/v1/clusters/{c}/routers/{r}", cluster, router).then().statusCode(200).body("status.driver", equalTo(driver)));
    }

    private static List<Object> events(String cluster) {
        return Api.given(cp).queryParam("cluster", cluster).queryParam("limit", 1000).get("/v1/events")
                .then().statusCode(200).extract().jsonPath().getList("items.position");
    }

    private static String vs(String name, String vip, String scheduler) {
        return "{\"name\": \"" + name + "\", \"address\": \"" + vip + "\", \"netmask\": \"255.255.255.0\", \"device\": \"eth0:1\", \"port\": 80"
                + (scheduler == null ? "" : ", \"scheduler\": \"" + scheduler + "\"") + "}";
    }

    @Test
    void anNftablesRouterGetsAWlcVirtualServerRefusedAtTheApiAndNothingIsAppended() {
        clusterWithRouters("nft", false);
        try (FakeAgent ignored = agent("nft", "lvs1", "nftables")) {
            long revision = revision(cp, "nft");
            List<Object> log = events("nft");

            Response refused = Api.given(cp).body(vs("http", "192.168.26.10", "wlc")).post("/v1/clusters/nft/virtual-servers");
            refused.then().statusCode(422).contentType("application/problem+json")
                    .body("type", equalTo(PROBLEM), "status", equalTo(422),
                            "detail", allOf(containsString("router lvs1"), containsString("nftables"), containsString("scheduler wlc")),
                            "errors", hasSize(1),
                            "errors[0].router", equalTo("lvs1"), "errors[0].driver", equalTo("nftables"),
                            "errors[0].pointer", equalTo("/scheduler"),
                            "errors[0].resource", equalTo("/v1/clusters/nft/virtual-servers/http"), "errors[0].field", equalTo("/scheduler"),
                            "errors[0].detail", containsString("needs connection counts nftables does not keep"));
            assertRevision(cp, "nft", revision);
            assertEquals(log, events("nft"), "a refusal appends nothing");

            // A dry run answers what the write would have: the same refusal, nothing stored.
            Response dry = Api.given(cp).queryParam("dryRun", true).body(vs("http", "192.168.26.10", "wlc"))
                    .post("/v1/clusters/nft/virtual-servers");
            dry.then().statusCode(422).contentType("application/problem+json").body("type", equalTo(PROBLEM));
            assertEquals(refused.jsonPath().getList("errors"), dry.jsonPath().getList("errors"));
            assertEquals(refused.jsonPath().getString("detail"), dry.jsonPath().getString("detail"));

            // A real server the driver cannot reach (gate), or with connection thresholds, is refused where it is written.
            Api.given(cp).body(vs("http", "192.168.26.10", "wrr")).post("/v1/clusters/nft/virtual-servers").then().statusCode(201)
                    .body("scheduler", equalTo("wrr"));
            long afterVs = revision(cp, "nft");
            Api.given(cp).body("{\"name\": \"rs1\", \"address\": \"10.11.12.1\", \"forwarding\": \"gate\", \"upperThreshold\": 100}")
                    .post("/v1/clusters/nft/virtual-servers/http/real-servers").then().statusCode(422)
                    .body("type", equalTo(PROBLEM), "errors.pointer", containsInAnyOrder("/forwarding", "/upperThreshold"),
                            "errors.resource", everyItem(equalTo("/v1/clusters/nft/virtual-servers/http/real-servers/rs1")),
                            "errors.router", everyItem(equalTo("lvs1")));
            assertRevision(cp, "nft", afterVs);
        }
        // Connected or not: the driver is the one of the agent's last hello.
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/nft/routers/lvs1")
                .then().body("status.connected", equalTo(false), "status.driver", equalTo("nftables")));
        Api.given(cp).body(vs("http", "192.168.26.10", "lc")).put("/v1/clusters/nft/virtual-servers/http").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/scheduler"), "errors[0].detail", containsString("scheduler lc"));
    }

    @Test
    void aSchedulerLeftOutIsOneEveryKnownDriverRuns() {
        clusterWithRouters("mixed", true);
        clusterWithRouters("kernel", true);
        createCluster(cp, "unseen");
        try (FakeAgent a = agent("mixed", "lvs1", "ipvs"); FakeAgent b = agent("mixed", "lvs2", "nftables");
             FakeAgent c = agent("kernel", "lvs1", "ipvs"); FakeAgent d = agent("kernel", "lvs2", "ipvs")) {
            Api.given(cp).body(vs("http", "192.168.26.10", null)).post("/v1/clusters/mixed/virtual-servers").then().statusCode(201)
                    .body("scheduler", equalTo("wrr"));
            Api.given(cp).body(vs("http", "192.168.26.10", null)).post("/v1/clusters/kernel/virtual-servers").then().statusCode(201)
                    .body("scheduler", equalTo("wlc"));
            // The event records the resolved scheduler, as agents receive it.
            JsonPath added = Api.given(cp).queryParam("cluster", "mixed").queryParam("type", "VirtualServerAdded").get("/v1/events")
                    .then().statusCode(200).extract().jsonPath();
            assertEquals("wrr", added.getString("items[0].data.virtualServer.scheduler"));
            // A replace that leaves it out resolves it again; a dry run says the same.
            Api.given(cp).queryParam("dryRun", true).body(vs("http", "192.168.26.10", null)).put("/v1/clusters/mixed/virtual-servers/http")
                    .then().statusCode(200).header("Lvscp-Events-Appended", "0").body("scheduler", equalTo("wrr"));
        }
        // No router's driver known: wlc, IPVS's default.
        Api.given(cp).body(vs("http", "192.168.26.10", null)).post("/v1/clusters/unseen/virtual-servers").then().statusCode(201)
                .body("scheduler", equalTo("wlc"));
    }

    @Test
    void connectionSyncIsRefusedWhereARouterRunsNftables() {
        clusterWithRouters("sync", true);
        String synced = cluster("sync").replace("\"heartbeat\"", "\"connectionSync\": {\"device\": \"eth1\"}, \"heartbeat\"");
        try (FakeAgent a = agent("sync", "lvs1", "ipvs"); FakeAgent b = agent("sync", "lvs2", "nftables")) {
            long revision = revision(cp, "sync");
            Api.given(cp).body(synced).put("/v1/clusters/sync").then().statusCode(422).contentType("application/problem+json")
                    .body("type", equalTo(PROBLEM), "errors", hasSize(1), "errors[0].router", equalTo("lvs2"),
                            "errors[0].driver", equalTo("nftables"), "errors[0].pointer", equalTo("/connectionSync"),
                            "errors[0].resource", equalTo("/v1/clusters/sync"), "errors[0].field", equalTo("/connectionSync"),
                            "errors[0].detail", containsString("cannot synchronise connections"));
            Api.given(cp).queryParam("dryRun", true).body(synced).put("/v1/clusters/sync").then().statusCode(422)
                    .body("errors[0].router", equalTo("lvs2"));
            assertRevision(cp, "sync", revision);
        }
        // Once lvs2's agent says hello with ipvs, the same write goes through.
        try (FakeAgent b = agent("sync", "lvs2", "ipvs")) {
            Api.given(cp).body(synced).put("/v1/clusters/sync").then().statusCode(200).body("connectionSync.device", equalTo("eth1"));
        }
    }

    @Test
    void onlyWhatAWriteAddsIsRefusedAndARollbackIsCheckedToo() {
        // The wlc virtual server is written while the router's driver is unknown; then its agent says it runs nftables.
        clusterWithRouters("legacy", false);
        Api.given(cp).body(vs("http", "192.168.26.10", "wlc")).post("/v1/clusters/legacy/virtual-servers").then().statusCode(201);
        long withWlc = revision(cp, "legacy");
        try (FakeAgent ignored = agent("legacy", "lvs1", "nftables")) {
            // What is already there does not block other writes, to that virtual server or another.
            createRealServer(cp, "legacy", "http", "rs1", "10.11.12.1", 1);
            Api.given(cp).body(vs("dns", "192.168.26.11", null)).post("/v1/clusters/legacy/virtual-servers").then().statusCode(201)
                    .body("scheduler", equalTo("wrr"));
            // Fixing it is a write like any other.
            Api.given(cp).body(vs("http", "192.168.26.10", "sh")).put("/v1/clusters/legacy/virtual-servers/http").then().statusCode(200);
            long fixed = revision(cp, "legacy");
            List<Object> log = events("legacy");

            // Going back to the revision with wlc would ask lvs1 for it again: refused, pointing at the field in the state.
            Api.given(cp).body("{\"revision\": " + withWlc + "}").post("/v1/clusters/legacy/rollback").then().statusCode(422)
                    .contentType("application/problem+json")
                    .body("type", equalTo(PROBLEM), "errors", hasSize(1), "errors[0].pointer", equalTo(""),
                            "errors[0].router", equalTo("lvs1"), "errors[0].driver", equalTo("nftables"),
                            "errors[0].resource", equalTo("/v1/clusters/legacy/virtual-servers/http"), "errors[0].field", equalTo("/scheduler"));
            Api.given(cp).queryParam("dryRun", true).body("{\"revision\": " + withWlc + "}").post("/v1/clusters/legacy/rollback")
                    .then().statusCode(422).body("errors[0].field", equalTo("/scheduler"));
            assertRevision(cp, "legacy", fixed);
            assertEquals(log, events("legacy"));
        }
    }

    @Test
    void aRecordingRouterIsShownAsOneAndNeverCountsAsProgrammed() {
        clusterWithRouters("rec", true);
        try (FakeAgent recording = agent("rec", "lvs1", "recording"); FakeAgent ipvs = agent("rec", "lvs2", "ipvs")) {
            long revision = revision(cp, "rec");
            Api.given(cp).get("/v1/clusters/rec").then().statusCode(200).body("programmedRouters", empty());
            recording.send("{\"type\":\"ack\",\"revision\":" + revision + ",\"applyMillis\":1}");
            ipvs.send("{\"type\":\"ack\",\"revision\":" + revision + ",\"applyMillis\":3}");
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/rec").then().statusCode(200)
                    .body("routers.find { it.name == 'lvs1' }.status.appliedRevision", equalTo((int) revision),
                            "routers.find { it.name == 'lvs2' }.status.appliedRevision", equalTo((int) revision)));
            Api.given(cp).get("/v1/clusters/rec").then().statusCode(200)
                    .body("routers.find { it.name == 'lvs1' }.status.driver", equalTo("recording"),
                            "routers.find { it.name == 'lvs1' }.status.programsKernel", equalTo(false),
                            "routers.find { it.name == 'lvs2' }.status.programsKernel", equalTo(true),
                            "programmedRouters", contains("lvs2"));
            Api.given(cp).get("/v1/clusters/rec/routers/lvs1").then().statusCode(200).body("status.programsKernel", equalTo(false));

            // A new revision: lvs2 is no longer programmed until it acks it.
            Api.given(cp).body(vs("http", "192.168.26.10", null)).post("/v1/clusters/rec/virtual-servers").then().statusCode(201)
                    .body("scheduler", equalTo("wlc"));
            Api.given(cp).get("/v1/clusters/rec").then().statusCode(200).body("programmedRouters", empty());
        }
        // A router never seen has no driver, and nothing says whether it programs a kernel.
        createCluster(cp, "rec-unseen");
        Api.given(cp).body("{\"name\": \"lvs1\", \"publicAddress\": \"192.168.26.8\", \"privateAddress\": \"10.11.12.8\"}")
                .post("/v1/clusters/rec-unseen/routers").then().statusCode(201);
        Api.given(cp).get("/v1/clusters/rec-unseen/routers/lvs1").then().statusCode(200)
                .body("status", not(hasKey("programsKernel")), "status", not(hasKey("driver")), "status", not(hasKey("connectionSync")));
    }

    @Test
    void whatARouterRunsOfConnectionSyncIsInItsStatus() {
        clusterWithRouters("daemons", false);
        String daemons = "{\"running\":true,\"daemons\":[{\"role\":\"master\",\"device\":\"eth1\",\"syncId\":7},"
                + "{\"role\":\"backup\",\"device\":\"eth1\",\"syncId\":7}]}";
        String instance = java.util.UUID.randomUUID().toString();
        try (FakeAgent agent = FakeAgent.hello(cp, "daemons", "lvs1", "ipvs", instance)) {
            awaitDriver("daemons", "lvs1", "ipvs");
            long revision = agent.snapshotRevision();
            agent.send("{\"type\":\"ack\",\"revision\":" + revision + ",\"applyMillis\":2,\"connectionSync\":" + daemons + "}");
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/daemons/routers/lvs1")
                    .then().statusCode(200).body("status.connectionSync.running", equalTo(true),
                            "status.connectionSync.daemons.role", contains("master", "backup"),
                            "status.connectionSync.daemons.device", everyItem(equalTo("eth1")),
                            "status.connectionSync.daemons.syncId", everyItem(equalTo(7))));
            // An ack of an older agent says nothing of it: what was reported stays.
            agent.send("{\"type\":\"ack\",\"revision\":" + revision + ",\"applyMillis\":1}");
            // Stats carry it too, and it is not shown among the counters; a malformed daemon is not shown at all.
            agent.send("{\"type\":\"stats\",\"services\":0,\"destinations\":0,\"reconcileMillis\":1,\"counters\":[],\"omittedCounters\":0,"
                    + "\"connectionSync\":{\"running\":false,\"daemons\":[{\"role\":\"master\",\"device\":\"eth1;reboot\",\"syncId\":7}]}}");
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/daemons").then()
                    .statusCode(200).body("routers[0].status.connectionSync", equalTo(Map.of("running", false, "daemons", List.of())),
                            "routers[0].status.stats.services", equalTo(0), "routers[0].status.stats", not(hasKey("connectionSync"))));
        }
        // The same run reconnecting keeps it; a restarted agent (a new instance) has reported nothing yet.
        try (FakeAgent again = FakeAgent.hello(cp, "daemons", "lvs1", "ipvs", instance)) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/daemons/routers/lvs1")
                    .then().body("status.connected", equalTo(true), "status.connectionSync.running", equalTo(false)));
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/daemons/routers/lvs1")
                .then().body("status.connected", equalTo(false)));
        try (FakeAgent restarted = FakeAgent.hello(cp, "daemons", "lvs1", "ipvs")) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp).get("/v1/clusters/daemons/routers/lvs1")
                    .then().body("status.connected", equalTo(true), "status", not(hasKey("connectionSync"))));
        }
    }
}
