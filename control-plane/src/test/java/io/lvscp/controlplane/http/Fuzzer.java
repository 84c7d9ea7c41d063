package io.lvscp.controlplane.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * Generated hostile requests against a running control plane, from one fixed seed: malformed and odd JSON, wrong
 * types, huge, unicode and control-character strings, deep nesting, shell / ipvsadm / nft injection attempts in
 * every field that reaches a kernel command, odd methods, paths, query parameters and headers, bad Authorization
 * headers, oversize bodies, wrong content types, and broken HTTP framing. Most carry the admin token, so that they
 * get past authentication to the validation they are aimed at; some carry none, a malformed, a wrong or a revoked
 * one, or a token of a lesser role.
 *
 * <p>What must hold for every request:
 * <ul>
 *   <li>no 5xx, and an answer at all;</li>
 *   <li>every 4xx is {@code application/problem+json} whose {@code status} is the response's;</li>
 *   <li>a request answered 4xx, a read, and a dry run change nothing: the event log, every stream's version and
 *       the token table are as they were (the database is read before and after each request; the fuzzer is
 *       the only client, so whatever changed, that request changed);</li>
 *   <li>without a valid token nothing but /healthz, /readyz and /metrics answers 2xx; viewer and agent tokens
 *       never write.</li>
 * </ul>
 * and at the end the process still answers /healthz and /readyz with 200, and every cluster it holds passes the
 * agents' own check of what reaches a router's commands ({@link io.lvscp.api.model.KernelInputs}).
 *
 * <p>{@link FuzzTest} runs 10,000 in the build; {@code -Dfuzz.requests=N} and {@code -Dfuzz.seed=S} change that
 * (README, Tests). {@link #main} runs it against a control plane of its own, outside JUnit.
 */
public final class Fuzzer {
    public static final long DEFAULT_SEED = 0x6c76736346757a7aL; // "lvscFuzz"
    static final String C = "fz";
    static final String OTHER = "other";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int MAX_REPORTED = 40;

    enum Who { ADMIN, NONE, MALFORMED, WRONG_SECRET, REVOKED, VIEWER, OPERATOR, SCOPED_ADMIN, SCOPED_OPERATOR, AGENT }

    enum Body { NONE, CLUSTER, ROUTER, VS, RS, WEIGHT, MARK, ROLLBACK, TOKEN }

    record Route(String method, String template, Body body) {}

    private static final List<Route> ROUTES = List.of(
            new Route("GET", "/v1/clusters", Body.NONE),
            new Route("POST", "/v1/clusters", Body.CLUSTER),
            new Route("GET", "/v1/clusters/{c}", Body.NONE),
            new Route("PUT", "/v1/clusters/{c}", Body.CLUSTER),
            new Route("DELETE", "/v1/clusters/{c}", Body.NONE),
            new Route("GET", "/v1/clusters/{c}/routers", Body.NONE),
            new Route("POST", "/v1/clusters/{c}/routers", Body.ROUTER),
            new Route("GET", "/v1/clusters/{c}/routers/{r}", Body.NONE),
            new Route("PUT", "/v1/clusters/{c}/routers/{r}", Body.ROUTER),
            new Route("DELETE", "/v1/clusters/{c}/routers/{r}", Body.NONE),
            new Route("GET", "/v1/clusters/{c}/virtual-servers", Body.NONE),
            new Route("POST", "/v1/clusters/{c}/virtual-servers", Body.VS),
            new Route("POST", "/v1/clusters/{c}/virtual-servers", Body.VS),
            new Route("POST", "/v1/clusters/{c}/virtual-servers", Body.VS),
            new Route("GET", "/v1/clusters/{c}/virtual-servers/{vs}", Body.NONE),
            new Route("PUT", "/v1/clusters/{c}/virtual-servers/{vs}", Body.VS),
            new Route("PUT", "/v1/clusters/{c}/virtual-servers/{vs}", Body.VS),
            new Route("PUT", "/v1/clusters/{c}/virtual-servers/{vs}", Body.VS),
            new Route("DELETE", "/v1/clusters/{c}/virtual-servers/{vs}", Body.NONE),
            new Route("POST", "/v1/clusters/{c}/virtual-servers/{vs}/activate", Body.NONE),
            new Route("POST", "/v1/clusters/{c}/virtual-servers/{vs}/deactivate", Body.NONE),
            new Route("GET", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers", Body.NONE),
            new Route("POST", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers", Body.RS),
            new Route("POST", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers", Body.RS),
            new Route("GET", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers/{rs}", Body.NONE),
            new Route("PUT", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers/{rs}", Body.RS),
            new Route("PUT", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers/{rs}", Body.RS),
            new Route("DELETE", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers/{rs}", Body.NONE),
            new Route("POST", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers/{rs}/drain", Body.NONE),
            new Route("POST", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers/{rs}/enable", Body.NONE),
            new Route("PUT", "/v1/clusters/{c}/virtual-servers/{vs}/real-servers/{rs}/weight", Body.WEIGHT),
            new Route("GET", "/v1/clusters/{c}/firewall-marks", Body.NONE),
            new Route("POST", "/v1/clusters/{c}/firewall-marks", Body.MARK),
            new Route("POST", "/v1/clusters/{c}/firewall-marks", Body.MARK),
            new Route("GET", "/v1/clusters/{c}/firewall-marks/{mark}", Body.NONE),
            new Route("PUT", "/v1/clusters/{c}/firewall-marks/{mark}", Body.MARK),
            new Route("DELETE", "/v1/clusters/{c}/firewall-marks/{mark}", Body.NONE),
            new Route("GET", "/v1/events", Body.NONE),
            new Route("GET", "/v1/events", Body.NONE),
            new Route("GET", "/v1/clusters/{c}/state", Body.NONE),
            new Route("GET", "/v1/clusters/{c}/diff", Body.NONE),
            new Route("POST", "/v1/clusters/{c}/rollback", Body.ROLLBACK),
            new Route("GET", "/v1/tokens", Body.NONE),
            new Route("POST", "/v1/tokens", Body.TOKEN),
            new Route("POST", "/v1/tokens", Body.TOKEN),
            new Route("GET", "/v1/tokens/{id}", Body.NONE),
            new Route("DELETE", "/v1/tokens/{id}", Body.NONE),
            new Route("GET", "/v1/agents/stream", Body.NONE),
            new Route("GET", "/healthz", Body.NONE),
            new Route("GET", "/readyz", Body.NONE),
            new Route("GET", "/metrics", Body.NONE));

    /**
     * Strings aimed at whatever a field turns into on a router: an argv element of ip / ipvsadm / arping / a check
     * program, a line of an ipvsadm -R or nft -f script, a shell if anything ever used one, and at the control
     * plane's own SQL, logs and templates.
     */
    static final String[] INJECTIONS = {
            "eth0; rm -rf /", "eth0 -X", "-X", "--help", "-f", "-", "--", "$(reboot)", "`reboot`", "eth0$(id)", "eth0|id", "eth0&&id",
            "eth0\nip link del eth0", "eth0\r\n-C", "eth0\u0000", "eth0:1;reboot", "eth0:$(id)", "eth0:-x", "eth0:1 label x", "eth0:",
            ":1", "eth0::1", "eth0:1:2", "eth0/../lo", "0123456789abcdef", "-eth0", "eth0\t-C", "eth0 ", " eth0", "lo", "*", "any",
            "../../etc/passwd", "/dev/null", "%s%s%n%x", "' OR '1'='1", "\"; DROP TABLE events; --", "'); DELETE FROM api_token; --",
            "${jndi:ldap://127.0.0.1/a}", "{{7*7}}", "<script>alert(1)</script>", "\\x00", "\u202eeth0", "ｅｔｈ０", "eth\u0301",
            "\ud83d\ude00", "\ufeff", "\u2028", "\u0085", "\u007f", "\t", " ", "", "null", "true", "0",
            "1.2.3.4; reboot", "10.11.12.9 -h", "-10.11.12.9", "10.11.12.9/32", "10.11.12.9\n-A -t 1.1.1.1:1 -s rr", "0x7f.0.0.1",
            "127.1", "::ffff:10.11.12.9", "fe80::1%eth0", "[::1]", "10.11.12.9:80", "256.1.1.1", "localhost", "1e3", "0.0.0.0",
            "255.255.255.255", "224.0.0.1", "::", "::1", "2001:db8::1", "2001:DB8:0:0::9", "010.011.012.009", "10.11.12.9.",
            "/bin/sh -c reboot", "/bin/sh\t-c\treboot", "/usr/lib/check;reboot", "sh -c id", "/bin/check\n/bin/reboot",
            "/bin/check $(reboot)", "/../../bin/sh", "/usr/bin/env -i /bin/sh", "/check %h; reboot", "//bin/sh", "/bin/ch\u0000eck",
            "/bin/sh -c 'nft flush ruleset'", "/usr/lib/lvscp/check %h %p -- --evil", "/" + "a".repeat(300),
            "GET / HTTP/1.0\r\nHost: x\r\n\r\n", "PONG\r\n-A -t 1.1.1.1:1", "(a+)+$", "[", "(?<=a+)b", "\\", "\\Q", "(?i)ok",
            "80; reboot", "80 -X", "1-65536", "65535-1", "80,443", "-1", "6000-6010\n", "443 }\nflush ruleset\n", "80 } ; flush ruleset",
            "\" ; flush ruleset ; \"", "0x50", "080", "+80", "80.0", "99999999999999999999",
            "255.255.255.0 -p 1", "255.255.255.0\n", "33", "-1", "255.0.255.0", "/24", "24; reboot",
            "wlc\n-C", "rr -p 1", "WLC", "masq\n", "nat\n", "tcp; reboot", "sctp", "icmp",
    };

    private final RunningControlPlane cp;
    private final SplittableRandom rnd;
    private final String adminToken = RunningControlPlane.ADMIN_TOKEN;
    private final Map<Who, String> tokens = new LinkedHashMap<>();
    private final List<String> knownTokenIds = new ArrayList<>();
    private RawHttp http;
    private Connection db;
    private java.sql.PreparedStatement fingerprint;

    /** What a run saw, and what was wrong. */
    public static final class Result {
        public int requests;
        public int responses;
        public final Map<Integer, Integer> byStatus = new TreeMap<>();
        public final Map<String, Integer> byFamily = new TreeMap<>();
        public final Map<String, Long> millisByFamily = new TreeMap<>();
        public final Map<String, List<String>> failures = new TreeMap<>();
        public int stateChangingSuccesses;
        public int notHttp1Answered;
        public long generateMillis;
        public long fingerprintMillis;
        public long millis;

        void fail(String what, String detail) {
            List<String> l = failures.computeIfAbsent(what, k -> new ArrayList<>());
            l.add(detail);
        }

        public int failureCount() {
            return failures.values().stream().mapToInt(List::size).sum();
        }

        public String summary() {
            StringBuilder b = new StringBuilder();
            b.append(requests).append(" requests, ").append(responses).append(" responses in ").append(millis).append(" ms; ")
                    .append(stateChangingSuccesses).append(" successful writes changed state\n");
            b.append("time: generating ").append(generateMillis).append(" ms, reading the database ").append(fingerprintMillis).append(" ms; ")
                    .append(notHttp1Answered).append(" request lines of another HTTP version answered 501 by Vert.x itself\n");
            b.append("by status: ").append(byStatus).append('\n');
            b.append("by family: ").append(byFamily).append(", ms spent: ").append(millisByFamily).append('\n');
            if (failures.isEmpty()) {
                b.append("no failures\n");
            } else {
                failures.forEach((what, l) -> {
                    b.append(l.size()).append(" x ").append(what).append('\n');
                    l.stream().limit(MAX_REPORTED).forEach(d -> b.append("  ").append(d.replace("\n", "\n    ")).append('\n'));
                });
            }
            return b.toString();
        }
    }

    Fuzzer(RunningControlPlane cp, long seed) {
        this.cp = cp;
        this.rnd = new SplittableRandom(seed);
    }

    /** Runs {@code count} generated requests (framing-level ones included) and checks each. */
    public Result run(int count) throws Exception {
        Result result = new Result();
        long started = System.nanoTime();
        try (RawHttp h = new RawHttp("127.0.0.1", cp.port()); Connection c = TestPostgres.jdbc(cp.databaseUrl())) {
            this.http = h;
            this.db = c;
            seed();
            String before = fingerprint();
            for (int i = 0; i < count; i++) {
                if (i % 200 == 0 && i > 0) {
                    seed();
                    before = fingerprint();
                }
                long g0 = System.nanoTime();
                Req q = generate();
                result.generateMillis += (System.nanoTime() - g0) / 1_000_000;
                result.requests++;
                result.byFamily.merge(q.family, 1, Integer::sum);
                List<RawHttp.Response> responses;
                long t0 = System.nanoTime();
                try {
                    responses = q.raw != null ? h.oneShot(q.raw, q.mayGoUnanswered) : List.of(h.exchange(q.bytes(cp.port()), q.method.equals("HEAD")));
                } catch (IOException e) {
                    result.fail("no response", q.describe() + "\n=> " + e);
                    h.close();
                    before = fingerprint();
                    continue;
                }
                result.millisByFamily.merge(q.family, (System.nanoTime() - t0) / 1_000_000, Long::sum);
                long f0 = System.nanoTime();
                String after = fingerprint();
                result.fingerprintMillis += (System.nanoTime() - f0) / 1_000_000;
                boolean changed = !after.equals(before);
                if (q.raw != null && responses.isEmpty() && !q.mayGoUnanswered && !q.notHttp1) {
                    result.fail("no response", q.describe() + "\n=> connection closed without a response");
                }
                for (RawHttp.Response r : responses) {
                    result.responses++;
                    result.byStatus.merge(r.status(), 1, Integer::sum);
                    check(q, r, changed && responses.size() == 1, result);
                }
                if (changed && responses.size() == 1 && responses.get(0).status() / 100 == 2) result.stateChangingSuccesses++;
                if (changed && responses.size() != 1) result.fail("state changed by a request that was not one request", q.describe());
                learn(q, responses);
                before = after;
            }
            seed();
            alive(result);
            // Whatever the API accepted, the agents accept too: no stored state holds a value their own check refuses.
            for (io.lvscp.api.model.ClusterState state : cp.controlPlane().projections().all()) {
                List<String> problems = io.lvscp.api.model.KernelInputs.problems(state);
                if (!problems.isEmpty()) result.fail("stored state an agent would refuse", state.name() + ": " + problems);
            }
        } finally {
            result.millis = (System.nanoTime() - started) / 1_000_000;
        }
        return result;
    }

    // ---- checks --------------------------------------------------------------------------------------------

    private void check(Req q, RawHttp.Response r, boolean changed, Result result) {
        int s = r.status();
        java.util.function.Supplier<String> excerpt = () -> responseExcerpt(r);
        if (q.notHttp1 && s == 501) {
            result.notHttp1Answered++;
            return;
        }
        if (s >= 500) result.fail("5xx", q.describe() + "\n=> " + excerpt.get());
        if (s >= 400 && s < 500) {
            String ct = r.header("content-type");
            if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("application/problem+json")) {
                result.fail("4xx that is not application/problem+json", q.describe() + "\n=> " + excerpt.get());
            } else if (!q.method.equals("HEAD")) {
                try {
                    JsonNode p = JSON.readTree(decoded(r));
                    if (!p.isObject() || p.path("status").asInt() != s || !p.path("type").asText().startsWith(Problems.TYPE_BASE)
                            || !p.has("title") || !p.has("detail")) {
                        result.fail("4xx problem document that does not match its status", q.describe() + "\n=> " + excerpt.get());
                    }
                } catch (IOException e) {
                    result.fail("4xx problem document that is not JSON", q.describe() + "\n=> " + excerpt.get());
                }
            }
            if (s == 401 && r.header("www-authenticate") == null) result.fail("401 without WWW-Authenticate", q.describe());
        }
        if (changed) {
            if (s >= 400) result.fail("state changed by a request answered " + s, q.describe() + "\n=> " + excerpt.get());
            else if (q.safe()) result.fail("state changed by a read", q.describe() + "\n=> " + excerpt.get());
            else if (q.dryRun) result.fail("state changed by a dry run", q.describe() + "\n=> " + excerpt.get());
        }
        if (s / 100 == 2 && q.raw == null) {
            boolean publicPath = q.path().equals("/healthz") || q.path().equals("/readyz") || q.path().equals("/metrics");
            boolean noValidToken = q.who == Who.NONE || q.who == Who.MALFORMED || q.who == Who.WRONG_SECRET || q.who == Who.REVOKED;
            if (noValidToken && !publicPath) result.fail("2xx without a valid token", q.describe() + "\n=> " + excerpt.get());
            if ((q.who == Who.VIEWER || q.who == Who.AGENT) && !q.safe()) result.fail("write by a " + q.who + " token", q.describe() + "\n=> " + excerpt.get());
            if (q.who == Who.AGENT && !publicPath) result.fail("API answered an agent credential", q.describe() + "\n=> " + excerpt.get());
        }
    }

    /** The event log, every stream's version, the tokens and what agents reported: what a request may change. */
    private String fingerprint() throws SQLException {
        if (fingerprint == null) {
            fingerprint = db.prepareStatement("SELECT (SELECT coalesce(max(global_position), 0) FROM events), (SELECT count(*) FROM events), "
                    + "(SELECT coalesce(sum(version), 0) FROM streams), (SELECT count(*) FROM streams), "
                    + "(SELECT count(*) FROM api_token), (SELECT count(*) FROM api_token WHERE revoked_at IS NOT NULL), "
                    + "(SELECT count(*) FROM router_status), (SELECT count(*) FROM real_server_health)");
        }
        try (ResultSet rs = fingerprint.executeQuery()) {
            rs.next();
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= 8; i++) b.append(rs.getLong(i)).append(' ');
            return b.toString();
        }
    }

    private void alive(Result result) throws IOException {
        for (String path : List.of("/healthz", "/readyz")) {
            RawHttp.Response r = http.exchange(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII), false);
            if (r.status() != 200) result.fail("not alive at the end", path + " answered " + r.status() + ": " + r.bodyText());
        }
        RawHttp.Response r = http.exchange(("GET /v1/clusters/" + C + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + adminToken
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), false);
        if (r.status() != 200) result.fail("not alive at the end", "GET /v1/clusters/" + C + " answered " + r.status());
    }

    private static byte[] decoded(RawHttp.Response r) throws IOException {
        String enc = r.header("content-encoding");
        if (enc == null) return r.body();
        return switch (enc.toLowerCase(Locale.ROOT)) {
            case "gzip" -> new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes();
            case "deflate" -> new InflaterInputStream(new ByteArrayInputStream(r.body())).readAllBytes();
            default -> r.body();
        };
    }

    private static String responseExcerpt(RawHttp.Response r) {
        String body;
        try {
            body = new String(decoded(r), StandardCharsets.UTF_8);
        } catch (IOException e) {
            body = "(undecodable " + r.header("content-encoding") + " body)";
        }
        return r.status() + " " + r.header("content-type") + " " + printable(body, 300);
    }

    // ---- fixtures ------------------------------------------------------------------------------------------

    /** The resources most requests aim at, put back if a request deleted them; idempotent. */
    private void seed() throws IOException {
        admin("POST", "/v1/clusters", cluster(C));
        admin("POST", "/v1/clusters", cluster(OTHER));
        admin("POST", "/v1/clusters/" + C + "/routers", "{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.250\",\"rolePreference\":\"primary\"}");
        admin("POST", "/v1/clusters/" + C + "/routers", "{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.11.12.251\"}");
        admin("POST", "/v1/clusters/" + C + "/virtual-servers", "{\"name\":\"web\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}");
        admin("POST", "/v1/clusters/" + C + "/virtual-servers/web/real-servers", "{\"name\":\"rs1\",\"address\":\"10.11.12.1\"}");
        admin("POST", "/v1/clusters/" + C + "/virtual-servers/web/real-servers", "{\"name\":\"rs2\",\"address\":\"10.11.12.2\"}");
        admin("POST", "/v1/clusters/" + C + "/firewall-marks", "{\"mark\":80,\"address\":\"192.168.26.11\",\"ports\":[\"80\",\"443\"]}");
        admin("POST", "/v1/clusters/" + C + "/virtual-servers", "{\"name\":\"multi\",\"address\":\"192.168.26.11\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"firewallMark\":80}");
        if (tokens.isEmpty()) {
            tokens.put(Who.VIEWER, token("fuzz-viewer", "viewer", null));
            tokens.put(Who.OPERATOR, token("fuzz-operator", "operator", null));
            tokens.put(Who.SCOPED_ADMIN, token("fuzz-scoped-admin", "admin", OTHER));
            tokens.put(Who.SCOPED_OPERATOR, token("fuzz-scoped-operator", "operator", C));
            RawHttp.Response agent = admin("POST", "/v1/tokens", "{\"name\":\"fuzz-agent\",\"role\":\"agent\",\"clusters\":[\"" + C + "\"],\"router\":\"lvs1\"}");
            tokens.put(Who.AGENT, JSON.readTree(agent.body()).path("token").asText());
            String revoked = token("fuzz-revoked", "admin", null);
            admin("DELETE", "/v1/tokens/" + revoked.substring(6, 22), null);
            tokens.put(Who.REVOKED, revoked);
        }
    }

    private String token(String name, String role, String cluster) throws IOException {
        RawHttp.Response r = admin("POST", "/v1/tokens", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\""
                + (cluster == null ? "" : ",\"clusters\":[\"" + cluster + "\"]") + "}");
        if (r.status() != 201) throw new IllegalStateException("cannot make token " + name + ": " + r.status() + " " + r.bodyText());
        return JSON.readTree(r.body()).path("token").asText();
    }

    private RawHttp.Response admin(String method, String path, String body) throws IOException {
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + adminToken + "\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n") + "\r\n";
        RawHttp.Response r = http.exchange(concat(head.getBytes(StandardCharsets.US_ASCII), b), false);
        if (r.status() >= 500) throw new IllegalStateException(method + " " + path + " answered " + r.status() + ": " + r.bodyText());
        return r;
    }

    private static String cluster(String name) {
        return "{\"name\":\"" + name + "\",\"routingMethod\":\"nat\",\"natRouter\":{\"address\":\"10.11.12.10\",\"netmask\":\"255.255.255.0\","
                + "\"device\":\"eth1:1\"},\"heartbeat\":{\"port\":539,\"keepaliveSeconds\":6,\"deadtimeSeconds\":18}}";
    }

    /** Remembers the ids of tokens the fuzz made, so later requests read and revoke real ones (never the fixtures'). */
    private void learn(Req q, List<RawHttp.Response> responses) {
        if (responses.size() != 1 || responses.get(0).status() != 201 || !q.path().equals("/v1/tokens")) return;
        try {
            String id = JSON.readTree(decoded(responses.get(0))).path("id").asText();
            if (!id.isEmpty() && knownTokenIds.size() < 100) knownTokenIds.add(id);
        } catch (IOException e) {
            // the checks above said what was wrong with it
        }
    }

    // ---- generation ----------------------------------------------------------------------------------------

    /** One request as it goes on the wire. */
    final class Req {
        final String family;
        String method;
        String target;
        final List<String[]> headers = new ArrayList<>();
        byte[] body;
        boolean chunked;
        boolean dryRun;
        Who who = Who.ADMIN;
        byte[] raw; // framing-level: these exact bytes on a connection of their own
        boolean mayGoUnanswered;
        boolean notHttp1; // a request line of another HTTP version: Vert.x itself answers 501, or closes

        Req(String family) {
            this.family = family;
        }

        String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        boolean safe() {
            return method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
        }

        byte[] bytes(int port) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            write(b, (method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n").getBytes(StandardCharsets.UTF_8));
            for (String[] h : headers) write(b, (h[0] + ": " + h[1] + "\r\n").getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                if (chunked) {
                    write(b, "Transfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    int at = 0;
                    while (at < body.length) {
                        int n = Math.min(body.length - at, 1 + rnd.nextInt(4096));
                        write(b, (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        b.write(body, at, n);
                        write(b, "\r\n".getBytes(StandardCharsets.US_ASCII));
                        at += n;
                    }
                    write(b, "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } else {
                    write(b, ("Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    b.write(body, 0, body.length);
                }
            } else {
                write(b, "\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            return b.toByteArray();
        }

        String describe() {
            if (raw != null) return "[" + family + "] raw bytes: " + printable(new String(raw, StandardCharsets.ISO_8859_1), 600);
            StringBuilder s = new StringBuilder("[" + family + "] as " + who + ": " + printable(method, 40) + " " + printable(target, 300));
            for (String[] h : headers) s.append("\n  ").append(printable(h[0], 60)).append(": ").append(printable(h[1], 200));
            if (body != null) s.append("\n  body (").append(body.length).append(" bytes").append(chunked ? ", chunked" : "").append("): ")
                    .append(printable(new String(body, StandardCharsets.UTF_8), 400));
            return s.toString();
        }
    }

    Req generate() {
        int k = rnd.nextInt(100);
        if (k < 4) return framing();
        Route route = ROUTES.get(rnd.nextInt(ROUTES.size()));
        Req q = new Req(k < 10 ? "odd-path" : route.body() == Body.NONE ? "read-or-action" : "body");
        q.method = route.method();
        q.who = who();
        String path = k < 10 ? oddPath() : fill(route.template(), route.method().equals("DELETE"));
        q.target = path + query(route);
        q.dryRun = q.target.contains("dryRun=true") && !q.target.contains("dryRun=true&dryRun") && countOf(q.target, "dryRun=") == 1;
        int m = rnd.nextInt(100);
        if (m < 4) q.method = pick("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE");
        else if (m < 6) q.method = pick("FOO", "get", "Post", "PROPFIND", "MKCOL", "M-SEARCH", "LINK", "PURGE", "QUERY", "X" .repeat(40));
        authorization(q);
        headers(q);
        if (route.body() != Body.NONE || rnd.nextInt(10) == 0) body(q, route.body());
        if (q.path().equals("/v1/agents/stream") && rnd.nextBoolean()) {
            q.headers.add(new String[] {"Upgrade", pick("websocket", "WebSocket", "h2c", "websocket, foo")});
            q.headers.add(new String[] {"Connection", "Upgrade"});
            if (rnd.nextBoolean()) q.headers.add(new String[] {"Sec-WebSocket-Version", pick("13", "8", "99", "x", "")});
            if (rnd.nextBoolean()) q.headers.add(new String[] {"Sec-WebSocket-Key", pick("dGhlIHNhbXBsZSBub25jZQ==", "short", "", "\u00e9\u00e9")});
        }
        return q;
    }

    private Who who() {
        int w = rnd.nextInt(100);
        if (w < 78) return Who.ADMIN;
        if (w < 81) return Who.NONE;
        if (w < 85) return Who.MALFORMED;
        if (w < 87) return Who.WRONG_SECRET;
        if (w < 88) return Who.REVOKED;
        if (w < 92) return Who.VIEWER;
        if (w < 95) return Who.OPERATOR;
        if (w < 97) return Who.SCOPED_ADMIN;
        if (w < 98) return Who.SCOPED_OPERATOR;
        return Who.AGENT;
    }

    private void authorization(Req q) {
        String a = switch (q.who) {
            case ADMIN -> (rnd.nextInt(20) == 0 ? pick("bearer ", "BEARER ", "Bearer  ") : "Bearer ") + adminToken;
            case NONE -> null;
            case MALFORMED -> pick("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer lvscp_", "Bearer " + adminToken + " extra",
                    "Bearer " + adminToken.substring(0, 65), "Bearer " + adminToken + "A", "Token " + adminToken, adminToken,
                    "Bearer " + adminToken.replace('_', '-'), "Bearer " + adminToken.toUpperCase(Locale.ROOT), "Bearer " + "A".repeat(8000),
                    "Bearer lvscp_" + "é".repeat(16) + "_" + "A".repeat(43), "Bearer lvscp_testadmin0000000_" + "A".repeat(42) + "=",
                    "Bearer ' OR 1=1 --", "Bearer lvscp_testadmin0000000_' OR '1'='1'                        ", "Negotiate abc",
                    "Bearer\tlvscp_x", "Bearer " + hostileString(), "Digest username=\"admin\"");
            case WRONG_SECRET -> "Bearer " + adminToken.substring(0, 23) + randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 43);
            case REVOKED, VIEWER, OPERATOR, SCOPED_ADMIN, SCOPED_OPERATOR, AGENT -> "Bearer " + tokens.get(q.who);
        };
        if (a != null && headerSafe(a)) q.headers.add(new String[] {"Authorization", a});
        else if (a != null) q.headers.add(new String[] {"Authorization", "Bearer " + escapeHeader(a)});
        if (a != null && rnd.nextInt(50) == 0) q.headers.add(new String[] {"Authorization", "Bearer " + tokens.get(Who.VIEWER)}); // a second one
    }

    private void headers(Req q) {
        if (rnd.nextInt(8) == 0) {
            q.headers.add(new String[] {"If-Match", pick("\"1\"", "W/\"2\"", "*", "\"999999999999999999\"", "\"9999999999999999999999\"", "1",
                    "\"-1\"", "\"\"", "\"1\", \"2\"", "\"01\"", "garbage", escapeHeader(hostileString()))});
        }
        if (rnd.nextInt(8) == 0) {
            q.headers.add(new String[] {"Lvscp-Reason", pick("maintenance", "x".repeat(1025), "tab\there", "ünïcödé 😀", "$(reboot)",
                    "\u0001control", "\u007fdel", escapeHeader(hostileString()))});
        }
        if (rnd.nextInt(10) == 0) {
            q.headers.add(new String[] {"X-Request-Id", pick("abc", "x".repeat(200), "a b", "../../x", "\u00e9", "id;rm", "", escapeHeader(hostileString()))});
        }
        if (rnd.nextInt(20) == 0) q.headers.add(new String[] {"Accept-Encoding", pick("gzip", "deflate", "br", "gzip;q=0, *;q=0", "x")});
        if (rnd.nextInt(20) == 0) q.headers.add(new String[] {"Accept", pick("text/html", "application/xml", "*/*", "application/problem+json", "x")});
        if (rnd.nextInt(40) == 0) q.headers.add(new String[] {"X-Forwarded-For", "127.0.0.1, 10.0.0.1"});
        if (rnd.nextInt(30) == 0) { // a content type, and no body (or, with the body below, a second one)
            q.headers.add(new String[] {"Content-Type", pick("multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                    "application/json", "text/plain", "multipart/mixed")});
            if (rnd.nextBoolean()) q.headers.add(new String[] {"Content-Length", "0"});
        }
        if (rnd.nextInt(40) == 0) q.headers.add(new String[] {"Connection", pick("close", "keep-alive", "foo")});
        if (rnd.nextInt(100) == 0) q.headers.add(new String[] {"X-Big", "b".repeat(rnd.nextInt(4000, 20000))});
        if (rnd.nextInt(100) == 0) {
            for (int i = 0; i < 200; i++) q.headers.add(new String[] {"X-Many-" + i, "v"});
        }
    }

    private void body(Req q, Body kind) {
        byte[] bytes;
        int b = rnd.nextInt(100);
        if (kind == Body.NONE) {
            bytes = (b < 50 ? "{}" : b < 80 ? "{\"weight\":1}" : hostileString()).getBytes(StandardCharsets.UTF_8);
        } else if (b < 14) {
            bytes = json(valid(kind));
        } else if (b < 56) {
            JsonNode body = valid(kind);
            int n = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(4) : 0);
            for (int i = 0; i < n; i++) body = mutate(body, kind);
            bytes = json(body);
        } else if (b < 66) {
            JsonNode body = valid(kind);
            injectEverywhere(body);
            bytes = json(body);
        } else if (b < 72) {
            bytes = json(hostileValue());
        } else if (b < 92) {
            bytes = corrupt(json(valid(kind)));
        } else if (b < 95) {
            bytes = oversize(kind);
        } else {
            bytes = pick("", " ", "null", "[]", "\"x\"", "1", "{}", "{\"\":1}", "\u0000", "{,}", "{\"name\":}")
                    .getBytes(StandardCharsets.UTF_8);
        }
        q.body = bytes;
        int ct = rnd.nextInt(100);
        String type = ct < 88 ? "application/json"
                : pick("application/json; charset=utf-8", "application/JSON", "text/plain", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/jsonx", "", "application/problem+json",
                "application/merge-patch+json", "*/*", ";", "application/json;;;", "application/json\t");
        if (rnd.nextInt(40) != 0) q.headers.add(new String[] {"Content-Type", type});
        q.chunked = rnd.nextInt(25) == 0;
        if (rnd.nextInt(50) == 0) q.headers.add(new String[] {"Expect", "100-continue"});
    }

    // ---- bodies --------------------------------------------------------------------------------------------

    /** A body that would be accepted (or clash only with what exists): the base every mutation starts from. */
    private JsonNode valid(Body kind) {
        try {
            return switch (kind) {
                case CLUSTER -> JSON.readTree(cluster(pick(C, OTHER, "fz2", "c-1", "a")));
                case ROUTER -> JSON.readTree("{\"name\":\"" + pick("lvs1", "lvs2", "lvs3") + "\",\"publicAddress\":\"192.168.26." + (2 + rnd.nextInt(5))
                        + "\",\"privateAddress\":\"10.11.12." + (240 + rnd.nextInt(9)) + "\",\"rolePreference\":\"" + pick("primary", "backup") + "\"}");
                case VS -> virtualServer();
                case RS -> JSON.readTree("{\"name\":\"" + pick("rs1", "rs2", "rs9", "rs-x") + "\",\"address\":\"10.11.12." + (3 + rnd.nextInt(50))
                        + "\",\"port\":" + pick("80", "8080") + ",\"weight\":" + rnd.nextInt(0, 10) + ",\"forwarding\":\"masq\",\"state\":\""
                        + pick("active", "drained") + "\"" + (rnd.nextBoolean() ? ",\"upperThreshold\":100,\"lowerThreshold\":50" : "") + "}");
                case WEIGHT -> JSON.readTree("{\"weight\":" + rnd.nextInt(0, 100) + "}");
                case MARK -> JSON.readTree("{\"mark\":" + pick("80", "81", "82") + ",\"protocol\":\"" + pick("tcp", "udp") + "\",\"address\":\"192.168.26."
                        + pick("11", "12", "13") + "\",\"ports\":[\"" + pick("443", "80", "6000-6010", "21") + "\"]}");
                case ROLLBACK -> JSON.readTree("{\"revision\":" + rnd.nextInt(1, 30) + "}");
                case TOKEN -> JSON.readTree("{\"name\":\"fz-" + rnd.nextInt(1000) + "\",\"role\":\"" + pick("viewer", "operator", "admin", "agent")
                        + "\"" + (rnd.nextBoolean() ? ",\"clusters\":[\"" + C + "\"]" : "") + (rnd.nextInt(4) == 0 ? ",\"router\":\"lvs2\"" : "")
                        + (rnd.nextInt(4) == 0 ? ",\"expiresAt\":\"2099-01-01T00:00:00Z\"" : "") + "}");
                case NONE -> F.objectNode();
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode virtualServer() throws IOException {
        ObjectNode vs = (ObjectNode) JSON.readTree("{\"name\":\"" + pick("web", "v1", "v2", "multi", "ssh") + "\",\"address\":\"192.168.26."
                + pick("10", "20", "21", "22") + "\",\"netmask\":\"255.255.255.0\",\"device\":\"" + pick("eth0:1", "eth0", "eth0:2", "bond0.100")
                + "\",\"port\":" + pick("80", "443", "22") + ",\"protocol\":\"tcp\",\"scheduler\":\"" + pick("wlc", "rr", "sh", "mh") + "\"}");
        if (rnd.nextBoolean()) vs.set("persistence", JSON.readTree("{\"timeoutSeconds\":300,\"netmask\":\"255.255.255.0\"}"));
        if (rnd.nextBoolean()) vs.set("sorryServer", JSON.readTree("{\"address\":\"10.11.12.99\",\"port\":8080}"));
        if (rnd.nextInt(3) == 0) vs.put("quorum", rnd.nextInt(3));
        if (rnd.nextInt(3) == 0) vs.put("quiesceOnFailure", rnd.nextBoolean());
        if (rnd.nextInt(4) == 0) vs.put("active", rnd.nextBoolean());
        String check = switch (rnd.nextInt(5)) {
            case 0 -> "{\"kind\":\"tcp\",\"intervalSeconds\":5,\"timeoutSeconds\":3,\"rise\":2,\"fall\":2}";
            case 1 -> "{\"kind\":\"http\",\"path\":\"/health?x=1\",\"expectStatus\":200,\"expect\":\"ok\",\"useRegex\":false}";
            case 2 -> "{\"kind\":\"expect\",\"send\":\"PING\\r\\n\",\"expect\":\"PONG\",\"useRegex\":false}";
            case 3 -> "{\"kind\":\"program\",\"program\":\"/usr/lib/lvscp/check-web %h %p\",\"expect\":\"up\"}";
            default -> null;
        };
        if (check != null) vs.set("healthCheck", JSON.readTree(check));
        return vs;
    }

    /** One change: a value replaced with something hostile, a field dropped or added, a type changed. */
    private JsonNode mutate(JsonNode body, Body kind) {
        if (!body.isContainerNode()) return body;
        List<String> pointers = new ArrayList<>();
        collect(body, "", pointers);
        String ptr = rnd.nextInt(3) == 0 ? pickList(kernelFields(kind)) : pickList(pointers);
        if (ptr == null || ptr.isEmpty()) return hostileValue();
        int slash = ptr.lastIndexOf('/');
        String parentPtr = ptr.substring(0, slash);
        String field = ptr.substring(slash + 1);
        JsonNode parent = body.at(parentPtr);
        if (parent.isMissingNode()) {
            // a kernel field the body lacks (another check kind): add the part of the body it would be in
            if (parentPtr.equals("/healthCheck")) {
                ((ObjectNode) body).set("healthCheck", F.objectNode().put("kind", pick("program", "expect", "http", "https", "tcp")));
                parent = body.at(parentPtr);
            } else if (parentPtr.equals("/ports")) {
                ((ObjectNode) body).set("ports", F.arrayNode().add("443"));
                parent = body.at(parentPtr);
            } else {
                return body;
            }
        }
        int op = rnd.nextInt(100);
        if (parent instanceof ObjectNode o) {
            if (op < 75) o.set(field, rnd.nextInt(3) == 0 ? hostileValue() : F.textNode(hostileString()));
            else if (op < 85) o.remove(field);
            else if (op < 95) o.set(pick("wieght", "__proto__", "constructor", "Name", "name ", "extra", hostileString()), hostileValue());
            else o.set(field, F.nullNode());
        } else if (parent instanceof ArrayNode a) {
            int i = field.matches("\\d+") ? Integer.parseInt(field) : 0;
            if (op < 10 && i < a.size()) a.set(i, F.nullNode());
            else if (op < 75 && i < a.size()) a.set(i, rnd.nextInt(3) == 0 ? hostileValue() : F.textNode(hostileString()));
            else if (op < 90) a.add(F.textNode(hostileString()));
            else for (int j = 0; j < rnd.nextInt(1000, 5000); j++) a.add(F.textNode("443"));
        }
        return body;
    }

    /** Every string in the body becomes an injection attempt at once. */
    private void injectEverywhere(JsonNode n) {
        if (n instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String f : names) {
                if (o.get(f).isTextual() && !f.equals("kind")) o.put(f, pick(INJECTIONS));
                else injectEverywhere(o.get(f));
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) a.set(i, F.textNode(pick(INJECTIONS)));
                else injectEverywhere(a.get(i));
            }
        }
    }

    /** The fields of each body that end up on a router's command lines, in its scripts or on the wire to a real server. */
    private static List<String> kernelFields(Body kind) {
        return switch (kind) {
            case CLUSTER -> List.of("/name", "/natRouter/address", "/natRouter/netmask", "/natRouter/device", "/heartbeat/port", "/routingMethod");
            case ROUTER -> List.of("/name", "/publicAddress", "/privateAddress");
            case VS -> List.of("/name", "/address", "/netmask", "/device", "/port", "/protocol", "/scheduler", "/firewallMark",
                    "/persistence/netmask", "/persistence/timeoutSeconds", "/sorryServer/address", "/sorryServer/port",
                    "/healthCheck/program", "/healthCheck/send", "/healthCheck/expect", "/healthCheck/path", "/healthCheck/kind");
            case RS -> List.of("/name", "/address", "/port", "/weight", "/forwarding", "/upperThreshold", "/lowerThreshold");
            case WEIGHT -> List.of("/weight");
            case MARK -> List.of("/mark", "/address", "/protocol", "/ports/0");
            case ROLLBACK -> List.of("/revision");
            case TOKEN -> List.of("/name", "/role", "/clusters/0", "/router", "/expiresAt");
            case NONE -> List.of();
        };
    }

    private static void collect(JsonNode n, String at, List<String> out) {
        if (n instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> {
                String p = at + "/" + e.getKey();
                out.add(p);
                collect(e.getValue(), p, out);
            });
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(at + "/" + i);
                collect(a.get(i), at + "/" + i, out);
            }
        }
    }

    String hostileString() {
        int k = rnd.nextInt(100);
        if (k < 45) return pick(INJECTIONS);
        if (k < 53) { // control characters
            StringBuilder b = new StringBuilder();
            for (int i = rnd.nextInt(1, 12); i > 0; i--) b.append((char) (rnd.nextBoolean() ? rnd.nextInt(0, 0x20) : rnd.nextInt(0x20, 0x7f)));
            return b.toString();
        }
        if (k < 62) { // any unicode but lone surrogates: astral planes, combining marks, bidi controls, private use
            StringBuilder b = new StringBuilder();
            for (int i = rnd.nextInt(1, 20); i > 0; i--) {
                int cp = switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextInt(0x80, 0x800);
                    case 1 -> rnd.nextInt(0x800, 0xd800);
                    case 2 -> rnd.nextInt(0xe000, 0x10000);
                    default -> rnd.nextInt(0x10000, 0x110000);
                };
                b.appendCodePoint(cp);
            }
            return b.toString();
        }
        if (k < 68) { // long
            int n = rnd.nextInt(20) == 0 ? 300_000 : pickInt(64, 65, 256, 1025, 4097, 65_537);
            return rnd.nextBoolean() ? "a".repeat(n) : randomFrom("abc-;$()` \n\u00e9", n);
        }
        if (k < 84) { // a valid value with something after it
            return pick("eth0", "10.11.12.9", "web", "80", "255.255.255.0", "/usr/lib/lvscp/check", "wlc", "443")
                    + pick("; reboot", " -X", "\n-A -t 1.1.1.1:1", "$(id)", "\u0000", " ", "\t-C", "\r\n", "`id`", " }", "\"", "'", ":1", ":-1");
        }
        if (k < 92) { // a valid value with something before it
            return pick("-", "--", " ", "\n", "$(id)", "\u0000", "\"", "../") + pick("eth0", "10.11.12.9", "web", "80", "/usr/lib/lvscp/check");
        }
        return randomFrom("abcdefghijklmnopqrstuvwxyz0123456789-_.:/ ;$&|<>'\"\\()[]{}*?!#%", rnd.nextInt(1, 40));
    }

    /** A value of any JSON type, often not the one the field has, or not JSON a strict parser reads. */
    JsonNode hostileValue() {
        return switch (rnd.nextInt(22)) {
            case 0, 1, 2, 3, 4, 5 -> F.textNode(hostileString());
            case 6 -> F.numberNode(pickInt(-1, 0, 1, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE));
            case 7 -> F.numberNode(pickLong(Long.MAX_VALUE, Long.MIN_VALUE, 4294967296L, 4294967295L, -4294967295L));
            case 8 -> F.numberNode(pick(1.5, -0.0, 1e308, 4.9e-324, 80.0));
            case 9 -> raw(pick("1e400", "-1e400", "99999999999999999999999999999", "9223372036854775808", "-9223372036854775809",
                    "1" + "0".repeat(5000), "0." + "1".repeat(2000), "1E+2", "0x50", "NaN", "Infinity", "-", "01", "+1", ".5"));
            case 10 -> F.booleanNode(rnd.nextBoolean());
            case 11 -> F.nullNode();
            case 12 -> F.arrayNode();
            case 13 -> F.objectNode();
            case 14 -> F.arrayNode().add(hostileString()).add(1).add(F.nullNode());
            case 15 -> F.objectNode().put(hostileString(), hostileString());
            case 16 -> { // deep arrays
                int depth = pickInt(10, 200, 999, 1001, 2000, 20_000);
                yield raw("[".repeat(depth) + "]".repeat(depth));
            }
            case 17 -> { // deep objects
                int depth = pickInt(10, 500, 1001, 5000);
                yield raw("{\"a\":".repeat(depth) + "1" + "}".repeat(depth));
            }
            case 18 -> raw("\"" + pick("\\u0000", "\\ud800", "\\udfff\\ud800", "\\u00", "\\x41", "\\", "\\uZZZZ", "\\/", "\t", "\n") + "\"");
            case 19 -> raw(pick("'single'", "undefined", "tru", "nul", "[1,]", "{\"a\":1,}", "/* c */ 1", "[1 2]", "\"\"\"\""));
            case 20 -> { // wide
                ArrayNode a = F.arrayNode();
                for (int i = rnd.nextInt(100, 20_000); i > 0; i--) a.add(i);
                yield a;
            }
            default -> F.textNode("x".repeat(rnd.nextInt(20) == 0 ? 500_000 : pickInt(1025, 70_000)));
        };
    }

    private static JsonNode raw(String text) {
        return new POJONode(new RawValue(text));
    }

    /** The serialised body, broken at the byte level. */
    private byte[] corrupt(byte[] json) {
        byte[] b = json.clone();
        int at = b.length == 0 ? 0 : rnd.nextInt(b.length);
        return switch (rnd.nextInt(12)) {
            case 0 -> java.util.Arrays.copyOf(b, at); // truncated
            case 1 -> splice(b, at, new byte[] {(byte) rnd.nextInt(256)}); // a random byte
            case 2 -> splice(b, at, pickBytes(new byte[] {(byte) 0xc3, 0x28}, new byte[] {(byte) 0xff}, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                    new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xc0, (byte) 0xaf}, new byte[] {0})); // invalid UTF-8
            case 3 -> concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, b); // BOM
            case 4 -> concat(b, pick(" x", "}", "{}", "\n\n[]", ",", "\u0000", " // c").getBytes(StandardCharsets.UTF_8)); // trailing content
            case 5 -> new String(b, StandardCharsets.UTF_8).replaceFirst(":", "=").getBytes(StandardCharsets.UTF_8);
            case 6 -> new String(b, StandardCharsets.UTF_8).replaceFirst("\\{", "{\"name\":\"dup\",").getBytes(StandardCharsets.UTF_8); // duplicate key
            case 7 -> new String(b, StandardCharsets.UTF_8).replace('"', '\'').getBytes(StandardCharsets.UTF_8);
            case 8 -> new String(b, StandardCharsets.UTF_16).getBytes(StandardCharsets.UTF_8); // mojibake
            case 9 -> new String(b, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16); // another encoding, same Content-Type
            case 10 -> { // a string left open with a newline in it
                String s = new String(b, StandardCharsets.UTF_8);
                int q = s.indexOf('"', s.indexOf(':') + 1);
                yield (q < 0 ? s : s.substring(0, q + 1) + "a\nb" + s.substring(q + 1)).getBytes(StandardCharsets.UTF_8);
            }
            default -> { // a valid body many times over in one
                StringBuilder s = new StringBuilder("[");
                for (int i = rnd.nextInt(2, 50); i > 0; i--) s.append(new String(b, StandardCharsets.UTF_8)).append(i > 1 ? "," : "");
                yield s.append("]").toString().getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    /** Bodies at and over the 1 MiB limit, as a JSON document that is otherwise the valid one. */
    private byte[] oversize(Body kind) {
        int size = pickInt((int) ApiServer.MAX_BODY_BYTES - 64, (int) ApiServer.MAX_BODY_BYTES + 1, (int) ApiServer.MAX_BODY_BYTES * 2, 3 * 1024 * 1024);
        JsonNode v = valid(kind);
        if (v instanceof ObjectNode o) o.put("padding", "p".repeat(size));
        return json(v);
    }

    private byte[] json(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- paths and queries ---------------------------------------------------------------------------------

    private String fill(String template, boolean deleting) {
        // Deletions aim mostly at names other than the fixtures', which the seed would only have to put back.
        int fixture = deleting ? 15 : 75;
        return template
                .replace("{c}", segment(rnd.nextInt(100) < fixture ? C : pick(OTHER, "fz2", "c-1", "a", "nope"), 88))
                .replace("{r}", segment(rnd.nextInt(100) < fixture ? pick("lvs1", "lvs2") : "lvs3", 88))
                .replace("{vs}", segment(rnd.nextInt(100) < fixture ? pick("web", "multi") : pick("v1", "v2", "ssh"), 88))
                .replace("{rs}", segment(rnd.nextInt(100) < fixture ? pick("rs1", "rs2") : pick("rs9", "rs-x"), 88))
                .replace("{mark}", segment(pick("80", "81", "82", "0", "-1", "4294967296", "abc", "1e3", "080", " 80"), 88))
                .replace("{id}", segment(!knownTokenIds.isEmpty() && rnd.nextBoolean() ? pickList(knownTokenIds)
                        : rnd.nextBoolean() ? randomFrom("abcdefghijklmnopqrstuvwxyz0123456789", 16) : pick("testadmin0000001", "x", "ABCDEFGHIJKLMNOP"), 88));
    }

    /** A path segment: usually the name given, else something hostile, percent-encoded (or not quite). */
    private String segment(String name, int keepPercent) {
        if (rnd.nextInt(100) < keepPercent) return name;
        String s = rnd.nextInt(4) == 0 ? pick("..", ".", "%2e%2e", "%2F", "%00", "%", "%zz", "%c0%af", "%ff", "a%2Fb", ";x=1", "%20", "~", "@")
                : hostileString();
        if (s.startsWith("%") || s.startsWith(";") || s.equals("..") || s.equals(".") || s.equals("~") || s.equals("@") || s.contains("%2")) return s;
        return encode(s, rnd.nextInt(3) == 0);
    }

    private String oddPath() {
        return switch (rnd.nextInt(16)) {
            case 0 -> "/";
            case 1 -> "";
            case 2 -> "//v1//clusters//" + C;
            case 3 -> "/v1/clusters/" + C + "/";
            case 4 -> "/v1/clusters/../tokens";
            case 5 -> "/v1/clusters/%2e%2e/tokens";
            case 6 -> "/v1/./clusters";
            case 7 -> "/V1/CLUSTERS";
            case 8 -> "/v1/clusters/" + C + "/virtual-servers/web/real-servers/rs1/weight/extra";
            case 9 -> "/v2/clusters";
            case 10 -> "/v1/" + "a/".repeat(rnd.nextInt(10, 1000));
            case 11 -> "/v1/clusters/" + "x".repeat(rnd.nextInt(64, 7000));
            case 12 -> "*";
            case 13 -> "http://127.0.0.1:" + cp.port() + "/v1/clusters";
            case 14 -> "/healthz/../v1/tokens";
            default -> "/" + encode(hostileString(), rnd.nextBoolean());
        };
    }

    private static final List<String> PARAMS = List.of("dryRun", "cursor", "after", "cluster", "type", "actor", "since", "until", "limit",
            "revision", "at", "from", "to");

    private String query(Route route) {
        int k = rnd.nextInt(100);
        boolean write = !route.method().equals("GET");
        if (write && k < 20) return "?dryRun=true";
        if (k < 50 && !route.template().equals("/v1/events") && !route.template().endsWith("/state") && !route.template().endsWith("/diff")) return "";
        StringBuilder q = new StringBuilder("?");
        if (route.template().endsWith("/state")) q.append(pick("revision=1", "at=2026-01-01T00:00:00Z", "revision=1&at=2026-01-01T00:00:00Z", "")).append('&');
        if (route.template().endsWith("/diff")) q.append(pick("from=1", "from=1&to=2", "from=0", "")).append('&');
        for (int i = rnd.nextInt(0, 4); i > 0; i--) {
            String name = rnd.nextInt(6) == 0 ? encode(hostileString(), false) : pickList(PARAMS);
            String value = switch (rnd.nextInt(6)) {
                case 0 -> pick("true", "false", "1", "0", "-1", "9223372036854775808", "2026-01-01T00:00:00Z", "1000", "1001", C, "RealServerDrained");
                case 1 -> pick("%zz", "%", "%00", "%ff%fe", "a%2", "+", "%2B", "", "=", "&");
                case 2 -> "x".repeat(rnd.nextInt(100, 6000));
                default -> encode(hostileString(), rnd.nextBoolean());
            };
            q.append(name).append(rnd.nextInt(15) == 0 ? "" : "=" + value).append('&');
        }
        if (rnd.nextInt(10) == 0) q.append(pick("&&", "=", "dryRun&dryRun=true", "dryRun=TRUE", "dryRun=true&dryRun=false", ";", "#frag"));
        String s = q.toString();
        return s.equals("?") ? pick("", "?") : s.endsWith("&") ? s.substring(0, s.length() - 1) : s;
    }

    /** Percent-encodes UTF-8 bytes; {@code loose} leaves sub-delimiters and a few others as they are. */
    private static String encode(String s, boolean loose) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            boolean unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
            boolean subDelim = "!$&'()*+,;=:@".indexOf(c) >= 0;
            if (unreserved || (loose && subDelim)) b.append((char) c);
            else b.append('%').append(String.format("%02X", c));
        }
        return b.toString();
    }

    // ---- framing -------------------------------------------------------------------------------------------

    /** HTTP that a parser must refuse, or read carefully: each on a connection of its own. */
    private Req framing() {
        Req q = new Req("framing");
        q.method = "RAW";
        q.target = "";
        // Each asks the server to close the connection after its (last) response, so that reading to the end of the
        // stream collects every response without waiting on a timer.
        String auth = "Authorization: Bearer " + adminToken + "\r\nConnection: close\r\n";
        String host = "Host: 127.0.0.1\r\n";
        String body = "{\"weight\":3}";
        String put = "PUT /v1/clusters/" + C + "/virtual-servers/web/real-servers/rs1/weight HTTP/1.1\r\n" + host + auth + "Content-Type: application/json\r\n";
        String get = "GET /v1/clusters HTTP/1.1\r\n";
        String s = switch (rnd.nextInt(30)) {
            case 0 -> "GARBAGE\r\n\r\n";
            case 1 -> "GET /v1/clusters/a b HTTP/1.1\r\n" + host + auth + "\r\n";
            case 2 -> "GET /v1/clusters HTTP/2.0\r\n" + host + auth + "\r\n";
            case 3 -> "GET /v1/clusters HTTP/1.1x\r\n" + host + auth + "\r\n";
            case 4 -> "GET /v1/clusters\r\n\r\n"; // HTTP/0.9
            case 5 -> get + host + "Bad Header: x\r\n" + auth + "\r\n";
            case 6 -> get + host + "NoColon\r\n" + auth + "\r\n";
            case 7 -> get + host + "X-Ctl: a\u0001b\u007f\r\n" + auth + "\r\n";
            case 8 -> get.replace("\r", "") + host.replace("\r", "") + auth.replace("\r", "") + "\n"; // bare LF
            case 9 -> put + "Content-Length: -1\r\n\r\n" + body;
            case 10 -> put + "Content-Length: abc\r\n\r\n" + body;
            case 11 -> put + "Content-Length: 12\r\nContent-Length: 5\r\n\r\n" + body;
            case 12 -> put + "Content-Length: 12\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n" + body + "\r\n0\r\n\r\n"; // smuggling shape
            case 13 -> put + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n";
            case 14 -> put + "Content-Length: 200\r\n\r\n" + body; // cut short: the client hangs up
            case 15 -> put + "Content-Length: 5\r\n\r\n" + body; // the rest is a second, broken, request
            case 16 -> get + auth + "\r\n"; // no Host
            case 17 -> get + host + "X-Long: " + "l".repeat(20_000) + "\r\n" + auth + "\r\n";
            case 18 -> "GET /v1/" + "u".repeat(9000) + " HTTP/1.1\r\n" + host + auth + "\r\n";
            case 19 -> (get + host + auth.replace("Connection: close\r\n", "") + "\r\n").repeat(2) + get + host + auth + "\r\n"; // pipelined
            case 20 -> "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
            case 21 -> "CONNECT 127.0.0.1:1 HTTP/1.1\r\n" + host + auth + "\r\n";
            case 22 -> "OPTIONS * HTTP/1.1\r\n" + host + auth + "\r\n";
            case 23 -> get + host + "Transfer-Encoding: gzip, chunked\r\n" + auth + "\r\n0\r\n\r\n";
            case 24 -> "GET /v1/clusters/\u00e9\u0000 HTTP/1.1\r\n" + host + auth + "\r\n";
            case 25 -> get + host + " folded: line\r\n" + auth + "\r\n"; // obsolete line folding
            case 26 -> "GET /healthz HTTP/1.0\r\n\r\n"; // HTTP/1.0 without Host, as simple health checkers send it
            case 27 -> get + host + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n" + auth + "\r\n"; // no h2c: answered in HTTP/1.1
            case 28 -> put + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\nX-Trailer: \u0001\r\n\r\n";
            default -> put + "Content-Length: 12\r\nExpect: 100-continue\r\n\r\n" + body;
        };
        // Bytes as written: the Latin-1 escapes above are single raw bytes, as a sloppy client would send them.
        q.raw = s.getBytes(StandardCharsets.ISO_8859_1);
        // A request cut short (the server waits for the rest, then sees the end), or whose chunked body breaks off, ends
        // with the connection: where the next request would start is not known, so there is no one to answer.
        q.mayGoUnanswered = s.contains("Content-Length: 200") || s.contains("\r\n\r\nzz\r\n") || s.contains("X-Trailer: \u0001");
        q.notHttp1 = s.contains("HTTP/2.0\r\n");
        return q;
    }

    // ---- small helpers -------------------------------------------------------------------------------------

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[rnd.nextInt(options.length)];
    }

    private <T> T pickList(List<T> options) {
        return options.isEmpty() ? null : options.get(rnd.nextInt(options.size()));
    }

    private int pickInt(int... options) {
        return options[rnd.nextInt(options.length)];
    }

    private long pickLong(long... options) {
        return options[rnd.nextInt(options.length)];
    }

    private byte[] pickBytes(byte[]... options) {
        return options[rnd.nextInt(options.length)];
    }

    private String randomFrom(String alphabet, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        return b.toString();
    }

    private static int countOf(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }

    /** Header values may carry any byte but CR, LF and NUL without breaking the request apart. */
    private static boolean headerSafe(String v) {
        return v.indexOf('\r') < 0 && v.indexOf('\n') < 0 && v.indexOf('\u0000') < 0;
    }

    private static String escapeHeader(String v) {
        return v.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
    }

    private static byte[] splice(byte[] b, int at, byte[] insert) {
        byte[] out = new byte[b.length + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at, out, at + insert.length, b.length - at);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void write(ByteArrayOutputStream b, byte[] bytes) {
        b.write(bytes, 0, bytes.length);
    }

    static String printable(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            if (c == '\n') b.append("\\n");
            else if (c == '\r') b.append("\\r");
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        if (b.length() >= max) b.append("… (").append(s.length()).append(" chars)");
        return b.toString();
    }

    /**
     * The long run, outside JUnit, against a control plane of its own on an embedded PostgreSQL:
     * {@code java ... Fuzzer [requests] [seed]}, or the system properties fuzz.requests and fuzz.seed.
     * Exits 1 if anything was wrong.
     */
    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : Integer.getInteger("fuzz.requests", 200_000);
        long seed = args.length > 1 ? Long.parseLong(args[1]) : Long.getLong("fuzz.seed", DEFAULT_SEED);
        Result r;
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            r = new Fuzzer(cp, seed).run(requests);
        }
        System.out.println("fuzz seed " + seed + ": " + r.summary());
        System.exit(r.failures.isEmpty() ? 0 : 1);
    }
}
