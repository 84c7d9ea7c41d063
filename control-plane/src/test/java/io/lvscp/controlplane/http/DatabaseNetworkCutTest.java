package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.seedCluster;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.restassured.response.Response;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The network to the database cut (issue 12): packets to and from the PostgreSQL port dropped by an nftables table
 * this test makes (on loopback, the only address it may cut), so that nothing answers and nothing resets: the case
 * where a query would otherwise wait for TCP to give up, minutes later. Every request still gets its 503 within a
 * bound (the query deadline of BoundedPool, then the pool's wait), and when the cut is healed the control plane
 * recovers by itself with the log as it was.
 */
class DatabaseNetworkCutTest {
    private static final String WEIGHT = "/v1/clusters/kept/virtual-servers/http/real-servers/rs2/weight";
    /** The query deadline (20 s, BoundedPool), 5 s in the pool's queue, and some slack for a slow machine. */
    private static final long BOUND_MS = 35_000;

    @Test
    void aCutGives503WithinABoundAndAllComesBackWhenItHeals() throws Exception {
        Path data = Files.createTempDirectory("lvscp-cut-pg");
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(data).start();
        int pgPort = pg.getPort();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE lvscp_cut");
        }
        String table = "lvscp_cut_" + ProcessHandle.current().pid();
        try (RunningControlPlane cp = RunningControlPlane.on("postgresql://postgres:postgres@localhost:" + pgPort + "/lvscp_cut")) {
            seedCluster(cp, "kept");
            Api.given(cp).body("{\"weight\": 2}").put(WEIGHT).then().statusCode(200);
            List<Object> before = Fixtures.log(cp);

            nft("table inet " + table + " {\n"
                    + "  chain in { type filter hook input priority -10; tcp dport " + pgPort + " drop; tcp sport " + pgPort + " drop; }\n"
                    + "  chain out { type filter hook output priority -10; tcp dport " + pgPort + " drop; tcp sport " + pgPort + " drop; }\n"
                    + "}\n");
            try {
                long started = System.nanoTime();
                Response refused = Api.given(cp).body("{\"weight\": 3}").put(WEIGHT);
                long tookMs = (System.nanoTime() - started) / 1_000_000;
                refused.then().statusCode(503).header("Retry-After", "5")
                        .body("type", equalTo(Problems.TYPE_BASE + "database-unavailable"));
                assertTrue(tookMs < BOUND_MS, "refused within " + BOUND_MS + " ms, not after TCP's minutes: " + tookMs + " ms");
                long readyStarted = System.nanoTime();
                Api.given(cp).get("/readyz").then().statusCode(503);
                long readyMs = (System.nanoTime() - readyStarted) / 1_000_000;
                assertTrue(readyMs < BOUND_MS, "/readyz answered within the bound: " + readyMs + " ms");
                Api.given(cp).get("/healthz").then().statusCode(200);
            } finally {
                sh("nft", "delete", "table", "inet", table);
            }
            Awaitility.await("ready again").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> Api.given(cp).get("/readyz").statusCode() == 200);
            assertEquals(before, Fixtures.log(cp), "everything acknowledged before the cut is there, the refused write is not");
            Api.given(cp).body("{\"weight\": 4}").put(WEIGHT).then().statusCode(200);
            Api.given(cp).get("/v1/clusters/kept/virtual-servers/http/real-servers/rs2").then().statusCode(200).body("weight", equalTo(4));
        } finally {
            pg.close();
        }
    }

    private static void nft(String ruleset) throws Exception {
        Process p = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
        p.getOutputStream().write(ruleset.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new AssertionError("nft -f failed (this test needs root and nftables): " + out);
    }

    private static void sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new AssertionError(String.join(" ", argv) + " failed: " + out);
    }
}
