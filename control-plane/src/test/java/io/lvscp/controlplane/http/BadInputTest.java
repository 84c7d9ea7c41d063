package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.restassured.response.ValidatableResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests an operator could send by mistake. Each gets the right 4xx as a problem document that points at what
 * was wrong, and none of them changes anything: the log and every revision stay as they were.
 */
class BadInputTest {
    static RunningControlPlane cp;
    private static final String C = "/v1/clusters/bad";
    private static final String VS = C + "/virtual-servers";
    private static final String RS = VS + "/http/real-servers";
    private static final String VALID_VS = "\"address\":\"192.168.26.20\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:2\"";

    @BeforeAll
    static void start() {
        cp = RunningControlPlane.onNewDatabase();
        seedCluster(cp, "bad");
        Api.given(cp).body("{\"mark\": 80, \"address\": \"192.168.26.10\", \"ports\": [\"443\"]}").post(C + "/firewall-marks").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"multi\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"firewallMark\":80}")
                .post(VS).then().statusCode(201);
        Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\",\"rolePreference\":\"primary\"}")
                .post(C + "/routers").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.11.12.8\"}")
                .post(C + "/routers").then().statusCode(201);
    }

    @AfterAll
    static void stop() {
        cp.close();
    }

    static Stream<Arguments> badRequests() {
        String json = "application/json";
        return Stream.of(
                // Not JSON, or not the JSON we read
                row("malformed JSON", "POST", RS, json, "{\"name\": \"rs9\", ", 400, null),
                row("trailing garbage", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\"} x", 400, null),
                row("array instead of object", "POST", RS, json, "[1,2]", 400, ""),
                row("JSON null body", "POST", RS, json, "null", 400, null),
                row("empty body", "POST", RS, json, "", 400, null),
                row("unknown field", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"wieght\":3}", 400, "/wieght"),
                row("unknown nested field", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"port\":81,\"healthCheck\":{\"kind\":\"tcp\",\"intervall\":5}}", 400, "/healthCheck/intervall"),
                row("unknown field in a real server's check", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"healthCheck\":{\"pathh\":\"/b\"}}", 400, "/healthCheck/pathh"),
                row("string for a number", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"weight\":\"3\"}", 400, "/weight"),
                row("fraction for an integer", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"weight\":1.5}", 400, "/weight"),
                row("number for a string", "POST", RS, json, "{\"name\":\"rs9\",\"address\":167772161}", 400, "/address"),
                row("unknown scheduler", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"port\":81,\"scheduler\":\"fastest\"}", 400, "/scheduler"),
                row("upper-case enum", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"port\":81,\"protocol\":\"TCP\"}", 400, "/protocol"),
                row("duplicate key", "POST", RS, json, "{\"name\":\"rs9\",\"name\":\"rs8\",\"address\":\"10.11.12.9\"}", 400, null),
                row("wrong content type", "POST", RS, "text/plain", "{\"name\":\"rs9\",\"address\":\"10.11.12.9\"}", 415, null),
                row("no content type", "POST", RS, null, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\"}", 415, null),
                row("body too large", "POST", RS, json, "{\"name\":\"" + "x".repeat(1_100_000) + "\"}", 413, null),
                // Read, but not valid
                row("missing name", "POST", RS, json, "{\"address\":\"10.11.12.9\"}", 422, "/name"),
                row("invalid name", "POST", RS, json, "{\"name\":\"RS_9\",\"address\":\"10.11.12.9\"}", 422, "/name"),
                row("host name for an address", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"web01.example.com\"}", 422, "/address"),
                row("address out of range", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.256\"}", 422, "/address"),
                row("multicast address", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"224.0.0.1\"}", 422, "/address"),
                row("gate forwarding to another port", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"port\":8080,\"forwarding\":\"gate\"}", 422, "/port"),
                row("real server on the VIP", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"192.168.26.10\"}", 422, "/address"),
                row("weight above 65535", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"weight\":70000}", 422, "/weight"),
                row("negative weight action", "PUT", RS + "/rs1/weight", json, "{\"weight\":-1}", 422, "/weight"),
                row("string for a threshold", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"upperThreshold\":\"100\"}", 400, "/upperThreshold"),
                row("upper threshold above the bound", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"upperThreshold\":1000000001}", 422, "/upperThreshold"),
                row("negative lower threshold", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"upperThreshold\":10,\"lowerThreshold\":-1}", 422, "/lowerThreshold"),
                row("lower threshold without an upper one", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"lowerThreshold\":5}", 422, "/lowerThreshold"),
                row("lower threshold above the upper one", "PUT", RS + "/rs1", json, "{\"address\":\"10.11.12.1\",\"upperThreshold\":10,\"lowerThreshold\":11}", 422, "/lowerThreshold"),
                row("port 0", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"port\":0}", 422, "/port"),
                row("port above 65535", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"port\":65536}", 422, "/port"),
                row("no port and no mark", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + "}", 422, "/port"),
                row("non-contiguous netmask", "POST", VS, json, "{\"name\":\"v2\",\"address\":\"192.168.26.20\",\"netmask\":\"255.0.255.0\",\"device\":\"eth0:2\",\"port\":81}", 422, "/netmask"),
                row("device with a space", "POST", VS, json, "{\"name\":\"v2\",\"address\":\"192.168.26.20\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0 up\",\"port\":81}", 422, "/device"),
                row("device injecting an option", "POST", VS, json, "{\"name\":\"v2\",\"address\":\"192.168.26.20\",\"netmask\":\"255.255.255.0\",\"device\":\"-all\",\"port\":81}", 422, "/device"),
                row("device name too long", "POST", VS, json, "{\"name\":\"v2\",\"address\":\"192.168.26.20\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:abcdefghijklmn\",\"port\":81}", 422, "/device"),
                row("undefined firewall mark", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"firewallMark\":99}", 422, "/firewallMark"),
                row("mark and port together", "POST", VS, json, "{\"name\":\"v2\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"firewallMark\":80,\"port\":443}", 422, "/port"),
                row("bad regex in expect", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"port\":81,\"healthCheck\":{\"kind\":\"expect\",\"send\":\"GET /\",\"expect\":\"HTTP(\",\"useRegex\":true}}", 422, "/healthCheck/expect"),
                row("send on an http check", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"port\":81,\"healthCheck\":{\"kind\":\"http\",\"send\":\"x\"}}", 422, "/healthCheck/send"),
                row("relative health program", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"port\":81,\"healthCheck\":{\"kind\":\"program\",\"program\":\"check; rm -rf / %h\"}}", 422, "/healthCheck/program"),
                row("rise of zero", "POST", VS, json, "{\"name\":\"v2\"," + VALID_VS + ",\"port\":81,\"healthCheck\":{\"rise\":0}}", 422, "/healthCheck/rise"),
                row("fall of zero in a real server's check", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"healthCheck\":{\"fall\":0}}", 422, "/healthCheck/fall"),
                row("expect on a real server's tcp check", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.9\",\"healthCheck\":{\"kind\":\"tcp\",\"expect\":\"OK\"}}", 422, "/healthCheck/expect"),
                row("NAT cluster without NAT router", "POST", "/v1/clusters", json, "{\"name\":\"bad2\",\"routingMethod\":\"nat\"}", 422, "/natRouter"),
                row("NAT router on a direct cluster", "POST", "/v1/clusters", json, "{\"name\":\"bad2\",\"routingMethod\":\"direct\",\"natRouter\":{\"address\":\"10.0.0.1\",\"netmask\":\"255.0.0.0\",\"device\":\"eth1\"}}", 422, "/natRouter"),
                row("deadtime shorter than keepalive", "PUT", C, json, "{\"routingMethod\":\"nat\",\"natRouter\":{\"address\":\"10.11.12.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth1:1\"},\"heartbeat\":{\"keepaliveSeconds\":10,\"deadtimeSeconds\":5}}", 422, "/heartbeat/deadtimeSeconds"),
                row("renaming through PUT", "PUT", RS + "/rs1", json, "{\"name\":\"rs7\",\"address\":\"10.11.12.1\"}", 422, "/name"),
                row("port range backwards", "POST", C + "/firewall-marks", json, "{\"mark\":81,\"address\":\"192.168.26.11\",\"ports\":[\"90-80\"]}", 422, "/ports/0"),
                row("mark out of range", "POST", C + "/firewall-marks", json, "{\"mark\":4294967296,\"address\":\"192.168.26.11\",\"ports\":[\"80\"]}", 422, "/mark"),
                row("rollback to a future revision", "POST", C + "/rollback", json, "{\"revision\":100000}", 422, "/revision"),
                // Clashes with what exists
                row("duplicate real server name", "POST", RS, json, "{\"name\":\"rs1\",\"address\":\"10.11.12.7\"}", 409, "/name"),
                row("same address and port twice", "POST", RS, json, "{\"name\":\"rs9\",\"address\":\"10.11.12.1\"}", 409, "/address"),
                row("duplicate VIP, port and protocol", "POST", VS, json, "{\"name\":\"v2\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}", 409, "/port"),
                row("same VIP on another device", "POST", VS, json, "{\"name\":\"v2\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth2\",\"port\":81}", 409, "/device"),
                row("third router", "POST", C + "/routers", json, "{\"name\":\"lvs3\",\"publicAddress\":\"192.168.26.7\",\"privateAddress\":\"10.11.12.7\"}", 409, null),
                row("deleting a non-empty cluster", "DELETE", C, null, null, 409, null),
                row("deleting a mark in use", "DELETE", C + "/firewall-marks/80", null, null, 409, null),
                // Wrong places and headers
                row("unknown cluster", "GET", "/v1/clusters/nope", null, null, 404, null),
                row("unknown real server", "POST", RS + "/rs77/drain", null, null, 404, null),
                row("invalid name in path", "GET", "/v1/clusters/Bad_Name", null, null, 404, null),
                row("mark not a number", "GET", C + "/firewall-marks/eighty", null, null, 404, null),
                row("unknown path", "GET", "/v1/nothing-here", null, null, 404, null),
                row("method not allowed", "PATCH", RS + "/rs1", json, "{}", 405, null),
                row("dryRun not a boolean", "POST", RS + "/rs1/drain?dryRun=yes", null, null, 400, null),
                row("malformed If-Match", "POST", RS + "/rs1/drain", "If-Match: 12", null, 400, null),
                row("stale If-Match", "POST", RS + "/rs1/drain", "If-Match: \"1\"", null, 412, null),
                row("bad event limit", "GET", "/v1/events?limit=0", null, null, 400, null),
                row("bad cursor", "GET", "/v1/events?cursor=not-a-cursor", null, null, 400, null),
                row("bad time", "GET", "/v1/events?since=yesterday", null, null, 400, null),
                row("state with neither revision nor time", "GET", C + "/state", null, null, 400, null));
    }

    private static Arguments row(String what, String method, String path, String contentTypeOrHeader, String body, int status, String pointer) {
        return Arguments.of(what, method, path, contentTypeOrHeader, body, status, pointer);
    }

    @ParameterizedTest(name = "{0} -> {5}")
    @MethodSource("badRequests")
    void isRefusedWithAProblemAndChangesNothing(String what, String method, String path, String header, String body, int status, String pointer) {
        long revision = revision(cp, "bad");
        int events = eventCount();

        var req = Api.badInput(cp);
        if (header != null && header.startsWith("If-Match: ")) req.header("If-Match", header.substring("If-Match: ".length()));
        else if (header != null) req.contentType(header);
        if (body != null) req.body(body);
        ValidatableResponse res = req.request(method, path).then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status), "title", not(emptyOrNullString()), "detail", not(emptyOrNullString()),
                        "type", startsWith("https://lvscp.io/problems/"));
        if (pointer != null) res.body("errors.pointer", hasItem(pointer));

        assertRevision(cp, "bad", revision);
        assertEquals(events, eventCount(), what + " appended nothing");
        Api.given(cp).get("/v1/clusters/bad2").then().statusCode(404);
    }

    private static int eventCount() {
        return Api.given(cp).queryParam("limit", 1000).get("/v1/events").then().statusCode(200).extract().jsonPath().getList("items").size();
    }
}
