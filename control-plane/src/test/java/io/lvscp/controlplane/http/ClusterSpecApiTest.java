package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvscp.api.json.Json;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.FakeAgent;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster as one declarative document (issue 11): read whole, applied whole. Applying what was read appends
 * nothing; a changed document appends exactly its difference; a dry run, If-Match and every refusal leave the log as
 * it was; an invalid document is refused with every problem at its pointer. Real server, real PostgreSQL, every
 * exchange checked against openapi.yaml (the invalid documents' requests excepted: the contract refuses them too).
 */
class ClusterSpecApiTest {
    static RunningControlPlane cp;

    @BeforeAll
    static void start() {
        cp = RunningControlPlane.onNewDatabase();
    }

    @AfterAll
    static void stop() {
        cp.close();
    }

    private static String spec(String cluster) {
        return "/v1/clusters/" + cluster + "/spec";
    }

    private static List<String> eventTypes(String cluster) {
        return Api.given(cp).queryParam("cluster", cluster).queryParam("limit", 1000).get("/v1/events")
                .then().statusCode(200).extract().jsonPath().getList("items.type");
    }

    private static ObjectNode read(String cluster) throws Exception {
        String body = Api.given(cp).get(spec(cluster)).then().statusCode(200).extract().asString();
        return (ObjectNode) Json.mapper().readTree(body);
    }

    private static void post(String path, String body) {
        Api.given(cp).body(body).post(path).then().statusCode(201);
    }

    /** A cluster with one of everything the model has, made by the single-resource API. */
    private static void fullCluster(String c) {
        post("/v1/clusters", """
                {"name": "%s", "routingMethod": "nat",
                 "natRouter": {"address": "10.11.12.10", "netmask": "255.255.255.0", "device": "eth1:1"},
                 "heartbeat": {"port": 539, "keepaliveSeconds": 6, "deadtimeSeconds": 18, "preempt": true},
                 "connectionSync": {"device": "eth1", "syncId": 7}}""".formatted(c));
        String base = "/v1/clusters/" + c;
        post(base + "/routers", "{\"name\": \"lvs1\", \"publicAddress\": \"192.168.26.8\", \"privateAddress\": \"10.11.12.8\", \"rolePreference\": \"primary\"}");
        post(base + "/routers", "{\"name\": \"lvs2\", \"publicAddress\": \"192.168.26.9\", \"privateAddress\": \"10.11.12.9\"}");
        post(base + "/firewall-marks", "{\"mark\": 7, \"address\": \"192.168.26.20\", \"ports\": [\"80\", \"443\", \"8000-8010\"]}");
        post(base + "/virtual-servers", """
                {"name": "shop", "address": "192.168.26.20", "netmask": "255.255.255.0", "device": "eth0:2", "firewallMark": 7,
                 "scheduler": "wlc", "persistence": {"timeoutSeconds": 300, "netmask": "255.255.255.0"},
                 "healthCheck": {"kind": "http", "path": "/health", "expectStatus": 200, "expect": "ok"},
                 "sorryServer": {"address": "10.11.12.99", "port": 8080}, "quiesceOnFailure": true, "quorum": 1}""");
        post(base + "/virtual-servers/shop/real-servers", "{\"name\": \"s1\", \"address\": \"10.11.12.1\", \"port\": 80, \"weight\": 2, \"healthCheck\": {\"kind\": \"tcp\"}}");
        post(base + "/virtual-servers/shop/real-servers", "{\"name\": \"s2\", \"address\": \"10.11.12.2\", \"upperThreshold\": 100, \"lowerThreshold\": 50, \"state\": \"drained\"}");
        post(base + "/virtual-servers", """
                {"name": "tls", "address": "192.168.26.10", "netmask": "255.255.255.0", "device": "eth0:1", "port": 443,
                 "healthCheck": {"kind": "https", "path": "/"}, "persistence": {"timeoutSeconds": 60}}""");
        post(base + "/virtual-servers/tls/real-servers", "{\"name\": \"t1\", \"address\": \"10.11.12.3\", \"healthCheck\": {\"intervalSeconds\": 5}}");
        post(base + "/virtual-servers", """
                {"name": "dns", "address": "192.168.26.10", "netmask": "255.255.255.0", "device": "eth0:1", "port": 53, "protocol": "udp",
                 "scheduler": "rr", "healthCheck": {"kind": "expect", "send": "ping\\n", "expect": "^pong", "useRegex": true}}""");
        post(base + "/virtual-servers/dns/real-servers", "{\"name\": \"d1\", \"address\": \"10.11.12.4\", \"forwarding\": \"masq\"}");
        post(base + "/virtual-servers", """
                {"name": "app", "address": "192.168.26.10", "netmask": "255.255.255.0", "device": "eth0:1", "port": 8080,
                 "healthCheck": {"kind": "program", "program": "/usr/local/bin/check-app %h"}, "active": false}""");
        post(base + "/virtual-servers/app/real-servers", "{\"name\": \"a1\", \"address\": \"10.11.12.5\", \"port\": 9090}");
        post(base + "/virtual-servers", """
                {"name": "smtp", "address": "192.168.26.10", "netmask": "255.255.255.0", "device": "eth0:1", "port": 25}""");
        post(base + "/virtual-servers", """
                {"name": "raw", "address": "192.168.26.10", "netmask": "255.255.255.0", "device": "eth0:1", "port": 7000,
                 "healthCheck": {"kind": "none"}}""");
    }

    @Test
    void whatIsReadAppliesAsNothingToDo() throws Exception {
        fullCluster("whole");
        Response got = Api.given(cp).get(spec("whole"));
        long revision = revision(cp, "whole");
        got.then().statusCode(200).header("ETag", "\"" + revision + "\"")
                .body("name", equalTo("whole"), "connectionSync.device", equalTo("eth1"), "heartbeat.preempt", equalTo(true),
                        "routers.name", contains("lvs1", "lvs2"), "firewallMarks.mark", contains(7),
                        "virtualServers.name", contains("app", "dns", "raw", "shop", "smtp", "tls"),
                        "virtualServers.find { it.name == 'shop' }.realServers.name", contains("s1", "s2"));
        JsonNode doc = Json.mapper().readTree(got.asString());
        // A document, not a status report: nothing in it is a revision or a router's or server's status.
        assertFalse(doc.has("revision"));
        assertFalse(doc.findParents("status").stream().anyMatch(n -> n.has("status")), "no status anywhere in " + doc);
        assertTrue(doc.findValues("health").isEmpty());
        assertTrue(doc.findValues("effectiveHealthCheck").isEmpty());
        List<String> log = eventTypes("whole");

        Api.given(cp).header("If-Match", "\"" + revision + "\"").body(got.asString()).put(spec("whole"))
                .then().statusCode(200).header("Lvscp-Events-Appended", "0").header("ETag", "\"" + revision + "\"");
        assertRevision(cp, "whole", revision);
        assertEquals(log, eventTypes("whole"));
        assertEquals(doc, read("whole"));
    }

    @Test
    void aChangedDocumentAppendsItsDifferenceAndADryRunOnlyNamesIt() throws Exception {
        seedCluster(cp, "change");
        ObjectNode doc = read("change");
        ArrayNode rss = (ArrayNode) doc.get("virtualServers").get(0).get("realServers");
        ((ObjectNode) rss.get(0)).put("weight", 5);
        rss.remove(1);
        ArrayNode vss = (ArrayNode) doc.get("virtualServers");
        vss.add(Json.mapper().readTree("""
                {"name": "https", "address": "192.168.26.10", "netmask": "255.255.255.0", "device": "eth0:1", "port": 443,
                 "realServers": [{"name": "rs3", "address": "10.11.12.3"}]}"""));
        long revision = revision(cp, "change");
        List<String> log = eventTypes("change");
        List<String> expected = List.of("RealServerRemoved", "RealServerWeightChanged", "VirtualServerAdded", "RealServerAdded");

        Api.given(cp).queryParam("dryRun", true).body(doc.toString()).put(spec("change")).then().statusCode(200)
                .header("Lvscp-Dry-Run", "true").header("Lvscp-Events-Appended", "4")
                .header("Lvscp-Dry-Run-Events", String.join(", ", expected)).header("ETag", "\"" + revision + "\"")
                .body("virtualServers.name", contains("http", "https"));
        assertEquals(log, eventTypes("change"), "a dry run appends nothing");

        Api.given(cp).body(doc.toString()).put(spec("change")).then().statusCode(200)
                .header("Lvscp-Events-Appended", "4").header("ETag", "\"" + (revision + 4) + "\"")
                .body("virtualServers[0].realServers.name", contains("rs1"), "virtualServers[0].realServers[0].weight", equalTo(5));
        List<String> now = eventTypes("change");
        assertEquals(expected, now.subList(log.size(), now.size()));
        // And again: it already is so.
        Api.given(cp).body(doc.toString()).put(spec("change")).then().statusCode(200).header("Lvscp-Events-Appended", "0");
    }

    @Test
    void ifMatchOnAnotherRevisionIsRefusedAndAppendsNothing() throws Exception {
        seedCluster(cp, "stale");
        ObjectNode doc = read("stale");
        ((ObjectNode) doc.get("virtualServers").get(0)).put("scheduler", "rr");
        long revision = revision(cp, "stale");
        Api.given(cp).header("If-Match", "\"" + (revision - 1) + "\"").body(doc.toString()).put(spec("stale"))
                .then().statusCode(412).contentType("application/problem+json").body("type", endsWith("/precondition-failed"));
        assertRevision(cp, "stale", revision);
        Api.given(cp).header("If-Match", "\"" + revision + "\"").body(doc.toString()).put(spec("stale"))
                .then().statusCode(200).header("Lvscp-Events-Appended", "1");
        assertEquals("VirtualServerChanged", eventTypes("stale").get(eventTypes("stale").size() - 1));
    }

    @Test
    void anInvalidDocumentIsRefusedWholeWithEveryProblemAtItsPointer() {
        seedCluster(cp, "bad");
        long revision = revision(cp, "bad");
        List<String> log = eventTypes("bad");
        String doc = """
                {"name": "bad", "routingMethod": "nat",
                 "natRouter": {"address": "10.11.12.10", "netmask": "255.255.255.0", "device": "eth1:1"},
                 "heartbeat": {"port": 539, "keepaliveSeconds": 6, "deadtimeSeconds": 3},
                 "routers": [{"name": "lvs1", "publicAddress": "192.168.26.300", "privateAddress": "10.11.12.8"}],
                 "firewallMarks": [{"mark": 7, "address": "192.168.26.20", "ports": ["80", "90-85"]}],
                 "virtualServers": [
                   {"name": "http", "address": "192.168.26.10", "netmask": "255.255.255.0", "device": "eth0:1", "port": 80,
                    "realServers": [{"name": "rs1", "address": "10.11.12.1", "weight": 70000},
                                    {"name": "rs1", "address": "10.11.12.2"}]},
                   {"name": "marked", "address": "192.168.26.30", "netmask": "255.255.255.0", "device": "eth0:2", "firewallMark": 9},
                   {"name": "http", "address": "192.168.26.11", "netmask": "255.255.255.0", "device": "eth0:1", "port": 81}]}""";
        Api.badInput(cp).contentType("application/json").body(doc).put(spec("bad")).then().statusCode(422)
                .contentType("application/problem+json").body("type", endsWith("/validation"),
                        "errors.pointer", containsInAnyOrder("/heartbeat/deadtimeSeconds", "/routers/0/publicAddress",
                                "/firewallMarks/0/ports/1", "/virtualServers/0/realServers/0/weight",
                                "/virtualServers/0/realServers/1/name", "/virtualServers/1/firewallMark", "/virtualServers/2/name"));
        assertRevision(cp, "bad", revision);
        assertEquals(log, eventTypes("bad"));

        // A document that cannot be read at all is a 400 problem, and nothing changes either.
        Api.badInput(cp).contentType("application/json").body("{\"name\": \"bad\", \"routers\": [").put(spec("bad"))
                .then().statusCode(400).contentType("application/problem+json");
        Api.badInput(cp).contentType("application/json").body("{\"name\": \"bad\", \"routerz\": []}").put(spec("bad"))
                .then().statusCode(400).contentType("application/problem+json");
        Api.badInput(cp).contentType("application/json").body("{\"name\": \"other\"}").put(spec("bad"))
                .then().statusCode(422).body("errors.pointer", hasItem("/name"));
        assertEquals(log, eventTypes("bad"));
    }

    @Test
    void aDocumentForAClusterThatDoesNotExistCreatesIt() {
        String doc = """
                {"routingMethod": "direct",
                 "routers": [{"name": "lvs1", "publicAddress": "192.168.26.8", "rolePreference": "primary"}],
                 "virtualServers": [{"name": "http", "address": "192.168.26.10", "netmask": "255.255.255.0", "device": "eth0:1",
                                     "port": 80, "realServers": [{"name": "rs1", "address": "192.168.26.21"}]}]}""";
        Api.given(cp).get(spec("fresh")).then().statusCode(404);
        // Refused, it creates nothing: masq needs the NAT router a direct cluster does not have.
        Api.given(cp).body(doc.replace("\"192.168.26.21\"}", "\"192.168.26.21\", \"forwarding\": \"masq\"}")).put(spec("fresh"))
                .then().statusCode(422).body("errors.pointer", contains("/virtualServers/0/realServers/0/forwarding"));
        Api.given(cp).get(spec("fresh")).then().statusCode(404);
        Api.given(cp).body(doc).put(spec("fresh")).then().statusCode(200).header("Lvscp-Events-Appended", "4")
                .body("name", equalTo("fresh"), "routingMethod", equalTo("direct"), "heartbeat.port", notNullValue(),
                        "virtualServers[0].scheduler", equalTo("wlc"), "virtualServers[0].realServers[0].forwarding", equalTo("gate"));
        assertEquals(List.of("ClusterCreated", "RouterEnrolled", "VirtualServerAdded", "RealServerAdded"), eventTypes("fresh"));
        Api.given(cp).get("/v1/clusters/fresh").then().statusCode(200).body("primaryRouter", equalTo("lvs1"));
    }

    @Test
    void viewersReadAndOnlyAdminsOfTheClusterWrite() throws Exception {
        seedCluster(cp, "guarded");
        seedCluster(cp, "elsewhere");
        String doc = read("guarded").toString();
        long revision = revision(cp, "guarded");
        String viewer = cp.token("vera", "viewer");
        Api.as(cp, viewer).get(spec("guarded")).then().statusCode(200);
        Api.as(cp, viewer).body(doc).put(spec("guarded")).then().statusCode(403);
        Api.as(cp, cp.token("otto", "operator")).body(doc).put(spec("guarded")).then().statusCode(403);
        String scoped = cp.token("sam", "admin", "guarded");
        Api.as(cp, scoped).get(spec("elsewhere")).then().statusCode(403);
        Api.as(cp, scoped).body(read("elsewhere").toString()).put(spec("elsewhere")).then().statusCode(403);
        Api.as(cp, scoped).body(doc).put(spec("guarded")).then().statusCode(200).header("Lvscp-Events-Appended", "0");
        // Creating a cluster is for tokens not scoped to clusters, whichever way it is asked for.
        String scopedToNew = cp.token("nina", "admin", "brand-new");
        Api.as(cp, scopedToNew).body(doc.replace("\"guarded\"", "\"brand-new\"")).put(spec("brand-new")).then().statusCode(403);
        Api.given(cp).get(spec("brand-new")).then().statusCode(404);
        assertRevision(cp, "guarded", revision);
    }

    @Test
    void whatARouterCannotProgramIsRefusedAtItsPointer() throws Exception {
        createCluster(cp, "limits");
        Api.given(cp).body("{\"name\": \"lvs1\", \"publicAddress\": \"192.168.26.8\", \"privateAddress\": \"10.11.12.8\"}")
                .post("/v1/clusters/limits/routers").then().statusCode(201);
        try (FakeAgent ignored = FakeAgent.hello(cp, "limits", "lvs1", "nftables")) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.given(cp)
                    .get("/v1/clusters/limits/routers/lvs1").then().statusCode(200).body("status.driver", equalTo("nftables")));
            ObjectNode doc = read("limits");
            ((ArrayNode) doc.get("virtualServers")).add(Json.mapper().readTree(
                    "{\"name\": \"http\", \"address\": \"192.168.26.10\", \"netmask\": \"255.255.255.0\", \"device\": \"eth0:1\","
                            + " \"port\": 80, \"scheduler\": \"wlc\"}"));
            long revision = revision(cp, "limits");
            Api.given(cp).body(doc.toString()).put(spec("limits")).then().statusCode(422)
                    .body("type", endsWith("/unsupported-by-router"), "errors[0].router", equalTo("lvs1"),
                            "errors[0].pointer", equalTo("/virtualServers/0/scheduler"));
            assertRevision(cp, "limits", revision);
            // Left out, the scheduler is one the document's routers run.
            ((ObjectNode) doc.get("virtualServers").get(0)).remove("scheduler");
            Api.given(cp).body(doc.toString()).put(spec("limits")).then().statusCode(200)
                    .body("virtualServers[0].scheduler", equalTo("wrr"));
        }
    }
}
