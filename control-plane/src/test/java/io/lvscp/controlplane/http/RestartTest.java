package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The projection is only a cache of the log: a restarted process, or a second one, serves the same state and history. */
class RestartTest {
    @Test
    void stateAndHistorySurviveARestart() {
        String db = TestPostgres.newDatabase();
        Map<String, Object> state;
        List<Object> history;
        Map<String, Object> earlier;
        try (RunningControlPlane first = RunningControlPlane.on(db)) {
            seedCluster(first, "kept");
            Api.given(first).body("{\"weight\": 4}").put("/v1/clusters/kept/virtual-servers/http/real-servers/rs2/weight").then().statusCode(200);
            Api.given(first).post("/v1/clusters/kept/virtual-servers/http/real-servers/rs1/drain").then().statusCode(200);
            state = Api.given(first).get("/v1/clusters/kept").then().statusCode(200).extract().jsonPath().getMap("$");
            history = Api.given(first).queryParam("limit", 1000).get("/v1/events").then().extract().jsonPath().getList("items");
            earlier = Api.given(first).queryParam("revision", 3).get("/v1/clusters/kept/state").then().extract().jsonPath().getMap("$");
        }
        try (RunningControlPlane second = RunningControlPlane.on(db)) {
            Api.given(second).get("/readyz").then().statusCode(200);
            assertEquals(state, Api.given(second).get("/v1/clusters/kept").then().statusCode(200).extract().jsonPath().getMap("$"));
            assertEquals(history, Api.given(second).queryParam("limit", 1000).get("/v1/events").then().extract().jsonPath().getList("items"));
            assertEquals(earlier, Api.given(second).queryParam("revision", 3).get("/v1/clusters/kept/state").then().extract().jsonPath().getMap("$"));
            // And it goes on from where the first left off.
            Api.given(second).post("/v1/clusters/kept/virtual-servers/http/real-servers/rs1/enable").then().statusCode(200)
                    .header("ETag", "\"" + ((Integer) state.get("revision") + 1) + "\"");
        }
    }

    /** A database restored from another server carries that server's transaction ids; its events must still show. */
    @Test
    void eventsRestoredFromAnotherServerAreSeen() throws Exception {
        String db = TestPostgres.newDatabase();
        try (RunningControlPlane first = RunningControlPlane.on(db)) {
            seedCluster(first, "restored");
        }
        try (java.sql.Connection c = TestPostgres.jdbc(db); java.sql.Statement s = c.createStatement()) {
            // As pg_restore would write them (its --disable-triggers sets the append-only trigger aside for the restore):
            // committed rows whose transaction ids lie far in this server's future.
            s.execute("ALTER TABLE events DISABLE TRIGGER events_append_only");
            s.executeUpdate("UPDATE events SET transaction_id = (transaction_id::text::bigint + 4000000000)::text::xid8");
            s.execute("ALTER TABLE events ENABLE TRIGGER events_append_only");
        }
        try (RunningControlPlane second = RunningControlPlane.on(db)) {
            List<Object> items = Api.given(second).queryParam("cluster", "restored").get("/v1/events").then().statusCode(200)
                    .extract().jsonPath().getList("items.revision");
            assertEquals(List.of(1, 2, 3, 4), items);
        }
    }

    @Test
    void aSecondProcessOnTheSameDatabaseSeesEveryWrite() {
        String db = TestPostgres.newDatabase();
        try (RunningControlPlane a = RunningControlPlane.on(db); RunningControlPlane b = RunningControlPlane.on(db)) {
            seedCluster(a, "shared");
            // b learns of a's appends by NOTIFY, without being asked to write.
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    Api.given(b).get("/v1/clusters/shared").statusCode() == 200 && revision(b, "shared") == revision(a, "shared"));
            long rev = revision(a, "shared");
            // A write through b based on what a showed is accepted; a stale one through a is refused.
            Api.given(b).header("If-Match", "\"" + rev + "\"").body("{\"weight\": 9}")
                    .put("/v1/clusters/shared/virtual-servers/http/real-servers/rs1/weight").then().statusCode(200);
            Api.given(a).header("If-Match", "\"" + rev + "\"").body("{\"weight\": 2}")
                    .put("/v1/clusters/shared/virtual-servers/http/real-servers/rs1/weight").then().statusCode(412);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> revision(a, "shared") == rev + 1);
            Api.given(a).get("/v1/clusters/shared/virtual-servers/http/real-servers/rs1").then().statusCode(200)
                    .body("weight", org.hamcrest.Matchers.equalTo(9));
        }
    }
}
