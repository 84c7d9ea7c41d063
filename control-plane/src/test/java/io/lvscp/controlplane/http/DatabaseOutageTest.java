package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.seedCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.FakeAgent;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.restassured.response.Response;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The database goes away and comes back (issue 12, stop and start): a PostgreSQL of this test's own (the shared one
 * serves every other class), stopped under a running control plane and started again on the same data and port.
 * Every request that needs it is answered 503 with a problem document and Retry-After within a bound, /readyz says
 * why, /healthz still answers (the process is alive); once it is back, the control plane recovers by itself and nothing
 * acknowledged is lost, nothing refused is there.
 */
class DatabaseOutageTest {
    private static final String WEIGHT = "/v1/clusters/kept/virtual-servers/http/real-servers/rs2/weight";

    @Test
    void requestsGet503WhileTheDatabaseIsStoppedAndAllComesBackWhenItStarts() throws Exception {
        Path data = Files.createTempDirectory("lvscp-outage-pg");
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start();
        int pgPort = pg.getPort();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE lvscp_outage");
        }
        String url = "postgresql://postgres:postgres@localhost:" + pgPort + "/lvscp_outage";
        FakeAgent agent = null;
        try (RunningControlPlane cp = RunningControlPlane.on(url)) {
            seedCluster(cp, "kept");
            Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\"}")
                    .post("/v1/clusters/kept/routers").then().statusCode(201);
            agent = FakeAgent.hello(cp, "kept", "lvs1", "recording");
            Api.given(cp).body("{\"weight\": 2}").put(WEIGHT).then().statusCode(200);
            List<Object> before = Fixtures.log(cp);

            pg.close(); // a clean stop (pg_ctl stop -m fast); the data stays
            long beats = agent.received("heartbeat");
            long started = System.nanoTime();
            Response refused = Api.given(cp).body("{\"weight\": 3}").put(WEIGHT);
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            refused.then().statusCode(503).contentType(Problems.CONTENT_TYPE)
                    .header("Retry-After", "5")
                    .body("type", equalTo(Problems.TYPE_BASE + "database-unavailable"))
                    .body("status", equalTo(503))
                    .body("detail", containsString("try again later"));
            assertTrue(tookMs < 10_000, "the refusal came within 10 s, not after a socket's timeout: " + tookMs + " ms");
            Api.given(cp).queryParam("limit", 1000).get("/v1/events").then().statusCode(503).header("Retry-After", "5");
            Api.given(cp).get("/readyz").then().statusCode(503).body("reason", containsString("database unreachable"));
            // Reads too: the projections are in memory, but the token check reads the token table, and a revoked token
            // must not pass because the table that says so is away. Fail closed, and say why.
            Api.given(cp).get("/v1/clusters/kept/virtual-servers/http/real-servers/rs2").then().statusCode(503)
                    .body("detail", containsString("the token cannot be checked")).header("Retry-After", "5");
            Api.given(cp).get("/healthz").then().statusCode(200);
            // The agent's stream does not need the database: it stays, the control plane's heartbeats (from memory)
            // keep coming, past the three heartbeats of silence that would close it (test heartbeat: 1 s).
            FakeAgent connected = agent;
            Awaitility.await("heartbeats during the outage").atMost(Duration.ofSeconds(20))
                    .until(() -> connected.received("heartbeat") >= beats + 4);
            assertTrue(agent.open(), "the agent's stream stayed open through the outage");

            pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(pgPort).start();
            Awaitility.await("ready again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Api.given(cp).get("/readyz").statusCode() == 200);
            assertEquals(before, Fixtures.log(cp), "everything acknowledged before the outage is there, the refused write is not");
            Api.given(cp).body("{\"weight\": 4}").put(WEIGHT).then().statusCode(200);
            Api.given(cp).get("/v1/clusters/kept/virtual-servers/http/real-servers/rs2").then().statusCode(200).body("weight", equalTo(4));
            assertEquals(before.size() + 1, Fixtures.log(cp).size());
            // The same stream, resumed: the write after the outage reaches the agent as a delta, no reconnect needed.
            long head = Api.given(cp).get("/v1/clusters/kept").then().statusCode(200).extract().jsonPath().getLong("revision");
            FakeAgent same = agent;
            Awaitility.await("the delta after the outage").atMost(Duration.ofSeconds(10)).until(() -> same.deltaRevision() == head);
            assertTrue(agent.open());
        } finally {
            if (agent != null) agent.close();
            pg.close();
        }
    }
}
