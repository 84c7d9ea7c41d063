package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Who may do what: every endpoint against no token, a bad one, a revoked one, each role, a token scoped to another
 * cluster and an agent credential, with the expected 401 / 403 / 2xx, and nothing changed by any refusal. Then the
 * tokens' life (shown once, listed without secrets, revoked at once on every process, expiring), the first start's
 * admin token, the write limit, and secrets kept out of logs, events, errors and metrics.
 */
class AuthTest {
    static final String TEST_ADMIN = "configured-admin-" + RunningControlPlane.ADMIN_TOKEN.substring(6, 22);
    static RunningControlPlane cp;
    static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
    static final Map<String, String> TOKENS = new LinkedHashMap<>();

    @BeforeAll
    static void start() {
        LOGS.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
        cp = RunningControlPlane.onNewDatabase();
        seedCluster(cp, "m");
        seedCluster(cp, "other");
        Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\"}")
                .post("/v1/clusters/m/routers").then().statusCode(201);
        TOKENS.put("none", null);
        TOKENS.put("malformed", "not-a-token");
        TOKENS.put("unknown", "lvscp_zzzzzzzzzzzzzzzz_" + "B".repeat(43));
        String wrongSecret = RunningControlPlane.ADMIN_TOKEN.substring(0, 23) + "C".repeat(43);
        TOKENS.put("wrong-secret", wrongSecret);
        String revoked = cp.token("revoked-admin", "admin");
        Api.given(cp).delete("/v1/tokens/" + revoked.substring(6, 22)).then().statusCode(200).body("state", equalTo("revoked"));
        TOKENS.put("revoked", revoked);
        TOKENS.put("viewer", cp.token("matrix-viewer", "viewer"));
        TOKENS.put("operator", cp.token("matrix-operator", "operator"));
        TOKENS.put("admin", cp.token("matrix-admin", "admin"));
        TOKENS.put("scoped-admin", cp.token("matrix-scoped-admin", "admin", "other"));
        TOKENS.put("scoped-viewer", cp.token("matrix-scoped-viewer", "viewer", "m"));
        TOKENS.put("agent", cp.agentToken("m", "lvs1"));
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
        cp.close();
    }

    /** One endpoint: method, path, body, and the least role it needs ("viewer", "operator", "admin", "global-admin"). */
    record Endpoint(String method, String path, String body, String needs) {}

    static final String RS = "/v1/clusters/m/virtual-servers/http/real-servers/rs1";
    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("GET", "/v1/clusters", null, "viewer"),
            new Endpoint("POST", "/v1/clusters", cluster("newone"), "global-admin"),
            new Endpoint("GET", "/v1/clusters/m", null, "viewer"),
            new Endpoint("PUT", "/v1/clusters/m", cluster("m").replace("\"keepaliveSeconds\": 6", "\"keepaliveSeconds\": 7"), "admin"),
            new Endpoint("DELETE", "/v1/clusters/m", null, "admin"),
            new Endpoint("GET", "/v1/clusters/m/routers", null, "viewer"),
            new Endpoint("POST", "/v1/clusters/m/routers", "{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.11.12.8\"}", "admin"),
            new Endpoint("GET", "/v1/clusters/m/routers/lvs1", null, "viewer"),
            new Endpoint("DELETE", "/v1/clusters/m/routers/lvs1", null, "admin"),
            new Endpoint("GET", "/v1/clusters/m/virtual-servers", null, "viewer"),
            new Endpoint("POST", "/v1/clusters/m/virtual-servers", virtualServer("https", "192.168.26.10", 443), "admin"),
            new Endpoint("GET", "/v1/clusters/m/virtual-servers/http", null, "viewer"),
            new Endpoint("DELETE", "/v1/clusters/m/virtual-servers/http", null, "admin"),
            new Endpoint("POST", "/v1/clusters/m/virtual-servers/http/deactivate", null, "operator"),
            new Endpoint("POST", "/v1/clusters/m/virtual-servers/http/activate", null, "operator"),
            new Endpoint("GET", "/v1/clusters/m/virtual-servers/http/real-servers", null, "viewer"),
            new Endpoint("POST", "/v1/clusters/m/virtual-servers/http/real-servers", "{\"name\":\"rs9\",\"address\":\"10.11.12.9\"}", "admin"),
            new Endpoint("GET", RS, null, "viewer"),
            new Endpoint("PUT", RS, "{\"address\":\"10.11.12.1\",\"weight\":5}", "admin"),
            new Endpoint("DELETE", RS, null, "admin"),
            new Endpoint("POST", RS + "/drain", null, "operator"),
            new Endpoint("POST", RS + "/enable", null, "operator"),
            new Endpoint("PUT", RS + "/weight", "{\"weight\": 4}", "operator"),
            new Endpoint("GET", "/v1/clusters/m/firewall-marks", null, "viewer"),
            new Endpoint("POST", "/v1/clusters/m/firewall-marks", "{\"mark\": 80, \"address\": \"192.168.26.10\", \"ports\": [\"80\", \"443\"]}", "admin"),
            new Endpoint("GET", "/v1/events?cluster=m", null, "viewer"),
            new Endpoint("GET", "/v1/clusters/m/state?revision=2", null, "viewer"),
            new Endpoint("GET", "/v1/clusters/m/diff?from=1&to=2", null, "viewer"),
            new Endpoint("POST", "/v1/clusters/m/rollback", "{\"revision\": 2}", "admin"),
            new Endpoint("GET", "/v1/clusters/m/spec", null, "viewer"),
            // Past access control a 422 (a nat cluster needs natRouter): the matrix changes nothing.
            new Endpoint("PUT", "/v1/clusters/m/spec", "{\"routingMethod\": \"nat\"}", "admin"),
            new Endpoint("GET", "/v1/whoami", null, "viewer"),
            new Endpoint("GET", "/v1/tokens", null, "global-admin"),
            new Endpoint("POST", "/v1/tokens", "{\"name\":\"made-in-matrix\",\"role\":\"viewer\"}", "global-admin"),
            new Endpoint("GET", "/v1/tokens/zzzzzzzzzzzzzzzz", null, "global-admin"),
            new Endpoint("DELETE", "/v1/tokens/zzzzzzzzzzzzzzzz", null, "global-admin"));

    /** What {@code who} should get from {@code e}: 401, 403, or "ok" (past access control: 2xx, or the route's own 4xx). */
    static String expected(String who, Endpoint e) {
        switch (who) {
            case "none", "malformed", "unknown", "wrong-secret", "revoked":
                return "401";
            case "agent":
                return "403";
            case "scoped-admin": // admin, but of cluster "other" only
                if (e.needs().equals("global-admin")) return "403";
                return e.path().startsWith("/v1/clusters/m") || e.path().startsWith("/v1/events?cluster=m") ? "403" : "ok";
            case "scoped-viewer": // viewer of cluster "m" only
                return e.needs().equals("viewer") ? "ok" : "403";
            default:
                int have = List.of("viewer", "operator", "admin").indexOf(who);
                int need = List.of("viewer", "operator", "admin", "global-admin").indexOf(e.needs());
                return have >= Math.min(need, 2) ? "ok" : "403";
        }
    }

    /** The matrix's exchanges: plain HTTP on one client (kept-alive), hundreds of them; the contract is checked elsewhere. */
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    record Answer(int status, String contentType, String wwwAuthenticate, String body) {}

    private static Answer send(String token, Endpoint e, boolean dryRun) {
        String path = e.path();
        // Allowed writes are dry runs, so that the matrix leaves the clusters as they are; refusals are sent for real.
        if (dryRun && !e.method().equals("GET") && path.startsWith("/v1/clusters")) path += (path.contains("?") ? "&" : "?") + "dryRun=true";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).header("Content-Type", "application/json")
                .method(e.method(), e.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(e.body()));
        if (token != null) b.header("Authorization", "Bearer " + token);
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                    r.headers().firstValue("WWW-Authenticate").orElse(null), r.body());
        } catch (Exception x) {
            throw new IllegalStateException(e.method() + " " + path, x);
        }
    }

    private static String fingerprint() {
        // Every cluster with its revision, and every token: a refusal must move none of them.
        Endpoint clusters = new Endpoint("GET", "/v1/clusters", null, "viewer");
        Endpoint tokens = new Endpoint("GET", "/v1/tokens", null, "global-admin");
        return send(RunningControlPlane.ADMIN_TOKEN, clusters, false).body() + send(RunningControlPlane.ADMIN_TOKEN, tokens, false).body();
    }

    @Test
    void everyEndpointAgainstEveryKindOfCaller() {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, String> who : TOKENS.entrySet()) {
            for (Endpoint e : ENDPOINTS) {
                String want = expected(who.getKey(), e);
                String before = want.equals("ok") ? null : fingerprint();
                Answer r = send(who.getValue(), e, want.equals("ok"));
                int got = r.status();
                boolean ok = switch (want) {
                    // Allowed: past access control, to the route's own answer (a 409 for deleting a cluster still in use).
                    case "ok" -> got != 401 && got != 403 && got != 429 && got < 500;
                    default -> got == Integer.parseInt(want);
                };
                if (!ok) wrong.add(who.getKey() + " " + e.method() + " " + e.path() + ": wanted " + want + ", got " + got + " " + r.body());
                if (!want.equals("ok")) {
                    if (!r.contentType().startsWith("application/problem+json")) wrong.add(who.getKey() + " " + e.path() + ": not a problem document");
                    if (got == 401 && r.wwwAuthenticate() == null) wrong.add(who.getKey() + " " + e.path() + ": 401 without WWW-Authenticate");
                    String after = fingerprint();
                    if (!after.equals(before)) wrong.add(who.getKey() + " " + e.method() + " " + e.path() + ": a refused request changed state");
                }
                checked++;
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(TOKENS.size() * ENDPOINTS.size(), checked);
    }

    @Test
    void theAgentStreamTakesOnlyAgentCredentials() {
        Endpoint stream = new Endpoint("GET", "/v1/agents/stream", null, "agent");
        assertEquals(401, send(null, stream, false).status());
        assertEquals(403, send(TOKENS.get("admin"), stream, false).status());
        // An agent credential passes access control and meets the stream's own rule: an upgrade is needed.
        Answer r = send(TOKENS.get("agent"), stream, false);
        assertEquals(400, r.status());
        org.hamcrest.MatcherAssert.assertThat(r.body(), containsString("WebSocket upgrade"));
    }

    @Test
    void scopedTokensSeeOnlyTheirClusters() {
        Api.as(cp, TOKENS.get("scoped-viewer")).get("/v1/clusters").then().statusCode(200).body("items.name", contains("m"));
        Api.as(cp, TOKENS.get("scoped-viewer")).get("/v1/events").then().statusCode(403).body("detail", containsString("?cluster="));
        Api.as(cp, TOKENS.get("scoped-viewer")).queryParam("cluster", "other").get("/v1/events").then().statusCode(403);
        Api.as(cp, TOKENS.get("scoped-viewer")).queryParam("cluster", "m").get("/v1/events").then().statusCode(200)
                .body("items.cluster", everyItem(equalTo("m")));
    }

    @Test
    void aScopeCannotBeLeftByDotSegmentsOrEscapes() {
        String scopedToOther = TOKENS.get("scoped-admin");
        for (String path : List.of("/v1/clusters/other/../m", "/v1/clusters/other/%2e%2e/m", "/v1/clusters/%6d", "/v1/clusters/./m",
                "/v1/clusters//m", "/v1/clusters/other/../m/virtual-servers/http/real-servers/rs1/drain")) {
            String method = path.endsWith("drain") ? "POST" : "GET";
            Answer r = send(scopedToOther, new Endpoint(method, path, null, "admin"), false);
            assertTrue(r.status() == 403 || r.status() == 404 || r.status() == 400, path + " -> " + r.status() + " " + r.body());
        }
        Api.given(cp).get("/v1/clusters/m/virtual-servers/http/real-servers/rs1").then().body("state", equalTo("active"));
    }

    @Test
    void openEndpointsNeedNoToken() {
        RestAssured.given().baseUri(cp.baseUrl()).get("/healthz").then().statusCode(200);
        RestAssured.given().baseUri(cp.baseUrl()).get("/readyz").then().statusCode(200);
        RestAssured.given().baseUri(cp.baseUrl()).get("/metrics").then().statusCode(200);
        RestAssured.given().baseUri(cp.baseUrl()).get("/v1/nothing-here").then().statusCode(401);
        // The web console's files are open; the way out of their folder is not a way past the token check.
        RestAssured.given().baseUri(cp.baseUrl()).get("/ui/").then().statusCode(200);
        RestAssured.given().baseUri(cp.baseUrl()).urlEncodingEnabled(false).get("/ui/../v1/clusters").then().statusCode(401);
        RestAssured.given().baseUri(cp.baseUrl()).urlEncodingEnabled(false).get("/ui/%2e%2e/v1/clusters").then().statusCode(401);
        RestAssured.given().baseUri(cp.baseUrl()).get("/ui/no-such-file.js").then().statusCode(404)
                .contentType(startsWith("application/problem+json"));
    }

    @Test
    void aTokenLearnsWhoItIs() {
        Api.as(cp, TOKENS.get("scoped-viewer")).get("/v1/whoami").then().statusCode(200)
                .body("name", equalTo("matrix-scoped-viewer"), "role", equalTo("viewer"), "clusters", equalTo(List.of("m")),
                        "tokenId", equalTo(TOKENS.get("scoped-viewer").substring(6, 22)));
        Api.as(cp, TOKENS.get("operator")).get("/v1/whoami").then().statusCode(200)
                .body("role", equalTo("operator"), "$", not(hasKey("clusters")));
        Api.as(cp, TOKENS.get("agent")).get("/v1/whoami").then().statusCode(403);
        Api.as(cp, TOKENS.get("revoked")).get("/v1/whoami").then().statusCode(401);
    }

    @Test
    void aTokensSecretIsShownOnceAndNeverStored() {
        io.restassured.response.Response created = Api.given(cp).body("{\"name\":\"once\",\"role\":\"viewer\",\"clusters\":[\"m\"]}").post("/v1/tokens");
        created.then().statusCode(201).header("Cache-Control", "no-store").body("state", equalTo("active"), "createdBy", equalTo(TEST_ADMIN));
        String secret = created.path("token");
        String id = created.path("id");
        assertTrue(secret.startsWith("lvscp_" + id + "_"));
        Api.given(cp).get("/v1/tokens/" + id).then().statusCode(200).body("$", not(hasKey("token")), "clusters", contains("m"));
        String list = Api.given(cp).get("/v1/tokens").then().statusCode(200).extract().asString();
        assertFalse(list.contains(secret.substring(23)), "the list shows no secret");
        Api.given(cp).body("{\"name\":\"once\",\"role\":\"viewer\"}").post("/v1/tokens").then().statusCode(409);
        Api.as(cp, secret).get("/v1/clusters/m").then().statusCode(200);
    }

    @Test
    void badTokenRequestsAreRefusedClearly() {
        Api.badInput(cp).contentType("application/json").body("{\"name\":\"x\",\"role\":\"root\"}").post("/v1/tokens").then().statusCode(400);
        Api.badInput(cp).contentType("application/json").body("{\"name\":\"a b\",\"role\":\"viewer\"}").post("/v1/tokens").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/name"));
        // [] is what generated clients send for an unset list: it means every cluster, as leaving it out does.
        Api.given(cp).body("{\"name\":\"all1\",\"role\":\"viewer\",\"clusters\":[]}").post("/v1/tokens").then().statusCode(201)
                .body("clusters", anyOf(nullValue(), empty()));
        Api.given(cp).body("{\"name\":\"x2\",\"role\":\"agent\",\"clusters\":[\"m\"]}").post("/v1/tokens").then().statusCode(422)
                .body("errors.pointer", hasItem("/router"));
        Api.given(cp).body("{\"name\":\"x3\",\"role\":\"agent\",\"clusters\":[\"m\"],\"router\":\"lvs9\"}").post("/v1/tokens").then().statusCode(422)
                .body("detail", containsString("not enrolled"));
        Api.given(cp).body("{\"name\":\"x4\",\"role\":\"viewer\",\"router\":\"lvs1\"}").post("/v1/tokens").then().statusCode(422);
        Api.given(cp).body("{\"name\":\"x5\",\"role\":\"viewer\",\"expiresAt\":\"2001-01-01T00:00:00Z\"}").post("/v1/tokens").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/expiresAt"));
        Api.given(cp).get("/v1/tokens").then().body("items.name", not(hasItems("x", "a b", "x2", "x3", "x4", "x5")));
    }

    @Test
    void revocationTakesEffectAtOnceOnEveryProcess() {
        String token = cp.token("short-lived", "operator");
        try (RunningControlPlane second = RunningControlPlane.on(cp.databaseUrl())) {
            Api.as(second, token).get("/v1/clusters").then().statusCode(200);
            Api.given(cp).delete("/v1/tokens/" + token.substring(6, 22)).then().statusCode(200)
                    .body("state", equalTo("revoked"), "revokedBy", equalTo(TEST_ADMIN));
            Api.as(second, token).get("/v1/clusters").then().statusCode(401).body("detail", equalTo("the token is revoked"));
            Api.as(cp, token).post(RS + "/drain").then().statusCode(401);
        }
    }

    @Test
    void anExpiredTokenStopsWorking() {
        String expires = OffsetDateTime.now().plusSeconds(2).toString();
        String token = Api.given(cp).body("{\"name\":\"expiring\",\"role\":\"viewer\",\"expiresAt\":\"" + expires + "\"}")
                .post("/v1/tokens").then().statusCode(201).extract().path("token");
        Api.as(cp, token).get("/v1/clusters").then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> Api.as(cp, token).get("/v1/clusters").statusCode() == 401);
        Api.as(cp, token).get("/v1/clusters").then().body("detail", equalTo("the token is expired"));
    }

    @Test
    void theActorIsTheTokensName() {
        Api.as(cp, TOKENS.get("operator")).post("/v1/clusters/other/virtual-servers/http/real-servers/rs2/drain").then().statusCode(200);
        Api.given(cp).queryParam("actor", "matrix-operator").get("/v1/events").then().statusCode(200)
                .body("items.type", hasItem("RealServerDrained"), "items.metadata.actor", everyItem(equalTo("matrix-operator")));
    }

    @Test
    void writesBeyondTheLimitAre429AndChangeNothing() {
        ControlPlaneConfig tight = new ControlPlaneConfig(null, null, null, new ControlPlaneConfig.Auth(null, 0.5, 2, true));
        try (RunningControlPlane limited = RunningControlPlane.on(TestPostgres.newDatabase(), 0, tight)) {
            Api.given(limited).body(cluster("l1")).post("/v1/clusters").then().statusCode(201);
            Api.given(limited).body(cluster("l2")).post("/v1/clusters").then().statusCode(201);
            Api.given(limited).body(cluster("l3")).post("/v1/clusters").then().statusCode(429)
                    .header("Retry-After", Integer::parseInt, allOf(greaterThanOrEqualTo(1), lessThanOrEqualTo(2)));
            Api.given(limited).get("/v1/clusters").then().statusCode(200).body("items.name", contains("l1", "l2"));
            // Reads are not limited; /metrics is protected in this configuration.
            for (int i = 0; i < 20; i++) Api.given(limited).get("/v1/clusters/l1").then().statusCode(200);
            RestAssured.given().baseUri(limited.baseUrl()).get("/metrics").then().statusCode(401);
            Api.given(limited).get("/metrics").then().statusCode(200);
        }
    }

    @Test
    void theFirstStartPrintsAnAdminTokenOnceAndItWorks() throws Exception {
        String database = TestPostgres.newDatabase();
        String printed = captureStdout(() -> RunningControlPlane.withoutConfiguredAdmin(database).close());
        Matcher m = Pattern.compile("lvscp_[a-z0-9]{16}_[A-Za-z0-9_-]{43}").matcher(printed);
        assertTrue(m.find(), printed);
        String token = m.group();
        String again = captureStdout(() -> {
            try (RunningControlPlane cp2 = RunningControlPlane.withoutConfiguredAdmin(database)) {
                Api.as(cp2, token).get("/v1/tokens").then().statusCode(200).body("items.name", hasItem("admin"), "items.createdBy", hasItem("first start"));
            }
        });
        assertFalse(again.contains("lvscp_"), "printed once only: " + again);
    }

    private static String captureStdout(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noSecretAppearsInLogsEventsErrorsOrMetrics() {
        String secret = cp.token("leak-check", "admin");
        Api.as(cp, secret).body(cluster("leaks")).post("/v1/clusters").then().statusCode(201);
        String wrong = secret.substring(0, 23) + "D".repeat(43);
        String refused = RestAssured.given().baseUri(cp.baseUrl()).header("Authorization", "Bearer " + wrong).get("/v1/clusters").asString();
        String part = secret.substring(23);
        assertFalse(refused.contains("DDDD"), refused);
        assertFalse(Api.given(cp).get("/v1/events?limit=1000").asString().contains(part));
        assertFalse(RestAssured.given().baseUri(cp.baseUrl()).get("/metrics").asString().contains(part));
        assertFalse(Api.given(cp).get("/v1/tokens").asString().contains(part));
        for (ILoggingEvent e : List.copyOf(LOGS.list)) {
            assertFalse(e.getFormattedMessage().contains(part) || e.getFormattedMessage().contains("DDDD"), e.getFormattedMessage());
            assertFalse(e.getFormattedMessage().contains(RunningControlPlane.ADMIN_TOKEN.substring(23)), e.getFormattedMessage());
        }
        assertFalse(new ControlPlaneConfig(null, new ControlPlaneConfig.Database("postgresql://u:hunter2@db/x", "u", "hunter2", 1, null), null,
                new ControlPlaneConfig.Auth(RunningControlPlane.ADMIN_TOKEN, 1.0, 1, false)).toString().matches("(?s).*(hunter2|AAAA).*"));
    }
}
