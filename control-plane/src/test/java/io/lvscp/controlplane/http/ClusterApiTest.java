package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.restassured.path.json.JsonPath;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every resource and operator action through the real HTTP server, on a real PostgreSQL. */
class ClusterApiTest {
    static RunningControlPlane cp;

    @BeforeAll
    static void start() {
        cp = RunningControlPlane.onNewDatabase();
    }

    @AfterAll
    static void stop() {
        cp.close();
    }

    private static List<String> eventTypes(String cluster) {
        return Api.given(cp).queryParam("cluster", cluster).queryParam("limit", 1000).get("/v1/events")
                .then().statusCode(200).extract().jsonPath().getList("items.type");
    }

    @Test
    void connectionSyncIsASettingOfTheClusterWithItsDefaultSyncIdAndItsRules() {
        String synced = cluster("synced").replace("\"heartbeat\"", "\"connectionSync\": {\"device\": \"eth1\"}, \"heartbeat\"");
        Api.given(cp).body(synced).post("/v1/clusters").then().statusCode(201)
                .body("connectionSync.device", equalTo("eth1"), "connectionSync.syncId", equalTo(0));
        Api.given(cp).get("/v1/clusters/synced").then().statusCode(200).body("connectionSync.syncId", equalTo(0));

        // A label is an address on an interface, not one the sync daemon can bind to; ids are one byte.
        String label = cluster("synced").replace("\"heartbeat\"", "\"connectionSync\": {\"device\": \"eth1:1\", \"syncId\": 3}, \"heartbeat\"");
        Api.given(cp).body(label).put("/v1/clusters/synced").then().statusCode(422)
                .body("errors.pointer", hasItem("/connectionSync/device"));
        String bigId = cluster("synced").replace("\"heartbeat\"", "\"connectionSync\": {\"device\": \"eth1\", \"syncId\": 256}, \"heartbeat\"");
        Api.badInput(cp).contentType("application/json").body(bigId).put("/v1/clusters/synced").then().statusCode(422)
                .body("errors.pointer", hasItem("/connectionSync/syncId"));

        // Left out of a replace, it is off again: a replace says the whole of the settings.
        Api.given(cp).body(cluster("synced")).put("/v1/clusters/synced").then().statusCode(200)
                .header("Lvscp-Events-Appended", "1").body("$", not(hasKey("connectionSync")));
        assertEquals(List.of("ClusterCreated", "ClusterSettingsChanged"), eventTypes("synced"));
    }

    @Test
    void clusterLifecycle() {
        Api.given(cp).body(cluster("life")).post("/v1/clusters")
                .then().statusCode(201).header("Location", "/v1/clusters/life").header("ETag", "\"1\"")
                .body("name", equalTo("life"), "routingMethod", equalTo("nat"), "natRouter.device", equalTo("eth1:1"),
                        "revision", equalTo(1), "virtualServers", empty());
        Api.given(cp).get("/v1/clusters/life").then().statusCode(200).header("ETag", "\"1\"").body("heartbeat.port", equalTo(539));
        Api.given(cp).get("/v1/clusters").then().statusCode(200).body("items.name", hasItem("life"));

        String changed = cluster("life").replace("\"deadtimeSeconds\": 18", "\"deadtimeSeconds\": 30");
        Api.given(cp).body(changed).put("/v1/clusters/life")
                .then().statusCode(200).header("ETag", "\"2\"").header("Lvscp-Events-Appended", "1").body("heartbeat.deadtimeSeconds", equalTo(30));
        // The same settings again change nothing and append nothing.
        Api.given(cp).body(changed).put("/v1/clusters/life")
                .then().statusCode(200).header("ETag", "\"2\"").header("Lvscp-Events-Appended", "0");
        Api.given(cp).body(cluster("life")).post("/v1/clusters").then().statusCode(409);

        Api.given(cp).delete("/v1/clusters/life").then().statusCode(204);
        Api.given(cp).get("/v1/clusters/life").then().statusCode(404);
        Api.given(cp).get("/v1/clusters").then().statusCode(200).body("items.name", not(hasItem("life")));
        assertEquals(List.of("ClusterCreated", "ClusterSettingsChanged", "ClusterDeleted"), eventTypes("life"));
        // A deleted cluster's history stays; creating it again continues its revisions.
        Api.given(cp).body(cluster("life")).post("/v1/clusters").then().statusCode(201).header("ETag", "\"4\"");
    }

    @Test
    void routersFormAPairWithOnePrimary() {
        createCluster(cp, "pair");
        Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\",\"rolePreference\":\"primary\"}")
                .post("/v1/clusters/pair/routers").then().statusCode(201).header("Location", "/v1/clusters/pair/routers/lvs1")
                .body("rolePreference", equalTo("primary"));
        Api.given(cp).body("{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.11.12.8\"}")
                .post("/v1/clusters/pair/routers").then().statusCode(201).body("rolePreference", equalTo("backup"));
        Api.given(cp).get("/v1/clusters/pair").then().body("primaryRouter", equalTo("lvs1"), "backupRouter", equalTo("lvs2"));
        Api.given(cp).get("/v1/clusters/pair/routers").then().body("items.name", contains("lvs1", "lvs2"));

        Api.given(cp).body("{\"name\":\"lvs3\",\"publicAddress\":\"192.168.26.7\",\"privateAddress\":\"10.11.12.7\"}")
                .post("/v1/clusters/pair/routers").then().statusCode(409).body("detail", containsString("router pair"));
        Api.given(cp).body("{\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.11.12.8\",\"rolePreference\":\"primary\"}")
                .put("/v1/clusters/pair/routers/lvs2").then().statusCode(409).body("detail", containsString("already the primary"));
        // Swapping roles: primary steps down first, then the other steps up.
        Api.given(cp).body("{\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\",\"rolePreference\":\"backup\"}")
                .put("/v1/clusters/pair/routers/lvs1").then().statusCode(200);
        Api.given(cp).body("{\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.11.12.8\",\"rolePreference\":\"primary\"}")
                .put("/v1/clusters/pair/routers/lvs2").then().statusCode(200);
        Api.given(cp).get("/v1/clusters/pair/routers/lvs2").then().statusCode(200).body("rolePreference", equalTo("primary"));
        Api.given(cp).delete("/v1/clusters/pair/routers/lvs1").then().statusCode(204);
        Api.given(cp).get("/v1/clusters/pair/routers/lvs1").then().statusCode(404);
        assertEquals(List.of("ClusterCreated", "RouterEnrolled", "RouterEnrolled", "RouterChanged", "RouterChanged", "RouterRemoved"),
                eventTypes("pair"));
    }

    @Test
    void virtualServersAndTheirActions() {
        createCluster(cp, "vs");
        Api.given(cp).body(virtualServer("http", "192.168.26.10", 80)).post("/v1/clusters/vs/virtual-servers")
                .then().statusCode(201).header("Location", "/v1/clusters/vs/virtual-servers/http")
                .body("scheduler", equalTo("wlc"), "active", equalTo(true), "healthCheck.kind", equalTo("tcp"), "realServers", empty());
        Api.given(cp).body(virtualServer("http2", "192.168.26.10", 80)).post("/v1/clusters/vs/virtual-servers")
                .then().statusCode(409).body("detail", containsString("already serves 192.168.26.10:80/tcp"));
        Api.given(cp).body(virtualServer("http", "192.168.26.10", 80).replace("\"wlc\"", "\"sh\""))
                .put("/v1/clusters/vs/virtual-servers/http").then().statusCode(200).body("scheduler", equalTo("sh"));
        Api.given(cp).post("/v1/clusters/vs/virtual-servers/http/deactivate").then().statusCode(200).body("active", equalTo(false));
        Api.given(cp).post("/v1/clusters/vs/virtual-servers/http/deactivate").then().statusCode(200).header("Lvscp-Events-Appended", "0");
        Api.given(cp).post("/v1/clusters/vs/virtual-servers/http/activate").then().statusCode(200).body("active", equalTo(true));
        Api.given(cp).get("/v1/clusters/vs/virtual-servers").then().statusCode(200).body("items.name", contains("http"));
        Api.given(cp).delete("/v1/clusters/vs/virtual-servers/http").then().statusCode(204);
        Api.given(cp).get("/v1/clusters/vs/virtual-servers/http").then().statusCode(404);
        assertEquals(List.of("ClusterCreated", "VirtualServerAdded", "VirtualServerChanged", "VirtualServerDeactivated",
                "VirtualServerActivated", "VirtualServerRemoved"), eventTypes("vs"));
    }

    @Test
    void realServersAndOperatorActions() {
        seedCluster(cp, "rs");
        String rs1 = "/v1/clusters/rs/virtual-servers/http/real-servers/rs1";
        Api.given(cp).get(rs1).then().statusCode(200)
                .body("port", equalTo(80), "forwarding", equalTo("masq"), "weight", equalTo(1), "state", equalTo("active"));
        Api.given(cp).body("{\"weight\": 3}").put(rs1 + "/weight").then().statusCode(200).body("weight", equalTo(3));
        Api.given(cp).post(rs1 + "/drain").then().statusCode(200).body("state", equalTo("drained"));
        Api.given(cp).post(rs1 + "/enable").then().statusCode(200).body("state", equalTo("active"));
        Api.given(cp).body("{\"address\": \"10.11.12.1\", \"port\": 8080, \"weight\": 5}").put(rs1)
                .then().statusCode(200).body("port", equalTo(8080), "weight", equalTo(5));
        Api.given(cp).body(realServer("rs3", "10.11.12.2", 1)).post("/v1/clusters/rs/virtual-servers/http/real-servers")
                .then().statusCode(409).body("detail", containsString("already in virtual server http as rs2"));
        Api.given(cp).get("/v1/clusters/rs/virtual-servers/http/real-servers").then().statusCode(200).body("items.name", contains("rs1", "rs2"));
        Api.given(cp).delete(rs1).then().statusCode(204);
        Api.given(cp).get(rs1).then().statusCode(404);
        assertEquals(List.of("ClusterCreated", "VirtualServerAdded", "RealServerAdded", "RealServerAdded", "RealServerWeightChanged",
                "RealServerDrained", "RealServerEnabled", "RealServerChanged", "RealServerRemoved"), eventTypes("rs"));
        Api.given(cp).delete("/v1/clusters/rs").then().statusCode(409).body("detail", containsString("delete them first"));
    }

    @Test
    void connectionThresholdsRoundTripAndAChangeOfThemIsARealServerChanged() {
        seedCluster(cp, "limits");
        String rss = "/v1/clusters/limits/virtual-servers/http/real-servers";
        Api.given(cp).get(rss + "/rs1").then().statusCode(200).body("upperThreshold", equalTo(0), "lowerThreshold", equalTo(0));
        Api.given(cp).body("{\"name\": \"rs3\", \"address\": \"10.11.12.3\", \"upperThreshold\": 500, \"lowerThreshold\": 400}").post(rss)
                .then().statusCode(201).body("upperThreshold", equalTo(500), "lowerThreshold", equalTo(400));
        Api.given(cp).body("{\"address\": \"10.11.12.3\", \"upperThreshold\": 500, \"lowerThreshold\": 400}").put(rss + "/rs3")
                .then().statusCode(200).header("Lvscp-Events-Appended", "0");
        Api.given(cp).body("{\"address\": \"10.11.12.3\", \"upperThreshold\": 800}").put(rss + "/rs3")
                .then().statusCode(200).body("upperThreshold", equalTo(800), "lowerThreshold", equalTo(0));
        Api.given(cp).body("{\"weight\": 4}").put(rss + "/rs3/weight")
                .then().statusCode(200).body("weight", equalTo(4), "upperThreshold", equalTo(800));
        Api.given(cp).get("/v1/clusters/limits").then().statusCode(200)
                .body("virtualServers[0].realServers.find { it.name == 'rs3' }.upperThreshold", equalTo(800));

        JsonPath log = Api.given(cp).queryParam("cluster", "limits").queryParam("limit", 1000).get("/v1/events")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("ClusterCreated", "VirtualServerAdded", "RealServerAdded", "RealServerAdded", "RealServerAdded",
                "RealServerChanged", "RealServerWeightChanged"), log.getList("items.type"));
        assertEquals(0, log.getInt("items[2].data.realServer.upperThreshold"), "defaults are spelled out in the event");
        assertEquals(400, log.getInt("items[4].data.realServer.lowerThreshold"));
        assertEquals(800, log.getInt("items[5].data.realServer.upperThreshold"));
        assertEquals(0, log.getInt("items[5].data.realServer.lowerThreshold"));

        Api.given(cp).body("{\"address\": \"10.11.12.3\", \"upperThreshold\": 10, \"lowerThreshold\": 20}").put(rss + "/rs3")
                .then().statusCode(422).body("errors[0].pointer", equalTo("/lowerThreshold"), "errors[0].detail", containsString("at most 10"));
        Api.given(cp).body("{\"address\": \"10.11.12.3\", \"lowerThreshold\": 20}").put(rss + "/rs3")
                .then().statusCode(422).body("errors[0].pointer", equalTo("/lowerThreshold"), "errors[0].detail", containsString("needs an upper threshold"));
        Api.given(cp).get(rss + "/rs3").then().statusCode(200).body("upperThreshold", equalTo(800), "lowerThreshold", equalTo(0));
    }

    @Test
    void aRealServerOverridesItsVirtualServersHealthCheck() {
        createCluster(cp, "checks");
        String vss = "/v1/clusters/checks/virtual-servers";
        String vip = "\"address\": \"192.168.26.10\", \"netmask\": \"255.255.255.0\", \"device\": \"eth0:1\", \"port\": 80";
        Api.given(cp).body("{\"name\": \"http\", " + vip + ", \"healthCheck\": {\"kind\": \"http\", \"path\": \"/a\", \"intervalSeconds\": 5}}")
                .post(vss).then().statusCode(201);
        String rss = vss + "/http/real-servers";
        Api.given(cp).body(realServer("rs1", "10.11.12.1", 1)).post(rss)
                .then().statusCode(201).body("healthCheck", nullValue(), "effectiveHealthCheck", nullValue());
        // Field by field: what rs2 leaves out is the virtual server's.
        Api.given(cp).body("{\"name\": \"rs2\", \"address\": \"10.11.12.2\", \"healthCheck\": {\"path\": \"/b\", \"intervalSeconds\": 30}}").post(rss)
                .then().statusCode(201)
                .body("healthCheck.path", equalTo("/b"), "healthCheck.intervalSeconds", equalTo(30), "healthCheck.kind", nullValue(),
                        "healthCheck.expectStatus", nullValue(),
                        "effectiveHealthCheck.kind", equalTo("http"), "effectiveHealthCheck.path", equalTo("/b"),
                        "effectiveHealthCheck.expectStatus", equalTo(200), "effectiveHealthCheck.intervalSeconds", equalTo(30),
                        "effectiveHealthCheck.timeoutSeconds", equalTo(6));
        // A kind of its own: its probe defaults are written out, nothing of the virtual server's probe is inherited.
        Api.given(cp).body("{\"name\": \"rs3\", \"address\": \"10.11.12.3\", \"healthCheck\": {\"kind\": \"http\", \"expectStatus\": 204}}").post(rss)
                .then().statusCode(201).body("healthCheck.path", equalTo("/"), "healthCheck.expectStatus", equalTo(204),
                        "healthCheck.intervalSeconds", nullValue(), "effectiveHealthCheck.path", equalTo("/"), "effectiveHealthCheck.intervalSeconds", equalTo(5));
        Api.given(cp).body("{\"name\": \"rs4\", \"address\": \"10.11.12.4\", \"healthCheck\": {\"kind\": \"none\"}}").post(rss)
                .then().statusCode(201).body("effectiveHealthCheck.kind", equalTo("none"));
        Api.given(cp).body("{\"name\": \"rs5\", \"address\": \"10.11.12.5\", \"healthCheck\": {}}").post(rss)
                .then().statusCode(201).body("healthCheck", nullValue(), "effectiveHealthCheck", nullValue());
        Api.given(cp).get(rss + "/rs2").then().statusCode(200).body("effectiveHealthCheck.path", equalTo("/b"));
        Api.given(cp).get(vss + "/http").then().statusCode(200)
                .body("realServers.find { it.name == 'rs2' }.healthCheck.path", equalTo("/b"),
                        "realServers.find { it.name == 'rs1' }.effectiveHealthCheck", nullValue());

        // Changing only the override is a RealServerChanged; the same again changes nothing.
        String rs2 = "{\"address\": \"10.11.12.2\", \"healthCheck\": {\"path\": \"/b\", \"expectStatus\": 301}}";
        Api.given(cp).body(rs2).put(rss + "/rs2").then().statusCode(200).header("Lvscp-Events-Appended", "1")
                .body("healthCheck.expectStatus", equalTo(301), "healthCheck.intervalSeconds", nullValue(),
                        "effectiveHealthCheck.intervalSeconds", equalTo(5), "effectiveHealthCheck.expectStatus", equalTo(301));
        Api.given(cp).body(rs2).put(rss + "/rs2").then().statusCode(200).header("Lvscp-Events-Appended", "0");
        Api.given(cp).body("{\"weight\": 3}").put(rss + "/rs2/weight").then().statusCode(200).body("healthCheck.path", equalTo("/b"));
        // What the override leaves out follows the virtual server's check when it changes.
        Api.given(cp).body("{" + vip + ", \"healthCheck\": {\"kind\": \"http\", \"path\": \"/a\", \"intervalSeconds\": 10, \"rise\": 2}}")
                .put(vss + "/http").then().statusCode(200);
        Api.given(cp).get(rss + "/rs2").then().statusCode(200)
                .body("effectiveHealthCheck.path", equalTo("/b"), "effectiveHealthCheck.intervalSeconds", equalTo(10), "effectiveHealthCheck.rise", equalTo(2));

        // Validation: the override is checked as the check it makes, with pointers into the real server's body.
        Api.badInput(cp).contentType("application/json").body("{\"name\": \"rs9\", \"address\": \"10.11.12.9\", \"healthCheck\": {\"intervalSeconds\": 0}}").post(rss)
                .then().statusCode(422).body("errors[0].pointer", equalTo("/healthCheck/intervalSeconds"));
        Api.given(cp).body("{\"name\": \"rs9\", \"address\": \"10.11.12.9\", \"healthCheck\": {\"send\": \"PING\"}}").post(rss)
                .then().statusCode(422).body("errors[0].pointer", equalTo("/healthCheck/send"),
                        "errors[0].detail", containsString("names no kind, so it adjusts virtual server http's http check"));
        Api.given(cp).body("{\"name\": \"rs9\", \"address\": \"10.11.12.9\", \"healthCheck\": {\"intervalSeconds\": 1, \"timeoutSeconds\": 11}}").post(rss)
                .then().statusCode(422).body("errors[0].pointer", equalTo("/healthCheck/timeoutSeconds"), "errors[0].detail", containsString("pile up"));
        Api.given(cp).body("{\"name\": \"rs9\", \"address\": \"10.11.12.9\", \"healthCheck\": {\"kind\": \"program\"}}").post(rss)
                .then().statusCode(422).body("errors[0].pointer", equalTo("/healthCheck/program"), "errors[0].detail", equalTo("is required"));
        Api.given(cp).get(rss + "/rs9").then().statusCode(404);
        // A virtual-server change that would leave an override invalid is refused and names the real server.
        Api.given(cp).body("{" + vip + ", \"healthCheck\": {\"kind\": \"tcp\"}}").put(vss + "/http")
                .then().statusCode(409).body("errors[0].pointer", equalTo("/healthCheck"),
                        "detail", allOf(containsString("real server rs2"), containsString("/healthCheck/path")));
        // Without the override the check is the virtual server's again.
        Api.given(cp).body("{\"address\": \"10.11.12.2\", \"weight\": 3}").put(rss + "/rs2").then().statusCode(200)
                .header("Lvscp-Events-Appended", "1").body("healthCheck", nullValue(), "effectiveHealthCheck", nullValue());

        JsonPath log = Api.given(cp).queryParam("cluster", "checks").queryParam("limit", 1000).get("/v1/events")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("ClusterCreated", "VirtualServerAdded", "RealServerAdded", "RealServerAdded", "RealServerAdded", "RealServerAdded",
                "RealServerAdded", "RealServerChanged", "RealServerWeightChanged", "VirtualServerChanged", "RealServerChanged"), log.getList("items.type"));
        assertEquals("/b", log.getString("items[3].data.realServer.healthCheck.path"));
        assertNull(log.get("items[3].data.realServer.effectiveHealthCheck"), "events carry the override, not what it resolves to");
        assertEquals("/", log.getString("items[4].data.realServer.healthCheck.path"), "a kind's probe defaults are in the event");
        assertEquals(301, log.getInt("items[7].data.realServer.healthCheck.expectStatus"));
        assertNull(log.get("items[10].data.realServer.healthCheck"));
    }

    @Test
    void firewallMarksGatherPortsForOneService() {
        createCluster(cp, "marks");
        String mark = "{\"mark\": 80, \"protocol\": \"tcp\", \"address\": \"192.168.26.10\", \"ports\": [\"80\", \"443\", \"21\"]}";
        Api.given(cp).body(mark).post("/v1/clusters/marks/firewall-marks").then().statusCode(201)
                .header("Location", "/v1/clusters/marks/firewall-marks/80").body("ports", contains("80", "443", "21"));
        Api.given(cp).body("{\"mark\": 81, \"address\": \"192.168.26.10\", \"ports\": [\"400-500\"]}")
                .post("/v1/clusters/marks/firewall-marks").then().statusCode(409).body("detail", containsString("firewall mark 80"));
        String vs = "{\"name\": \"multi\", \"address\": \"192.168.26.10\", \"netmask\": \"255.255.255.0\", \"device\": \"eth0:1\", \"firewallMark\": 80, \"persistence\": {\"timeoutSeconds\": 300}}";
        Api.given(cp).body(vs).post("/v1/clusters/marks/virtual-servers").then().statusCode(201)
                .body("firewallMark", equalTo(80), "persistence.netmask", equalTo("255.255.255.255"));
        Api.given(cp).body("{\"name\": \"rs1\", \"address\": \"10.11.12.1\"}").post("/v1/clusters/marks/virtual-servers/multi/real-servers")
                .then().statusCode(201).body("$", not(hasKey("port")));
        Api.given(cp).delete("/v1/clusters/marks/firewall-marks/80").then().statusCode(409).body("detail", containsString("multi"));
        Api.given(cp).body(mark.replace("\"21\"", "\"8080-8090\"")).put("/v1/clusters/marks/firewall-marks/80")
                .then().statusCode(200).body("ports", hasItem("8080-8090"));
        Api.given(cp).get("/v1/clusters/marks/firewall-marks/80").then().statusCode(200).body("mark", equalTo(80));
        Api.given(cp).get("/v1/clusters/marks/firewall-marks").then().statusCode(200).body("items.mark", contains(80));
    }

    @Test
    void ifMatchGuardsAgainstLostUpdates() {
        seedCluster(cp, "guarded");
        long rev = revision(cp, "guarded");
        String rs1 = "/v1/clusters/guarded/virtual-servers/http/real-servers/rs1";
        Api.given(cp).header("If-Match", "\"" + rev + "\"").body("{\"weight\": 2}").put(rs1 + "/weight")
                .then().statusCode(200).header("ETag", "\"" + (rev + 1) + "\"");
        // A second client still holding the old ETag is refused, and nothing is appended.
        Api.given(cp).header("If-Match", "\"" + rev + "\"").body("{\"weight\": 9}").put(rs1 + "/weight")
                .then().statusCode(412).contentType("application/problem+json").body("detail", containsString("revision " + (rev + 1)));
        assertRevision(cp, "guarded", rev + 1);
        Api.given(cp).get(rs1).then().body("weight", equalTo(2));
    }

    @Test
    void aDryRunAnswersAsTheWriteWouldAndAppendsNothing() {
        seedCluster(cp, "dry");
        long rev = revision(cp, "dry");
        // The same status, body and Location as the write: a client generated from the contract reads it as such.
        Api.given(cp).queryParam("dryRun", true).body(realServer("rs3", "10.11.12.3", 4))
                .post("/v1/clusters/dry/virtual-servers/http/real-servers")
                .then().statusCode(201).header("Location", "/v1/clusters/dry/virtual-servers/http/real-servers/rs3")
                .header("Lvscp-Dry-Run", "true").header("Lvscp-Events-Appended", "1")
                .header("Lvscp-Dry-Run-Events", "RealServerAdded").header("ETag", "\"" + rev + "\"")
                .body("name", equalTo("rs3"), "weight", equalTo(4));
        Api.given(cp).queryParam("dryRun", true).body("{\"weight\": 7}").put("/v1/clusters/dry/virtual-servers/http/real-servers/rs1/weight")
                .then().statusCode(200).header("Lvscp-Dry-Run-Events", "RealServerWeightChanged").body("weight", equalTo(7));
        Api.given(cp).queryParam("dryRun", true).delete("/v1/clusters/dry/virtual-servers/http")
                .then().statusCode(204).header("Lvscp-Dry-Run", "true").header("Lvscp-Dry-Run-Events", "VirtualServerRemoved");
        // What already is: nothing would be appended.
        Api.given(cp).queryParam("dryRun", true).post("/v1/clusters/dry/virtual-servers/http/real-servers/rs1/enable")
                .then().statusCode(200).header("Lvscp-Events-Appended", "0").header("Lvscp-Dry-Run-Events", "");
        assertRevision(cp, "dry", rev);
        Api.given(cp).get("/v1/clusters/dry/virtual-servers/http/real-servers/rs3").then().statusCode(404);
        Api.given(cp).get("/v1/clusters/dry/virtual-servers/http/real-servers/rs1").then().statusCode(200).body("weight", not(equalTo(7)));
        Api.given(cp).get("/v1/clusters/dry/virtual-servers/http").then().statusCode(200);
    }

    @Test
    void metadataComesFromTheRequestAndItsToken() {
        String alice = cp.token("alice", "admin");
        Api.as(cp, alice).header("Lvscp-Reason", "seed chapter 9.1").header("X-Request-Id", "req-meta-1")
                .body(cluster("meta")).post("/v1/clusters").then().statusCode(201).header("X-Request-Id", "req-meta-1");
        Api.given(cp).queryParam("cluster", "meta").get("/v1/events").then().statusCode(200)
                .body("items[0].metadata.actor", equalTo("alice"), "items[0].metadata.reason", equalTo("seed chapter 9.1"),
                        "items[0].metadata.requestId", equalTo("req-meta-1"), "items[0].metadata.clientAddress", equalTo("127.0.0.1"));
    }

    @Test
    void healthReadinessAndMetrics() {
        Api.given(cp).get("/healthz").then().statusCode(200).body("status", equalTo("up"));
        Api.given(cp).get("/readyz").then().statusCode(200).body("status", equalTo("ready"));
        createCluster(cp, "metered");
        String metrics = Api.given(cp).get("/metrics").then().statusCode(200).extract().asString();
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("lvscp_events_appended_total{type=\"ClusterCreated\"}"), metrics);
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("lvscp_event_append_seconds_bucket"), "append latency histogram");
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("vertx_http_server_requests_total"), "HTTP server metrics");
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("route=\"/v1/clusters\""), "HTTP metrics carry the route");
    }
}
