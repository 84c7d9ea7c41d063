package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.seedCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * History cannot be rewritten: the database itself refuses an UPDATE, DELETE or TRUNCATE of the event log, for the
 * role the control plane connects as (here the tables' owner, the embedded default), and the log reads the same
 * afterwards. The one update the control plane makes, moving restored events first, still goes through.
 */
class AppendOnlyLogTest {
    @Test
    void theDatabaseRefusesToRewriteTheLogAndTheLogStaysAsItWas() throws Exception {
        String db = TestPostgres.newDatabase();
        try (RunningControlPlane cp = RunningControlPlane.on(db)) {
            seedCluster(cp, "kept");
            List<Object> before = log(cp);
            assertTrue(before.size() >= 4, "the seeded cluster's events: " + before);
            try (Connection c = TestPostgres.jdbc(db); Statement s = c.createStatement()) {
                for (String sql : List.of(
                        "UPDATE events SET data = '{}'::jsonb WHERE stream_version = 1",
                        "UPDATE events SET metadata = jsonb_set(metadata, '{actor}', '\"someone-else\"')",
                        "UPDATE events SET transaction_id = '0'::xid8, event_type = 'ClusterDeleted'",
                        "DELETE FROM events WHERE stream_version > 1",
                        "TRUNCATE events",
                        "DELETE FROM streams",
                        "TRUNCATE streams CASCADE")) {
                    SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate(sql), sql);
                    assertTrue(e.getMessage().contains("the event log is append-only"), sql + ": " + e.getMessage());
                    assertEquals("42501", e.getSQLState(), sql);
                }
                // The control plane's own adoption of restored events: the transaction id alone, to 0.
                assertEquals(before.size(), s.executeUpdate("UPDATE events SET transaction_id = '0'::xid8"));
            }
            assertEquals(before, log(cp), "the log reads as it did");
            // And it still grows by appending.
            Api.given(cp).body("{\"weight\": 7}").put("/v1/clusters/kept/virtual-servers/http/real-servers/rs2/weight").then().statusCode(200);
            assertEquals(before.size() + 1, log(cp).size());
        }
    }

    /** The log's events without their cursors: a cursor carries the transaction id, which the adoption moves. */
    private static List<Object> log(RunningControlPlane cp) {
        List<java.util.Map<String, Object>> items = Api.given(cp).queryParam("limit", 1000).get("/v1/events").then().statusCode(200)
                .extract().jsonPath().getList("items");
        items.forEach(i -> i.remove("cursor"));
        return List.copyOf(items);
    }
}
