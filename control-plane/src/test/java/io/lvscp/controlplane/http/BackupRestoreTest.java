package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.seedCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operations.md's backup and restore, run as it is written (issue 12): pg_dump of the event store's tables, a
 * fresh database migrated by a first start, pg_restore --data-only into it (the append-only triggers do not stand in
 * the way of inserts), and the control plane started on it shows the same clusters, the same log and the same past
 * states, and goes on appending. The tools are Debian's (package postgresql); missing, the test fails.
 */
class BackupRestoreTest {
    @Test
    void aDumpRestoredIntoAFreshDatabaseGivesTheSameStateAndTheSameLog(@TempDir Path dir) throws Exception {
        String source = TestPostgres.newDatabase();
        Map<String, Object> state;
        List<Object> history;
        Map<String, Object> earlier;
        try (RunningControlPlane cp = RunningControlPlane.on(source)) {
            seedCluster(cp, "kept");
            Api.given(cp).header("Lvscp-Reason", "before the backup").body("{\"weight\": 7}")
                    .put("/v1/clusters/kept/virtual-servers/http/real-servers/rs2/weight").then().statusCode(200);
            Api.given(cp).post("/v1/clusters/kept/virtual-servers/http/real-servers/rs1/drain").then().statusCode(200);
            state = Api.given(cp).get("/v1/clusters/kept").then().statusCode(200).extract().jsonPath().getMap("$");
            history = Fixtures.log(cp);
            earlier = Api.given(cp).queryParam("revision", 3).get("/v1/clusters/kept/state").then().statusCode(200).extract().jsonPath().getMap("$");
        }
        Path dump = dir.resolve("lvscp.dump");
        Path bin = TestPostgres.debianBinaries();
        run(bin.resolve("pg_dump"), "--format=custom", "--table=events", "--table=streams", "--file=" + dump, "--dbname=" + source);
        assertTrue(Files.size(dump) > 0, "a dump was written");

        String target = TestPostgres.newDatabase();
        try (RunningControlPlane first = RunningControlPlane.on(target)) {
            Api.given(first).get("/readyz").then().statusCode(200); // the migrations ran; the database is empty
        }
        run(bin.resolve("pg_restore"), "--data-only", "--dbname=" + target, dump.toString());

        try (RunningControlPlane restored = RunningControlPlane.on(target)) {
            Api.given(restored).get("/readyz").then().statusCode(200);
            assertEquals(state, Api.given(restored).get("/v1/clusters/kept").then().statusCode(200).extract().jsonPath().getMap("$"));
            assertEquals(history, Fixtures.log(restored), "the same log, reasons and actors included");
            assertEquals(earlier, Api.given(restored).queryParam("revision", 3).get("/v1/clusters/kept/state").then().statusCode(200)
                    .extract().jsonPath().getMap("$"), "the same past");
            Api.given(restored).post("/v1/clusters/kept/virtual-servers/http/real-servers/rs1/enable").then().statusCode(200)
                    .header("ETag", "\"" + ((Integer) state.get("revision") + 1) + "\"");
            assertEquals(history.size() + 1, Fixtures.log(restored).size(), "and it goes on appending after the restored events");
        }
    }

    private static void run(Path program, String... args) throws Exception {
        assertTrue(Files.isExecutable(program), program + " is missing: install Debian's postgresql package (.ci/run does)");
        List<String> argv = new ArrayList<>(List.of(program.toString()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), argv + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", argv) + " failed:\n" + out);
    }
}
