package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.Lvscp;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.FakeAgent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lvscp status} on the real control plane, with router lvs1's agent reporting (a fake agent: acks, its role, a
 * failed health check, a drift corrected) and lvs2's never connected.
 */
class StatusCommandTest {
    @TempDir
    static Path dir;
    static CliOnControlPlane live;
    static FakeAgent lvs1;

    @BeforeAll
    static void start() throws Exception {
        live = CliOnControlPlane.start(dir);
        live.seedWithRouters("web");
        Api.given(live.cp()).post("/v1/clusters/web/virtual-servers/http/real-servers/rs2/drain").then().statusCode(200);
        live.seedWithRouters("shop");
        long revision = live.revision("web");
        lvs1 = FakeAgent.hello(live.cp(), "web", "lvs1", "ipvs");
        lvs1.send("{\"type\":\"ack\",\"revision\":" + revision + ",\"applyMillis\":3}");
        lvs1.send("{\"type\":\"role\",\"role\":\"active\",\"reason\":\"peer silent\"}");
        lvs1.send("{\"type\":\"health\",\"virtualServer\":\"http\",\"realServer\":\"rs1\",\"healthy\":false,\"reason\":\"connect refused\"}");
        lvs1.send("{\"type\":\"drift\",\"revision\":" + revision + ",\"corrections\":[\"weight of 10.11.12.1:80 put back to 2\"]}");
        // The reports are recorded asynchronously: wait until the API shows all of them.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode c = Json.mapper().readTree(Api.given(live.cp()).get("/v1/clusters/web").asString());
            JsonNode drift = Json.mapper().readTree(Api.given(live.cp()).get("/v1/events?cluster=web&type=DriftCorrected").asString());
            return c.path("routers").get(0).path("status").path("appliedRevision").asLong() == revision
                    && c.path("activeRouters").toString().contains("lvs1")
                    && c.path("virtualServers").get(0).path("realServers").get(0).path("health").size() == 1
                    && drift.path("items").size() == 1;
        });
    }

    @AfterAll
    static void stop() {
        lvs1.close();
        live.close();
    }

    private static String line(String out, String startingWith) {
        return Arrays.stream(out.split("\n")).map(String::strip).filter(l -> l.startsWith(startingWith)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with '" + startingWith + "' in:\n" + out));
    }

    @Test
    void aClusterShowsEachRoutersStateAndEachRealServerWithItsHealthPerRouter() {
        CliOnControlPlane.Run r = live.lvscp("status", "web");
        assertEquals(Lvscp.OK, r.code(), r.err());
        String out = r.out();
        long revision = live.revision("web");
        assertTrue(out.startsWith("cluster web  revision " + revision + "  routing nat  active lvs1"), out);
        assertTrue(line(out, "ROUTER").matches("ROUTER +PREFERS +ROLE +CONNECTED +DRIVER +APPLIED +DESIRED +SYNC +LAST ERROR +DRIFT \\(24 h\\)"), out);
        assertTrue(line(out, "lvs1").matches("lvs1 +primary +active +yes +ipvs +" + revision + " +" + revision + " +in sync +- +1 corrected, last \\S+Z"), out);
        assertTrue(line(out, "lvs2").matches("lvs2 +backup +- +no +- +- +" + revision + " +never connected +- +none"), out);
        assertTrue(out.contains("\nTCP  192.168.26.10:80 wrr  (http, check tcp)\n"), out);
        assertTrue(line(out, "-> REAL SERVER").matches("-> REAL SERVER +NAME +FORWARD +WEIGHT +STATE +HEALTH lvs1 +HEALTH lvs2"), out);
        assertTrue(line(out, "-> 10.11.12.1:80").matches("-> 10\\.11\\.12\\.1:80 +rs1 +masq +2 +active +DOWN: connect refused since \\S+Z +-"), out);
        assertTrue(line(out, "-> 10.11.12.2:80").matches("-> 10\\.11\\.12\\.2:80 +rs2 +masq +1 +drained +- +-"), out);
        // Columns line up: every real server's weight starts where the header's WEIGHT does.
        int weight = line(out, "-> REAL SERVER").indexOf("WEIGHT");
        assertEquals('2', line(out, "-> 10.11.12.1:80").charAt(weight), out);
        assertEquals('1', line(out, "-> 10.11.12.2:80").charAt(weight), out);
    }

    @Test
    void withoutAClusterEveryClusterGetsAShortBlock() {
        CliOnControlPlane.Run r = live.lvscp("status");
        assertEquals(Lvscp.OK, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("cluster web  revision ") && out.contains("cluster shop  revision "), out);
        assertTrue(out.contains("! no router holds the VIPs"), "shop has no active router:\n" + out);
        assertTrue(out.contains("  1 virtual server(s), 2 real server(s): 1 drained, 1 failing a health check"), out);
        assertTrue(out.contains("  1 virtual server(s), 2 real server(s)\n"), out);
        assertTrue(!out.contains("REAL SERVER"), "no real servers in the short form:\n" + out);
    }

    @Test
    void jsonAndYamlAreTheApisDocuments() throws Exception {
        CliOnControlPlane.Run json = live.lvscp("status", "web", "-o", "json");
        assertEquals(Lvscp.OK, json.code(), json.err());
        JsonNode doc = Json.mapper().readTree(json.out());
        assertEquals("web", doc.path("cluster").path("name").asText());
        assertEquals("connect refused", doc.path("cluster").path("virtualServers").get(0).path("realServers").get(0).path("health").get(0).path("reason").asText());
        assertEquals(1, doc.path("driftCorrected").size());

        CliOnControlPlane.Run yaml = live.lvscp("status", "-o", "yaml");
        assertEquals(Lvscp.OK, yaml.code(), yaml.err());
        assertTrue(yaml.out().contains("name: web") && yaml.out().contains("name: shop"), yaml.out());
    }

    @Test
    void aMissingClusterIsRefusedAndAnUnreachableServerSaidSo() {
        CliOnControlPlane.Run missing = live.lvscp("status", "nosuch");
        assertEquals(Lvscp.REFUSED, missing.code());
        assertTrue(missing.err().startsWith("error: ") && missing.err().contains("(404)"), missing.err());

        CliOnControlPlane.Run unreachable = live.at(CliOnControlPlane.nowhere(), "status");
        assertEquals(3, unreachable.code());
        assertTrue(unreachable.err().contains("cannot reach the control plane"), unreachable.err());

        assertEquals(Lvscp.USAGE, live.lvscp("status", "web", "-o", "xml").code());
    }
}
