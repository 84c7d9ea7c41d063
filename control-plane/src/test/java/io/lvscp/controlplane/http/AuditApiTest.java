package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.restassured.path.json.JsonPath;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who changed what and when, what the cluster looked like then, the difference, and going back. */
class AuditApiTest {
    static RunningControlPlane cp;

    @BeforeAll
    static void start() {
        cp = RunningControlPlane.onNewDatabase();
    }

    @AfterAll
    static void stop() {
        cp.close();
    }

    private static String rs(String cluster, String name) {
        return "/v1/clusters/" + cluster + "/virtual-servers/http/real-servers/" + name;
    }

    @Test
    void eventsFilterByClusterTypeActorAndTime() {
        seedCluster(cp, "audit-a");
        seedCluster(cp, "audit-b");
        Instant between = Instant.now();
        Api.as(cp, cp.token("bob", "operator")).post(rs("audit-a", "rs1") + "/drain").then().statusCode(200);
        Api.as(cp, cp.token("carol", "operator", "audit-b")).post(rs("audit-b", "rs2") + "/drain").then().statusCode(200);

        Api.given(cp).queryParam("cluster", "audit-a").queryParam("type", "RealServerDrained").get("/v1/events")
                .then().statusCode(200).body("items", hasSize(1), "items[0].cluster", equalTo("audit-a"),
                        "items[0].data.realServer", equalTo("rs1"), "items[0].metadata.actor", equalTo("bob"));
        Api.given(cp).queryParam("actor", "carol").get("/v1/events")
                .then().statusCode(200).body("items.cluster", contains("audit-b"), "items.type", contains("RealServerDrained"));
        Api.given(cp).queryParam("since", between.toString()).queryParam("cluster", "audit-b").get("/v1/events")
                .then().statusCode(200).body("items.type", contains("RealServerDrained"));
        Api.given(cp).queryParam("until", between.toString()).queryParam("cluster", "audit-b").get("/v1/events")
                .then().statusCode(200).body("items.type", contains("ClusterCreated", "VirtualServerAdded", "RealServerAdded", "RealServerAdded"));
    }

    @Test
    void cursorPagingWalksTheWholeLogOnce() {
        seedCluster(cp, "paging");
        List<Integer> everything = Api.given(cp).queryParam("limit", 1000).get("/v1/events").then().statusCode(200)
                .extract().jsonPath().getList("items.position");
        List<Integer> paged = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 1000; page++) {
            var req = Api.given(cp).queryParam("limit", 2);
            if (cursor != null) req.queryParam("cursor", cursor);
            JsonPath p = req.get("/v1/events").then().statusCode(200).extract().jsonPath();
            List<Integer> positions = p.getList("items.position");
            if (positions.isEmpty()) break;
            assertTrue(positions.size() <= 2);
            paged.addAll(positions);
            cursor = p.getString("nextCursor");
        }
        assertEquals(everything, paged);
        // "after" starts after the event at that position, in the same order.
        int third = everything.get(2);
        List<Integer> after = Api.given(cp).queryParam("after", third).queryParam("limit", 1000).get("/v1/events")
                .then().statusCode(200).extract().jsonPath().getList("items.position");
        assertEquals(everything.subList(3, everything.size()), after);
    }

    @Test
    void stateAtARevisionOrATimeIsWhatTheClusterWasThen() {
        seedCluster(cp, "travel");
        long before = revision(cp, "travel");
        Map<String, Object> then = new java.util.HashMap<>(Api.given(cp).get("/v1/clusters/travel").then().extract().jsonPath().getMap("$"));
        // Which routers' kernels hold the revision is news of now, which a past state has no way to know.
        then.remove("programmedRouters");
        Instant at = Instant.now();
        Api.given(cp).body("{\"weight\": 7}").put(rs("travel", "rs2") + "/weight").then().statusCode(200);
        Api.given(cp).delete(rs("travel", "rs1")).then().statusCode(204);

        Map<String, Object> atRevision = Api.given(cp).queryParam("revision", before).get("/v1/clusters/travel/state")
                .then().statusCode(200).header("ETag", "\"" + before + "\"").extract().jsonPath().getMap("$");
        assertEquals(then, atRevision);
        Map<String, Object> atTime = Api.given(cp).queryParam("at", at.toString()).get("/v1/clusters/travel/state")
                .then().statusCode(200).extract().jsonPath().getMap("$");
        assertEquals(then, atTime);
        Api.given(cp).queryParam("revision", 1).get("/v1/clusters/travel/state")
                .then().statusCode(200).body("virtualServers", empty(), "revision", equalTo(1));
        Api.given(cp).queryParam("revision", before + 10).get("/v1/clusters/travel/state").then().statusCode(404);
        Api.given(cp).queryParam("at", "2000-01-01T00:00:00Z").get("/v1/clusters/travel/state").then().statusCode(404);
    }

    @Test
    void diffNamesWhatChangedBetweenTwoRevisions() {
        seedCluster(cp, "diff");
        long from = revision(cp, "diff");
        Api.given(cp).body("{\"weight\": 5}").put(rs("diff", "rs1") + "/weight").then().statusCode(200);
        Api.given(cp).post(rs("diff", "rs1") + "/drain").then().statusCode(200);
        Api.given(cp).delete(rs("diff", "rs2")).then().statusCode(204);
        // Weight and drain together are one change of rs1 between the two revisions.
        Api.given(cp).queryParam("from", from).get("/v1/clusters/diff/diff").then().statusCode(200)
                .body("from", equalTo((int) from), "to", equalTo((int) from + 3),
                        "changes.type", contains("RealServerRemoved", "RealServerChanged"),
                        "changes[1].data.realServer.weight", equalTo(5), "changes[1].data.realServer.state", equalTo("drained"));
        Api.given(cp).queryParam("from", from).queryParam("to", from).get("/v1/clusters/diff/diff")
                .then().statusCode(200).body("changes", empty());
    }

    @Test
    void rollbackAppendsTheWayBackAsNewEvents() {
        seedCluster(cp, "undo");
        long good = revision(cp, "undo");
        Map<String, Object> goodState = Api.given(cp).get("/v1/clusters/undo").then().extract().jsonPath().getMap("$");
        Api.given(cp).body("{\"weight\": 0}").put(rs("undo", "rs1") + "/weight").then().statusCode(200);
        Api.given(cp).post("/v1/clusters/undo/virtual-servers/http/deactivate").then().statusCode(200);
        Api.given(cp).body(realServer("rs9", "10.11.12.9", 1)).post("/v1/clusters/undo/virtual-servers/http/real-servers").then().statusCode(201);

        Api.given(cp).queryParam("dryRun", true).body("{\"revision\": " + good + "}").post("/v1/clusters/undo/rollback")
                .then().statusCode(200).header("Lvscp-Dry-Run", "true")
                .header("Lvscp-Dry-Run-Events", allOf(containsString("RealServerRemoved"), containsString("VirtualServerActivated"),
                        containsString("RealServerWeightChanged")));
        assertRevision(cp, "undo", good + 3);

        Api.given(cp).header("Lvscp-Reason", "bad change").body("{\"revision\": " + good + "}").post("/v1/clusters/undo/rollback")
                .then().statusCode(200).header("ETag", "\"" + (good + 6) + "\"");
        Map<String, Object> now = Api.given(cp).get("/v1/clusters/undo").then().extract().jsonPath().getMap("$");
        now.put("revision", goodState.get("revision"));
        assertEquals(goodState, now, "the state is what it was at the good revision");
        // History is whole: the bad changes and the rollback are all there, in order.
        List<String> types = Api.given(cp).queryParam("cluster", "undo").get("/v1/events").then().extract().jsonPath().getList("items.type");
        assertEquals(good + 6, types.size());
        Api.given(cp).queryParam("cluster", "undo").queryParam("after", 0).queryParam("limit", 1000).get("/v1/events").then()
                .body("items[-1].metadata.reason", equalTo("bad change"));
        Api.given(cp).body("{\"revision\": 999}").post("/v1/clusters/undo/rollback").then().statusCode(422);
    }
}
