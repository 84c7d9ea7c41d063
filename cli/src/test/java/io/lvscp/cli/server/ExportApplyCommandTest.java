package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.cli.Lvscp;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lvscp export} and {@code lvscp apply} against the real control plane (embedded PostgreSQL). */
class ExportApplyCommandTest {
    @TempDir
    static Path dir;
    static CliOnControlPlane live;
    static RunningControlPlane cp;

    @BeforeAll
    static void start() throws Exception {
        live = CliOnControlPlane.start(dir);
        cp = live.cp();
        Api.given(cp).body("{\"name\": \"web\", \"routingMethod\": \"nat\", \"natRouter\": {\"address\": \"10.11.12.10\", "
                + "\"netmask\": \"255.255.255.0\", \"device\": \"eth1:1\"}}").post("/v1/clusters").then().statusCode(201);
        Api.given(cp).body("{\"name\": \"http\", \"address\": \"192.168.26.10\", \"netmask\": \"255.255.255.0\", \"device\": \"eth0:1\", "
                + "\"port\": 80, \"scheduler\": \"wrr\"}").post("/v1/clusters/web/virtual-servers").then().statusCode(201);
        Api.given(cp).body("{\"name\": \"rs1\", \"address\": \"10.11.12.1\", \"weight\": 2}")
                .post("/v1/clusters/web/virtual-servers/http/real-servers").then().statusCode(201);
    }

    @AfterAll
    static void stop() {
        live.close();
    }

    private static CliOnControlPlane.Run lvscp(String... args) {
        return live.lvscp(args);
    }

    private static long revision() {
        return Api.given(cp).get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getLong("revision");
    }

    @Test
    void exportThenApplyChangesNothingAndAnEditedDocumentAppendsWhatItShows() throws Exception {
        CliOnControlPlane.Run export = lvscp("export", "web");
        assertEquals(0, export.code(), export.err());
        assertTrue(export.out().contains("name: \"web\"") || export.out().contains("name: web"), export.out());
        Path file = Files.writeString(dir.resolve("web.yaml"), export.out());
        long before = revision();

        CliOnControlPlane.Run same = lvscp("apply", "-f", file.toString());
        assertEquals(0, same.code(), same.err());
        assertEquals("cluster web: no change", same.out().strip());
        assertEquals(before, revision(), "nothing appended");

        Path edited = Files.writeString(dir.resolve("edited.yaml"), export.out().replaceFirst("weight: \\d+", "weight: 5"));
        CliOnControlPlane.Run plan = lvscp("apply", "-f", edited.toString(), "--dry-run");
        assertEquals(0, plan.code(), plan.err());
        assertTrue(plan.out().contains("1 event(s) would be appended") && plan.out().contains("RealServerWeightChanged"), plan.out());
        // The change as diff -u shows it: the document before (at its revision) and after, one line out, one in.
        assertTrue(plan.out().startsWith("--- web at revision " + before + "\n+++ web after this change\n@@ "), plan.out());
        assertEquals(List.of("-    weight: 2", "+    weight: 5"),
                plan.out().lines().filter(l -> l.matches("[-+] .*")).toList(), plan.out());
        assertEquals(before, revision(), "a dry run appends nothing");

        CliOnControlPlane.Run applied = lvscp("apply", "-f", edited.toString());
        assertEquals(0, applied.code(), applied.err());
        assertTrue(applied.out().contains("RealServerWeightChanged") && applied.out().contains("applied: cluster web is at revision"), applied.out());
        assertEquals(before + 1, revision());
        Api.given(cp).get("/v1/clusters/web/virtual-servers/http/real-servers/rs1").then().statusCode(200)
                .body("weight", org.hamcrest.Matchers.equalTo(5));
    }

    @Test
    void aRefusedDocumentIsShownFieldByFieldWithExitCode1AndChangesNothing() throws Exception {
        String export = lvscp("export", "web").out();
        long before = revision();
        Path bad = Files.writeString(dir.resolve("bad.yaml"), export.replaceFirst("weight: \\d+", "weight: -3"));
        CliOnControlPlane.Run r = lvscp("apply", "-f", bad.toString());
        assertEquals(Lvscp.REFUSED, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("/virtualServers/0/realServers/0/weight"), r.err());
        assertEquals(before, revision(), "nothing appended");
    }

    @Test
    void exitCodesTellAMissingClusterAnUnreachableServerAndAUsageErrorApart() throws Exception {
        CliOnControlPlane.Run missing = lvscp("export", "nosuch");
        assertEquals(Lvscp.REFUSED, missing.code());
        assertTrue(missing.err().contains("(404)"), missing.err());

        CliOnControlPlane.Run unreachable = live.at(CliOnControlPlane.nowhere(), "export", "web");
        assertEquals(3, unreachable.code(), unreachable.err());
        assertTrue(unreachable.err().contains("cannot reach the control plane"), unreachable.err());

        assertEquals(Lvscp.USAGE, lvscp("apply", "--dry-run").code(), "apply without -f");
        assertEquals(Lvscp.USAGE, lvscp("export", "web", "-o", "xml").code());
    }
}
