package io.lvscp.agent.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.agent.Agent;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.DesiredTable;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.dataplane.ipvs.IpvsDriver;
import io.lvscp.agent.dataplane.nft.NftablesDriver;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.failover.Announcer;
import io.lvscp.agent.health.CheckSpec;
import io.lvscp.agent.host.FirewallMarkRules;
import io.lvscp.agent.host.HostNetwork;
import io.lvscp.agent.host.Vip;
import io.lvscp.agent.metrics.AgentMetrics;
import io.lvscp.agent.reconcile.OwnedServices;
import io.lvscp.agent.reconcile.Reconciler;
import io.lvscp.agent.state.StateStore;
import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.event.ClusterEvents;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.FirewallMark;
import io.lvscp.api.model.HealthCheck;
import io.lvscp.api.model.HealthCheckKind;
import io.lvscp.api.model.KernelInputs;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.VirtualServerSpec;
import io.lvscp.api.model.VirtualServerState;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A virtual server, device, label, address or check text crafted to inject a shell command, an ipvsadm or nft
 * argument, or a second script line never reaches a router's command line as an injected argument:
 * <ol>
 *   <li>the API refuses every such value (4xx, nothing appended);</li>
 *   <li>a state that holds them anyway, as a control plane with a bug, or a compromised control plane or database,
 *       would send it, is refused by the agent before any command runs for it, and nacked; the kernel, the checks
 *       and the failover keep the last good revision;</li>
 *   <li>below that check, each layer holds on its own: every field is one argv element in a value position (no
 *       shell ever parses it), and the ipvsadm -R and nft -f scripts, fed on stdin, refuse any value that is not an
 *       address literal, a number or a fixed word, so no newline, quote or brace can end a line or a block.</li>
 * </ol>
 * The commands go to a recording runner: nothing here touches the kernel.
 */
class InjectionTest {
    /** What each field is tried with: shell, option and script-line injections, and a few that only look odd. */
    static final List<String> DEVICES = List.of("eth0; rm -rf /", "eth0 -X", "-X", "--help", "$(reboot)", "`reboot`", "eth0|id",
            "eth0\nip link del eth0", "eth0:1;reboot", "eth0:$(id)", "eth0:1 label x", "eth0\u0000", "../../etc", "eth0/../lo",
            "x/../../../kernel", "eth0:1:2", "0123456789abcdef", "");
    static final List<String> ADDRESSES = List.of("10.11.12.9; reboot", "10.11.12.9 -h", "-10.11.12.9", "-w1", "10.11.12.9/32",
            "10.11.12.9\n-A -t 1.1.1.1:1 -s rr", "10.11.12.9 } ; flush ruleset ; {", "fe80::1%eth0", "localhost", "0x7f.1", "");
    static final List<String> PROGRAMS = List.of("sh -c reboot", "$(reboot)", "/bin/check\n/bin/reboot", "/bin/ch\u0000eck %h",
            "-s KILL /bin/sh", "--foreground /bin/sh", "~/check", "check.sh");
    static final List<String> HTTP_PATHS = List.of("/x HTTP/1.0\r\nHost: evil\r\n\r\nGET /", "/a b", "x", "/\u0000", "/é");
    static final List<String> TEXTS = List.of("PING\u0000", "\u0001\u0002", "x".repeat(KernelInputs.MAX_TEXT + 1), "\u001b[2J");
    static final List<String> PORTS = List.of("443 }\nflush ruleset\n", "80 } ; flush ruleset", "443\n", "80,443", "-1", "0", "1-65536x");

    // ---- 1. the API -------------------------------------------------------------------------------------------

    @Test
    void theApiRefusesEveryCraftedValueAndAppendsNothing() {
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            seed(cp);
            int before = events(cp);
            List<String> accepted = new ArrayList<>();
            String vs = "/v1/clusters/inj/virtual-servers";
            for (String d : DEVICES) {
                refused(cp, accepted, "POST", vs, vsBody("v9", "192.168.26.20", d, null));
                refused(cp, accepted, "PUT", "/v1/clusters/inj", clusterBody(d));
            }
            for (String a : ADDRESSES) {
                refused(cp, accepted, "POST", vs, vsBody("v9", a, "eth0:2", null));
                refused(cp, accepted, "POST", vs + "/web/real-servers", "{\"name\":\"rs9\",\"address\":" + q(a) + "}");
                refused(cp, accepted, "POST", "/v1/clusters/inj/routers", "{\"name\":\"lvs9\",\"publicAddress\":" + q(a) + "}");
            }
            for (String name : List.of("web; reboot", "-web", "WEB", "web\n", "$(id)", "a/../b")) {
                refused(cp, accepted, "POST", vs, vsBody(name, "192.168.26.20", "eth0:2", null));
                refused(cp, accepted, "POST", vs + "/web/real-servers", "{\"name\":" + q(name) + ",\"address\":\"10.11.12.9\"}");
            }
            for (String p : PROGRAMS) refused(cp, accepted, "PUT", vs + "/web", vsBody("web", "192.168.26.10", "eth0:1", check("program", "program", p)));
            for (String p : HTTP_PATHS) refused(cp, accepted, "PUT", vs + "/web", vsBody("web", "192.168.26.10", "eth0:1", check("http", "path", p)));
            for (String t : TEXTS) refused(cp, accepted, "PUT", vs + "/web", vsBody("web", "192.168.26.10", "eth0:1", check("expect", "send", t)));
            for (String p : PORTS) {
                refused(cp, accepted, "POST", "/v1/clusters/inj/firewall-marks",
                        "{\"mark\":81,\"address\":\"192.168.26.30\",\"ports\":[" + q(p) + "]}");
            }
            refused(cp, accepted, "PUT", vs + "/web", vsBody("web", "192.168.26.10", "eth0:1", null)
                    .replace("}", ",\"persistence\":{\"timeoutSeconds\":60,\"netmask\":\"255.255.255.0 -p 1\"}}"));
            assertEquals(List.of(), accepted, "the API accepted crafted values");
            assertEquals(before, events(cp), "a refused request appended events");
            // Every state the API holds passes the agent's own check.
            assertEquals(List.of(), KernelInputs.problems(cp.controlPlane().projections().get("inj")));
        }
    }

    private static void refused(RunningControlPlane cp, List<String> accepted, String method, String path, String body) {
        int status = Api.badInput(cp).contentType("application/json").body(body).request(method, path).then().extract().statusCode();
        if (status < 400 || status >= 500) accepted.add(status + " " + method + " " + path + " " + body);
    }

    // ---- 2. the agent's boundary ------------------------------------------------------------------------------

    @Test
    void aCraftedStateThatBypassedTheApiIsNackedBeforeAnyCommandRuns() throws Exception {
        Path dir = Files.createTempDirectory("lvscp-injection");
        Recorder runner = new Recorder();
        Vertx vertx = Vertx.vertx();
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            seed(cp);
            AgentConfig config = new AgentConfig(cp.baseUrl(), "inj", "lvs1", "ipvs", dir.toString(), Map.of(), null, -1, "127.0.0.1", 0.3, 0.5)
                    .withDefaults().withToken(cp.agentToken("inj", "lvs1"));
            Reconciler reconciler = new Reconciler(new IpvsDriver(runner), new FirewallMarkRules(runner),
                    new HostNetwork(runner, config::device, dir), new OwnedServices(dir));
            Agent agent = new Agent(vertx, config, reconciler, new StateStore(dir), new AgentMetrics("inj", "lvs1", "ipvs"));
            agent.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            long first = revision(cp);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> agent.appliedRevision() == first);
            long good = first;
            assertTrue(runner.snapshot().stream().anyMatch(c -> c.argv().equals(List.of("ip", "-batch", "-"))
                    && c.stdin().lines().anyMatch("address add 192.168.26.10/24 dev eth0 label eth0:1"::equals)), runner.calls.toString());

            VirtualServerSpec web = cp.controlPlane().projections().get("inj").virtualServers().get("web").spec();
            // Each crafted event, and the value of it that must reach no command line and no script.
            Map<ClusterEvent, String> crafted = new java.util.LinkedHashMap<>();
            for (String d : List.of("eth0; rm -rf /", "-X", "eth0:$(reboot)", "eth0\nip link del eth0", "x/../../../kernel")) {
                crafted.put(new ClusterEvents.VirtualServerChanged(withDevice(web, d)), d);
            }
            crafted.put(new ClusterEvents.VirtualServerChanged(withAddress(web, "-w1")), "-w1");
            crafted.put(new ClusterEvents.VirtualServerChanged(withCheck(web, new HealthCheck(HealthCheckKind.program, null, null, null, null, null,
                    "sh -c reboot", null, null, null, null, null))), "reboot");
            crafted.put(new ClusterEvents.RealServerChanged("web", new RealServer("rs1", "10.11.12.1\n-D -t 192.168.26.10:80", 80, 1, null, null, 0, 0, null)
                    .withDefaults("rs1", 80, RoutingMethod.nat)), "-D -t");
            crafted.put(new ClusterEvents.FirewallMarkAdded(new FirewallMark(81L, Protocol.tcp, "192.168.26.30", List.of("443 }\nflush ruleset\n"))),
                    "flush ruleset");

            for (Map.Entry<ClusterEvent, String> entry : crafted.entrySet()) {
                ClusterEvent e = entry.getKey();
                runner.clear();
                long bad = TestPostgres.appendDirectly(cp.databaseUrl(), "inj", e, "tampered", true);
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> agent.desiredRevision() == bad && agent.lastError() != null
                        && agent.lastError().startsWith("refused before any command ran"));
                Thread.sleep(700); // two periodic passes more: they must not run it either
                assertEquals(good, agent.appliedRevision(), e.toString());
                assertEquals(good, agent.desired().revision(), "the checks and failover keep the last good state");
                // The periodic passes go on correcting the kernel toward the last good revision (this recorder forgets what
                // it was told, so they rewrite it); nothing they run carries the crafted value.
                for (Call c : runner.snapshot()) {
                    assertTrue(c.argv().stream().noneMatch(a -> a.contains(entry.getValue())) && (c.stdin() == null || !c.stdin().contains(entry.getValue())),
                            "ran " + c + " for the refused " + e);
                    assertFalse(c.argv().contains("label") && !c.argv().contains("eth0:1") && !c.argv().contains("eth1:1"), c.toString());
                }
                // Undo it (as an operator would, through the API's own writes), so that the next one starts from a good state.
                good = TestPostgres.appendDirectly(cp.databaseUrl(), "inj", undo(e, web), "tampered", true);
                long want = good;
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> agent.appliedRevision() == want);
            }
            // The control plane heard the refusals: the router's status shows the last one.
            String status = io.restassured.RestAssured.given().baseUri(cp.baseUrl()).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN)
                    .get("/v1/clusters/inj/routers/lvs1").then().statusCode(200).extract().asString();
            assertTrue(status.contains("refused before any command ran"), status);
            agent.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theAgentsCheckNamesTheFieldOfEveryCraftedValue() {
        ClusterState good = natCluster();
        assertEquals(List.of(), KernelInputs.problems(good));
        VirtualServerSpec web = good.virtualServers().get("web").spec();
        for (String d : DEVICES) assertRefused(good, withDevice(web, d), "device");
        for (String a : ADDRESSES) assertRefused(good, withAddress(web, a), "address");
        for (String p : PROGRAMS) {
            assertRefused(good, withCheck(web, new HealthCheck(HealthCheckKind.program, null, null, null, null, null, p, null, null, null, null, null)), "program");
        }
        for (String p : HTTP_PATHS) {
            assertRefused(good, withCheck(web, new HealthCheck(HealthCheckKind.http, p, 200, null, null, null, null, null, null, null, null, null)), "path");
        }
        for (String t : TEXTS) {
            assertRefused(good, withCheck(web, new HealthCheck(HealthCheckKind.expect, null, null, t, null, null, null, null, null, null, null, null)), "send");
        }
        for (String p : PORTS) {
            List<String> problems = KernelInputs.problems(good.withFirewallMark(new FirewallMark(81L, Protocol.tcp, "192.168.26.30", List.of(p))));
            assertFalse(problems.isEmpty(), p);
            assertTrue(problems.get(0).contains("port"), problems.toString());
        }
        // A snapshot is read as any JSON would be: nothing in the parsing refuses a crafted value, the check does.
        String snapshot = Json.mapper().valueToTree(good.withVirtualServer(good.virtualServers().get("web").withSpec(withDevice(web, "-X")))).toString();
        ClusterState parsed;
        try {
            parsed = Json.mapper().readValue(snapshot, ClusterState.class);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertEquals("-X", parsed.virtualServers().get("web").spec().device());
        assertFalse(KernelInputs.problems(parsed).isEmpty());
    }

    private static void assertRefused(ClusterState good, VirtualServerSpec crafted, String field) {
        List<String> problems = KernelInputs.problems(good.withVirtualServer(good.virtualServers().get("web").withSpec(crafted)));
        assertFalse(problems.isEmpty(), "accepted " + crafted);
        assertTrue(problems.stream().anyMatch(p -> p.contains(field)), problems.toString());
        assertTrue(problems.stream().noneMatch(p -> p.contains("\n") || p.contains("\u0000")), "a problem line carries the raw value: " + problems);
    }

    // ---- 3. each layer on its own, without the agent's check ---------------------------------------------------

    @Test
    void everyFieldIsOneArgvElementInAValuePosition() {
        for (String d : DEVICES) {
            if (d.isEmpty() || d.contains("/")) continue; // not a device the host could hold (and refused by the check)
            Recorder runner = new Recorder();
            Path dir = tempDir();
            ClusterState crafted = natCluster();
            crafted = crafted.withVirtualServer(crafted.virtualServers().get("web").withSpec(withDevice(crafted.virtualServers().get("web").spec(), d)));
            try {
                new HostNetwork(runner, x -> x, dir).apply(crafted, true);
            } catch (RuntimeException ignored) {
                // a device the host lacks fails; what matters is the argv it was tried with
            }
            String base = d.contains(":") ? d.substring(0, d.indexOf(':')) : d;
            for (Call c : runner.snapshot()) {
                if (!c.argv().equals(List.of("ip", "-batch", "-"))) continue;
                // exactly: address add CIDR dev DEVICE [label LABEL], one a line; the device and label whole words
                for (String line : c.stdin().lines().toList()) {
                    List<String> w = List.of(line.split(" "));
                    assertEquals("dev", w.get(3), line);
                    if (w.get(2).startsWith("192.168.26.10/")) {
                        assertEquals(base, w.get(4), line);
                        if (w.size() > 5) assertEquals(List.of("label", d), w.subList(5, 7), line);
                        assertTrue(w.size() == 5 || w.size() == 7, line);
                    }
                }
            }
        }
        // ip -batch takes a script: a word that could split, comment or quote is refused before it is written.
        for (String bad : List.of("eth0 label x", "eth0#", "eth0\"", "-force", "eth0\nrule", "")) {
            assertThrows(IllegalArgumentException.class, () -> HostNetwork.batchScript(List.of(List.of("address", "add", "10.0.0.1/24", "dev", bad))), bad);
        }
        // arping: the device after -I, the address last; a VIP address is a literal (the check refuses "-w1"), so the
        // one positional argument cannot turn into an option.
        assertEquals(List.of("arping", "-U", "-c", "3", "-I", "eth0 -X", "192.168.26.10"),
                Announcer.arping(new Vip("192.168.26.10", 24, "eth0 -X", null)));
        // A check program: split on whitespace into its own argv, after timeout's duration (timeout reads no option past
        // it), so it can name a program and its arguments, never timeout's options; no shell ever sees the text.
        VirtualServerSpec spec = withCheck(natCluster().virtualServers().get("web").spec(),
                new HealthCheck(HealthCheckKind.program, null, null, null, null, null, "/usr/lib/lvscp/check %h $(reboot);id", null, null, null, null, null));
        CheckSpec check = CheckSpec.of(spec, new RealServer("rs1", "10.11.12.1", 80, 1, null, null, 0, 0, null), 1000).orElseThrow();
        assertEquals(List.of("/usr/lib/lvscp/check", "10.11.12.1", "$(reboot);id"), check.program());
    }

    @Test
    void theIpvsadmRestoreScriptCannotBeBrokenOutOf() {
        Recorder runner = new Recorder();
        IpvsDriver driver = new IpvsDriver(runner);
        ClusterState good = natCluster();
        for (String a : ADDRESSES) {
            // the VIP, a real server, and the persistence netmask, each crafted in turn
            VirtualServerSpec web = good.virtualServers().get("web").spec();
            List<ClusterState> crafted = List.of(
                    good.withVirtualServer(good.virtualServers().get("web").withSpec(withAddress(web, a))),
                    good.withVirtualServer(good.virtualServers().get("web").withRealServer(
                            new RealServer("rs1", a, 80, 1, null, null, 0, 0, null).withDefaults("rs1", 80, RoutingMethod.nat))));
            for (ClusterState s : crafted) {
                ServiceTable table = DesiredTable.from(s);
                assertFalse(driver.unsupported(table).isEmpty(), "ipvs would program " + a);
                assertThrows(IllegalArgumentException.class, () -> driver.apply(ServiceTable.EMPTY, table));
            }
        }
        VirtualServerSpec web = good.virtualServers().get("web").spec();
        VirtualServerSpec persistent = new VirtualServerSpec(web.name(), web.address(), web.netmask(), web.device(), web.port(), web.protocol(),
                web.firewallMark(), web.scheduler(), new io.lvscp.api.model.Persistence(60, "255.255.255.0\n-C"), web.healthCheck(),
                web.quiesceOnFailure(), web.sorryServer(), web.active(), web.quorum());
        ServiceTable table = DesiredTable.from(good.withVirtualServer(good.virtualServers().get("web").withSpec(persistent)));
        assertThrows(IllegalArgumentException.class, () -> driver.apply(ServiceTable.EMPTY, table));
        assertEquals(List.of(), runner.snapshot(), "nothing reached ipvsadm");
        // The good state's script: one line per rule, every token an option, an address literal or a number.
        driver.apply(ServiceTable.EMPTY, DesiredTable.from(good));
        String script = runner.snapshot().get(0).stdin();
        for (String line : script.split("\n")) assertTrue(line.matches("-[aA] (-[tuf] [0-9a-f.:\\[\\]]+)( -[a-zA-Z] [0-9a-z.:\\[\\]]+| -[mgi])*"), line);
    }

    @Test
    void theNftScriptsCannotBeBrokenOutOf() {
        Recorder runner = new Recorder();
        ClusterState good = natCluster();
        NftablesDriver nft = new NftablesDriver(runner);
        VirtualServerSpec web = good.virtualServers().get("web").spec();
        for (String a : ADDRESSES) {
            ServiceTable vip = DesiredTable.from(good.withVirtualServer(good.virtualServers().get("web").withSpec(withAddress(web, a))));
            assertFalse(nft.unsupported(vip).isEmpty(), "nftables would program VIP " + a);
            ServiceTable rs = DesiredTable.from(good.withVirtualServer(good.virtualServers().get("web").withRealServer(
                    new RealServer("rs1", a, 80, 1, null, null, 0, 0, null).withDefaults("rs1", 80, RoutingMethod.nat))));
            assertFalse(nft.unsupported(rs).isEmpty(), "nftables would program real server " + a);
        }
        FirewallMarkRules marks = new FirewallMarkRules(runner);
        for (String p : PORTS) {
            List<FirewallMark> crafted = List.of(new FirewallMark(81L, Protocol.tcp, "192.168.26.30", List.of(p)));
            if (p.equals("443\n") || p.equals("0")) {
                // read as the number it is: the rule holds the number, never the newline (the API and the check refuse both)
                assertEquals(List.of(p.strip()), FirewallMarkRules.canonical(crafted).get(0).ports());
                continue;
            }
            assertThrows(IllegalArgumentException.class, () -> marks.apply(crafted), p);
        }
        for (String a : ADDRESSES) {
            assertThrows(IllegalArgumentException.class, () -> marks.apply(List.of(new FirewallMark(81L, Protocol.tcp, a, List.of("443")))), a);
        }
        assertEquals(List.of(), runner.snapshot(), "nothing reached nft");
    }

    // ---- fixtures ---------------------------------------------------------------------------------------------

    private static void seed(RunningControlPlane cp) {
        Api.given(cp).body(clusterBody("eth1:1")).post("/v1/clusters").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.250\"}")
                .post("/v1/clusters/inj/routers").then().statusCode(201);
        Api.given(cp).body(vsBody("web", "192.168.26.10", "eth0:1", "{\"kind\":\"none\"}")).post("/v1/clusters/inj/virtual-servers").then().statusCode(201);
        Api.given(cp).body("{\"name\":\"rs1\",\"address\":\"10.11.12.1\"}").post("/v1/clusters/inj/virtual-servers/web/real-servers").then().statusCode(201);
    }

    private static String clusterBody(String natDevice) {
        return "{\"name\":\"inj\",\"routingMethod\":\"nat\",\"natRouter\":{\"address\":\"10.11.12.10\",\"netmask\":\"255.255.255.0\",\"device\":"
                + q(natDevice) + "},\"heartbeat\":{\"port\":539,\"keepaliveSeconds\":6,\"deadtimeSeconds\":18}}";
    }

    private static String vsBody(String name, String address, String device, String check) {
        return "{\"name\":" + q(name) + ",\"address\":" + q(address) + ",\"netmask\":\"255.255.255.0\",\"device\":"
                + q(device) + ",\"port\":80" + (check == null ? "" : ",\"healthCheck\":" + check) + "}";
    }

    private static String check(String kind, String field, String value) {
        return "{\"kind\":\"" + kind + "\",\"" + field + "\":" + q(value) + "}";
    }

    /** The seed's NAT cluster as an agent would receive it, built without the API. */
    static ClusterState natCluster() {
        ClusterState s = ClusterState.absent("inj").apply(new ClusterEvents.ClusterCreated(new io.lvscp.api.model.ClusterSettings("inj", RoutingMethod.nat,
                new io.lvscp.api.model.NatRouter("10.11.12.10", "255.255.255.0", "eth1:1"), new io.lvscp.api.model.Heartbeat(539, 6, 18, null))));
        VirtualServerSpec web = new VirtualServerSpec("web", "192.168.26.10", "255.255.255.0", "eth0:1", 80, null, null, null, null,
                new HealthCheck(HealthCheckKind.none, null, null, null, null, null, null, null, null, null, null, null), null, null, null, null).withDefaults("web");
        return s.withVirtualServer(VirtualServerState.of(web).withRealServer(
                new RealServer("rs1", "10.11.12.1", null, 1, null, null, null, null, null).withDefaults("rs1", 80, RoutingMethod.nat)));
    }

    static VirtualServerSpec withDevice(VirtualServerSpec s, String device) {
        return new VirtualServerSpec(s.name(), s.address(), s.netmask(), device, s.port(), s.protocol(), s.firewallMark(), s.scheduler(),
                s.persistence(), s.healthCheck(), s.quiesceOnFailure(), s.sorryServer(), s.active(), s.quorum());
    }

    static VirtualServerSpec withAddress(VirtualServerSpec s, String address) {
        return new VirtualServerSpec(s.name(), address, s.netmask(), s.device(), s.port(), s.protocol(), s.firewallMark(), s.scheduler(),
                s.persistence(), s.healthCheck(), s.quiesceOnFailure(), s.sorryServer(), s.active(), s.quorum());
    }

    static VirtualServerSpec withCheck(VirtualServerSpec s, HealthCheck check) {
        return new VirtualServerSpec(s.name(), s.address(), s.netmask(), s.device(), s.port(), s.protocol(), s.firewallMark(), s.scheduler(),
                s.persistence(), check, s.quiesceOnFailure(), s.sorryServer(), s.active(), s.quorum());
    }

    private static ClusterEvent undo(ClusterEvent e, VirtualServerSpec web) {
        if (e instanceof ClusterEvents.FirewallMarkAdded m) return new ClusterEvents.FirewallMarkRemoved(m.firewallMark().mark());
        if (e instanceof ClusterEvents.RealServerChanged) {
            return new ClusterEvents.RealServerChanged("web", new RealServer("rs1", "10.11.12.1", 80, 1, null, null, 0, 0, null).withDefaults("rs1", 80, RoutingMethod.nat));
        }
        return new ClusterEvents.VirtualServerChanged(web);
    }


    /** A JSON string literal. */
    private static String q(String s) {
        try {
            return Json.mapper().writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** From the projection: the API would answer the crafted state, which its contract (rightly) says it never holds. */
    private static long revision(RunningControlPlane cp) {
        return cp.controlPlane().projections().get("inj").revision();
    }

    private static int events(RunningControlPlane cp) {
        return Api.given(cp).queryParam("limit", 1000).get("/v1/events").then().statusCode(200).extract().jsonPath().getList("items").size();
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("lvscp-injection");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    record Call(List<String> argv, String stdin) {}

    /** Records every command and answers as an empty host would: no tables, no addresses, forwarding on. */
    static final class Recorder implements CommandRunner {
        final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public CommandResult run(List<String> argv, String stdin) {
            calls.add(new Call(List.copyOf(argv), stdin));
            if (argv.get(0).equals("nft") && argv.contains("list")) return new CommandResult(argv, 1, "", "Error: No such file or directory");
            if (argv.get(0).equals("ip") && argv.contains("-j")) return new CommandResult(argv, 0, "[]", "");
            if (argv.get(0).equals("sysctl") && argv.get(1).equals("-n")) return new CommandResult(argv, 0, "1\n".repeat(argv.size() - 2), "");
            return new CommandResult(argv, 0, "", "");
        }

        boolean ran(String... argv) {
            return snapshot().stream().anyMatch(c -> c.argv().equals(List.of(argv)));
        }

        List<Call> snapshot() {
            synchronized (calls) {
                return List.copyOf(calls);
            }
        }

        void clear() {
            calls.clear();
        }

        @Override
        public String where() {
            return "recorder";
        }
    }
}
