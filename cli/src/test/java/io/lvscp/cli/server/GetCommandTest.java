package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.Lvscp;
import io.lvscp.cli.imports.Documents;
import io.lvscp.controlplane.support.Api;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lvscp get ...} on the real control plane: each kind as a table, and as the API's own JSON and YAML. */
class GetCommandTest {
    @TempDir
    static Path dir;
    static CliOnControlPlane live;

    @BeforeAll
    static void start() {
        live = CliOnControlPlane.start(dir);
        live.seedWithRouters("web");
        Api.given(live.cp()).body("{\"mark\": 80, \"protocol\": \"tcp\", \"address\": \"192.168.26.11\", \"ports\": [\"80\", \"443\"]}")
                .post("/v1/clusters/web/firewall-marks").then().statusCode(201);
    }

    @AfterAll
    static void stop() {
        live.close();
    }

    private static List<String> lines(String... args) {
        CliOnControlPlane.Run r = live.lvscp(args);
        assertEquals(Lvscp.OK, r.code(), r.err());
        return r.out().lines().toList();
    }

    @Test
    void eachKindIsATableWithAHeaderAndARowPerResource() {
        long revision = live.revision("web");
        List<String> clusters = lines("get", "clusters");
        assertTrue(clusters.get(0).matches("NAME +REVISION +ROUTING +PRIMARY +BACKUP +VIRTUAL SERVERS"), clusters.toString());
        assertTrue(clusters.get(1).matches("web +" + revision + " +nat +lvs1 +lvs2 +1"), clusters.toString());

        List<String> routers = lines("get", "routers", "web");
        assertTrue(routers.get(1).matches("lvs1 +192\\.168\\.26\\.9 +10\\.11\\.12\\.9 +primary +no +- +- +- +-"), routers.toString());
        assertTrue(routers.get(2).startsWith("lvs2 "), routers.toString());

        List<String> vs = lines("get", "virtual-servers", "web");
        assertTrue(vs.get(1).matches("http +tcp 192\\.168\\.26\\.10:80 +wrr +yes +tcp +- +2"), vs.toString());

        List<String> rs = lines("get", "real-servers", "web", "http");
        assertEquals(3, rs.size(), rs.toString());
        assertTrue(rs.get(0).matches("NAME +ADDRESS +FORWARD +WEIGHT +STATE +HEALTH"), rs.toString());
        assertTrue(rs.get(1).matches("rs1 +10\\.11\\.12\\.1:80 +masq +2 +active +-"), rs.toString());

        List<String> marks = lines("get", "firewall-marks", "web");
        assertTrue(marks.get(1).matches("80 +tcp +192\\.168\\.26\\.11 +80, 443"), marks.toString());

        String cluster = String.join("\n", lines("get", "cluster", "web"));
        assertTrue(cluster.contains("nat router          10.11.12.10/255.255.255.0 on eth1:1"), cluster);
        assertTrue(cluster.contains("routers             lvs1, lvs2") && cluster.contains("virtual servers     http"), cluster);

        List<String> tokens = lines("get", "tokens");
        assertTrue(tokens.get(0).startsWith("ID "), tokens.toString());
    }

    @Test
    void aPastRevisionIsShownAsItWas() {
        String first = String.join("\n", lines("get", "cluster", "web", "--revision", "1"));
        assertTrue(first.contains("revision            1") && first.contains("routers             -"), first);
    }

    @Test
    void jsonAndYamlAreTheApisAnswerReserialized() throws Exception {
        JsonNode api = Json.mapper().readTree(Api.given(live.cp()).get("/v1/clusters/web/virtual-servers/http/real-servers").asString());
        CliOnControlPlane.Run json = live.lvscp("get", "real-servers", "web", "http", "-o", "json");
        assertEquals(Lvscp.OK, json.code(), json.err());
        assertEquals(api, Json.mapper().readTree(json.out()));
        CliOnControlPlane.Run yaml = live.lvscp("get", "rs", "web", "http", "-o", "yaml");
        assertEquals(api, Documents.yamlMapper().readTree(yaml.out()));
        assertTrue(yaml.out().contains("weight: 2"), yaml.out());
    }

    @Test
    void refusalsAndUsageErrorsHaveTheirExitCodes() {
        CliOnControlPlane.Run missing = live.lvscp("get", "real-servers", "web", "nosuch");
        assertEquals(Lvscp.REFUSED, missing.code());
        assertTrue(missing.err().startsWith("error: ") && missing.err().contains("(404)"), missing.err());
        assertEquals(Lvscp.REFUSED, live.lvscp("get", "routers", "nosuch").code());
        assertEquals(3, live.at(CliOnControlPlane.nowhere(), "get", "clusters").code());
        assertEquals(Lvscp.USAGE, live.lvscp("get").code(), "no kind");
        assertEquals(Lvscp.USAGE, live.lvscp("get", "clusters", "-o", "xml").code());
        assertEquals(Lvscp.USAGE, live.lvscp("get", "cluster", "web", "--revision", "1", "--at", "2026-01-01T00:00:00Z").code());
    }
}
