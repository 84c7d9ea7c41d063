package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.seedCluster;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.CrashablePostgres;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The database dies or fills up under a running control plane (issue 12): kill -9 of the postmaster, with the
 * embedded server (which the control plane starts again by itself) and with a server of the test's own; and a
 * full disk (its data directory on a small tmpfs). In each the write in flight is refused with 503 and nothing is
 * half-applied; afterwards the control plane recovers by itself, every acknowledged write is there, and writes work.
 */
class DatabaseCrashTest {
    private static final String WEIGHT = "/v1/clusters/kept/virtual-servers/http/real-servers/rs2/weight";

    @Test
    void theEmbeddedPostgresKilledIsStartedAgainByTheControlPlaneWithNothingLost() throws Exception {
        Path data = Files.createTempDirectory("lvscp-embedded-crash");
        ControlPlaneConfig embedded = new ControlPlaneConfig(null, new ControlPlaneConfig.Database(null, null, null, null, data.toString()), null, null);
        try (RunningControlPlane cp = RunningControlPlane.on(null, 0, embedded)) {
            seedCluster(cp, "kept");
            Api.given(cp).body("{\"weight\": 2}").put(WEIGHT).then().statusCode(200);
            List<Object> before = Fixtures.log(cp);
            ProcessHandle postmaster = CrashablePostgres.postmaster(data);

            CrashablePostgres.kill9(postmaster);
            // Until it is back, a write is refused (never a 500); once the control plane has started it again, the
            // write goes through.
            Awaitility.await("the embedded PostgreSQL started again").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                    .until(() -> {
                        int status = Api.given(cp).get("/readyz").statusCode();
                        assertTrue(status == 200 || status == 503, "readyz answered " + status);
                        return status == 200;
                    });
            assertNotEquals(postmaster.pid(), CrashablePostgres.postmaster(data).pid(), "a new postmaster");
            assertEquals(before, Fixtures.log(cp), "everything acknowledged before the crash is there");
            Api.given(cp).body("{\"weight\": 4}").put(WEIGHT).then().statusCode(200);
            Api.given(cp).get("/v1/clusters/kept/virtual-servers/http/real-servers/rs2").then().statusCode(200).body("weight", equalTo(4));
        }
    }

    @Test
    void aKilledExternalPostmasterGives503AndAllComesBackWhenItIsStartedAgain() throws Exception {
        try (CrashablePostgres pg = CrashablePostgres.start(Files.createTempDirectory("lvscp-external-crash"))) {
            String url = pg.createDatabase("lvscp_crash");
            try (RunningControlPlane cp = RunningControlPlane.on(url)) {
                seedCluster(cp, "kept");
                Api.given(cp).body("{\"weight\": 2}").put(WEIGHT).then().statusCode(200);
                List<Object> before = Fixtures.log(cp);

                pg.kill9();
                Api.given(cp).body("{\"weight\": 3}").put(WEIGHT).then().statusCode(503).header("Retry-After", "5")
                        .body("type", equalTo(Problems.TYPE_BASE + "database-unavailable"));
                Api.given(cp).get("/readyz").then().statusCode(503);

                pg.startAgain();
                Awaitility.await("ready again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> Api.given(cp).get("/readyz").statusCode() == 200);
                assertEquals(before, Fixtures.log(cp), "crash recovery kept every acknowledged write, and the refused one is not there");
                Api.given(cp).body("{\"weight\": 4}").put(WEIGHT).then().statusCode(200);
            }
        }
    }

    @Test
    void aFullDiskRefusesTheWriteCleanlyAndWritesWorkWhenSpaceReturns() throws Exception {
        Path mount = Files.createTempDirectory("lvscp-full-disk");
        sh("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", mount.toString());
        EmbeddedPostgres pg = null;
        try {
            Path data = mount.resolve("pg");
            pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start();
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE lvscp_full");
            }
            String url = "postgresql://postgres:postgres@localhost:" + pg.getPort() + "/lvscp_full";
            try (RunningControlPlane cp = RunningControlPlane.on(url)) {
                seedCluster(cp, "kept");
                Api.given(cp).body("{\"weight\": 2}").put(WEIGHT).then().statusCode(200);
                List<Object> before = Fixtures.log(cp);

                Path filler = mount.resolve("filler");
                fill(filler);
                // Writes until one is refused: the table's free space in its last page takes a few first.
                int refusedAt = -1;
                for (int i = 0; i < 2000 && refusedAt < 0; i++) {
                    int status = Api.given(cp).body("{\"weight\": " + (10 + i % 50) + "}").put(WEIGHT).statusCode();
                    if (status == 503) refusedAt = i;
                    else assertEquals(200, status, "a write on a full disk is acknowledged or refused with 503, nothing else");
                }
                assertTrue(refusedAt >= 0, "a write was refused once the disk was full");
                List<Object> during = Fixtures.log(cp);
                assertEquals(before.size() + refusedAt, during.size(), "each acknowledged write is in the log, the refused one is not");

                Files.delete(filler);
                Awaitility.await("writes work again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> Api.given(cp).body("{\"weight\": 7}").put(WEIGHT).statusCode() == 200);
                Api.given(cp).get("/v1/clusters/kept/virtual-servers/http/real-servers/rs2").then().statusCode(200).body("weight", equalTo(7));
                assertEquals(during, Fixtures.log(cp).subList(0, during.size()), "nothing written before was changed");
            }
        } finally {
            if (pg != null) pg.close();
            sh("umount", mount.toString());
        }
    }

    /** Fills the file system of {@code file} to the last byte. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) out.write(block);
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) throw e;
        }
    }

    private static void sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new AssertionError(String.join(" ", argv) + " failed (this test needs root): " + out);
    }
}
