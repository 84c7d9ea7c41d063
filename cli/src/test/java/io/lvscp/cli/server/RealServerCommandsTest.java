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

/** {@code lvscp drain}, {@code enable} and {@code weight} against the real control plane. */
class RealServerCommandsTest {
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

    private static io.restassured.path.json.JsonPath rs(String name) {
        return Api.given(cli.cp()).get("/v1/clusters/web/virtual-servers/http/real-servers/" + name).then().statusCode(200).extract().jsonPath();
    }

    private static void reasonLogged(String type, String reason) {
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> cli.events("web", type).getList("items.metadata.reason").contains(reason));
    }

    @Test
    void drainEnableAndWeightChangeWhatTheServerHoldsAndTheirReasonsAreInTheLog() {
        CliOnControlPlane.Run drain = cli.lvscp("drain", "web", "http", "rs1", "--reason", "kernel upgrade");
        assertEquals(Lvscp.OK, drain.code(), drain.all());
        assertTrue(drain.out().contains("rs1 of http drained"), drain.all());
        assertEquals("drained", rs("rs1").getString("state"));
        reasonLogged("RealServerDrained", "kernel upgrade");

        CliOnControlPlane.Run twice = cli.lvscp("drain", "web", "http", "rs1");
        assertEquals(Lvscp.OK, twice.code(), twice.all());
        assertTrue(twice.out().contains("no change"), twice.all());

        CliOnControlPlane.Run enable = cli.lvscp("enable", "web", "http", "rs1", "--reason", "upgraded");
        assertEquals(Lvscp.OK, enable.code(), enable.all());
        assertEquals("active", rs("rs1").getString("state"));
        reasonLogged("RealServerEnabled", "upgraded");

        CliOnControlPlane.Run weight = cli.lvscp("weight", "web", "http", "rs2", "5", "--reason", "more memory");
        assertEquals(Lvscp.OK, weight.code(), weight.all());
        assertTrue(weight.out().contains("rs2 of http at weight 5"), weight.all());
        assertEquals(5, rs("rs2").getInt("weight"));
        reasonLogged("RealServerWeightChanged", "more memory");

        // For scripts: the real server as the API answered, after the change.
        CliOnControlPlane.Run json = cli.lvscp("weight", "web", "http", "rs2", "6", "-o", "json");
        assertEquals(Lvscp.OK, json.code(), json.all());
        assertEquals(6, io.restassured.path.json.JsonPath.from(json.out()).getInt("weight"), json.all());
        assertEquals("rs2", io.restassured.path.json.JsonPath.from(json.out()).getString("name"), json.all());
    }

    @Test
    void aDryRunChangesNothingAndIfMatchOnAnOldRevisionIsRefused() {
        long at = cli.revision("web");
        int weight = rs("rs1").getInt("weight");
        CliOnControlPlane.Run plan = cli.lvscp("weight", "web", "http", "rs1", String.valueOf(weight + 1), "--dry-run");
        assertEquals(Lvscp.OK, plan.code(), plan.all());
        assertTrue(plan.out().contains("1 event(s) would be appended") && plan.out().contains("RealServerWeightChanged"), plan.all());
        assertEquals(at, cli.revision("web"));
        assertEquals(weight, rs("rs1").getInt("weight"));

        CliOnControlPlane.Run stale = cli.lvscp("weight", "web", "http", "rs1", String.valueOf(weight + 1), "--if-match", String.valueOf(at - 1));
        assertEquals(Lvscp.REFUSED, stale.code(), stale.all());
        assertTrue(stale.err().startsWith("error: ") && stale.err().contains("(412)"), stale.all());
        assertEquals(at, cli.revision("web"));

        CliOnControlPlane.Run current = cli.lvscp("weight", "web", "http", "rs1", String.valueOf(weight + 1), "--if-match", String.valueOf(at));
        assertEquals(Lvscp.OK, current.code(), current.all());
        assertEquals(weight + 1, rs("rs1").getInt("weight"));
    }

    @Test
    void refusalsAndUsageErrorsHaveTheirExitCodes() throws Exception {
        CliOnControlPlane.Run missing = cli.lvscp("drain", "web", "http", "nosuch");
        assertEquals(Lvscp.REFUSED, missing.code(), missing.all());
        assertTrue(missing.err().contains("(404)"), missing.all());
        CliOnControlPlane.Run bad = cli.lvscp("weight", "web", "http", "rs1", "-1");
        assertEquals(Lvscp.REFUSED, bad.code(), bad.all());
        assertTrue(bad.err().contains("(422)") || bad.err().contains("(400)"), bad.all());
        assertEquals(Lvscp.USAGE, cli.lvscp("weight", "web", "http", "rs1").code(), "no weight");
        assertEquals(Lvscp.USAGE, cli.lvscp("drain", "web", "http", "rs1", "--if-match", "twelve").code());
        assertEquals(Lvscp.USAGE, cli.lvscp("drain", "web", "http", "rs1", "--reason", "two\nlines").code());

        Path viewer = cli.tokenFile("viewer-1", "viewer");
        CliOnControlPlane.Run forbidden = cli.as(viewer, "drain", "web", "http", "rs1");
        assertEquals(Lvscp.REFUSED, forbidden.code(), forbidden.all());
        assertTrue(forbidden.err().contains("(403)"), forbidden.all());
    }
}
