package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.cli.Lvscp;
import io.lvscp.controlplane.support.Api;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lvscp rollback} against the real control plane. */
class RollbackCommandTest {
    @TempDir
    static Path dir;
    static CliOnControlPlane cli;

    @BeforeAll
    static void start() throws Exception {
        cli = CliOnControlPlane.start(dir);
        cli.seed("web");
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    @Test
    void aDryRunShowsTheEventsAndAppendsNothingThenTheRollbackMakesTheClusterWhatItWas() {
        long old = cli.revision("web");
        String before = cli.lvscp("export", "web").out();
        Api.given(cli.cp()).body("{\"weight\": 9}").put("/v1/clusters/web/virtual-servers/http/real-servers/rs1/weight").then().statusCode(200);
        Api.given(cli.cp()).post("/v1/clusters/web/virtual-servers/http/real-servers/rs2/drain").then().statusCode(200);
        long changed = cli.revision("web");
        assertEquals(old + 2, changed);

        CliOnControlPlane.Run plan = cli.lvscp("rollback", "web", "--to", String.valueOf(old), "--dry-run");
        assertEquals(Lvscp.OK, plan.code(), plan.all());
        assertTrue(plan.out().contains("2 event(s) would be appended") && plan.out().contains("RealServerWeightChanged")
                && plan.out().contains("RealServerEnabled"), plan.all());
        assertEquals(changed, cli.revision("web"), "a dry run appends nothing");

        CliOnControlPlane.Run done = cli.lvscp("rollback", "web", "--to", String.valueOf(old), "--reason", "the weight change hurt");
        assertEquals(Lvscp.OK, done.code(), done.all());
        assertTrue(done.out().contains("RealServerWeightChanged") && done.out().contains("RealServerEnabled")
                && done.out().contains("rolled back to revision " + old + ": cluster web is at revision " + (changed + 2)), done.all());
        assertEquals(changed + 2, cli.revision("web"));
        assertEquals(before, cli.lvscp("export", "web").out(), "the cluster is again what it was at revision " + old);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cli.events("web", "RealServerEnabled")
                .getList("items.metadata.reason").contains("the weight change hurt"));

        CliOnControlPlane.Run again = cli.lvscp("rollback", "web", "--to", String.valueOf(old));
        assertEquals(Lvscp.OK, again.code(), again.all());
        assertEquals("cluster web: no change", again.out().strip());
    }

    @Test
    void aRevisionOutsideTheHistoryIsRefusedWithExit1AndARevisionBelowOneIsAUsageError() {
        CliOnControlPlane.Run r = cli.lvscp("rollback", "web", "--to", "100000");
        assertEquals(Lvscp.REFUSED, r.code(), r.all());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("(422)"), r.all());
        assertEquals(Lvscp.USAGE, cli.lvscp("rollback", "web", "--to", "0").code());
        assertEquals(Lvscp.USAGE, cli.lvscp("rollback", "web").code(), "--to is required");
        assertEquals(Lvscp.REFUSED, cli.lvscp("rollback", "nosuch", "--to", "1").code());
    }
}
