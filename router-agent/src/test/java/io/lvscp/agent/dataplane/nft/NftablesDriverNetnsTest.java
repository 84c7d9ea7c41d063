package io.lvscp.agent.dataplane.nft;

import static io.lvscp.agent.dataplane.nft.NftablesDriverTest.rs;
import static io.lvscp.agent.dataplane.nft.NftablesDriverTest.service;
import static io.lvscp.agent.dataplane.nft.NftablesDriverTest.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.agent.host.FirewallMarkRules;
import io.lvscp.api.model.FirewallMark;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.Scheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The driver against a real kernel, in a network namespace of its own (created here, deleted in @AfterAll even when a
 * test fails). Needs root, ip and nft, and fails rather than skips without them: a data plane that was never tested on
 * a kernel is not tested. The traffic test also needs python3, for the real servers and clients inside the namespace.
 */
class NftablesDriverNetnsTest {
    static final String NS = "lvscp-nft-" + ProcessHandle.current().pid();
    static final CommandRunner HOST = ProcessRunner.local();
    static final ObjectMapper JSON = new ObjectMapper();
    static boolean created;

    final List<String> ran = new ArrayList<>();
    final CommandRunner ns = ProcessRunner.inNetns(NS).observedBy(argv -> ran.add(String.join(" ", argv)));
    final NftablesDriver driver = new NftablesDriver(ns);

    static final ServiceKey WEB = ServiceKey.of(Protocol.tcp, "192.168.26.10", 80);
    static final ServiceKey DRAINED = ServiceKey.of(Protocol.tcp, "192.168.26.10", 81);
    static final ServiceKey STICKY = ServiceKey.of(Protocol.tcp, "192.168.26.10", 82);
    static final ServiceKey DNS = ServiceKey.of(Protocol.udp, "192.168.26.10", 53);
    static final ServiceKey MULTI = ServiceKey.mark(80, false);

    static final ServiceTable DESIRED = table(
            service(WEB, Scheduler.wrr, rs("10.0.0.1", 80, 1), rs("10.0.0.2", 8080, 3), rs("10.0.0.9", 80, 0)),
            service(DRAINED, Scheduler.wrr, rs("10.0.0.1", 80, 0)),
            service(STICKY, Scheduler.sh, rs("10.0.0.1", 80, 1), rs("10.0.0.2", 8080, 1)),
            service(DNS, Scheduler.rr),
            service(MULTI, Scheduler.rr, rs("10.0.0.3", 0, 1), rs("10.0.0.4", 0, 2)));

    @BeforeAll
    static void createNamespace() throws Exception {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        assertEquals(0, uid, "this test programs nftables in a network namespace it creates, which needs root; run it as root");
        for (List<String> tool : List.of(List.of("ip", "-V"), List.of("nft", "--version"))) {
            CommandResult r = HOST.run(tool);
            assertTrue(r.ok(), tool.get(0) + " does not run here (" + r.stderr().strip() + "); install iproute2 and nftables");
        }
        HOST.run(List.of("ip", "netns", "add", NS)).orThrow();
        created = true;
    }

    @AfterAll
    static void deleteNamespace() {
        if (created) HOST.run(List.of("ip", "netns", "delete", NS)).orThrow();
    }

    @BeforeEach
    void emptyRuleset() {
        ns.run(List.of("nft", "flush", "ruleset")).orThrow();
        ran.clear();
    }

    @Test
    void fromNothingApplyThenReadBackEqualsDesired() {
        assertEquals(ServiceTable.EMPTY, driver.read());
        assertEquals(List.of(), driver.unsupported(DESIRED));
        driver.apply(driver.read(), DESIRED);
        assertEquals(DESIRED, driver.read());

        ran.clear();
        driver.apply(driver.read(), DESIRED);
        assertEquals(List.of("nft -j list table ip lvscp"), ran, "nothing differs, so nothing is applied");
    }

    @Test
    void changesApplyAndAWeightChangeKeepsTheRules() {
        driver.apply(driver.read(), DESIRED);
        List<Long> rulesBefore = ruleHandles(NftablesDriver.chain(WEB));

        Map<ServiceKey, Service> next = new TreeMap<>(DESIRED.services());
        next.put(WEB, service(WEB, Scheduler.wrr, rs("10.0.0.1", 80, 2), rs("10.0.0.2", 8080, 0), rs("10.0.0.9", 80, 7)));
        next.remove(STICKY);
        next.put(DRAINED, service(DRAINED, Scheduler.rr, rs("10.0.0.1", 80, 1)));
        ServiceKey added = ServiceKey.of(Protocol.tcp, "192.168.26.12", 443);
        next.put(added, service(added, Scheduler.sh, rs("10.0.0.5", 0, 1)));
        ServiceTable changed = new ServiceTable(new TreeMap<>(next));

        ran.clear();
        driver.apply(driver.read(), changed);
        // One transaction; then (best effort, outside it) the removed real servers' unanswered attempts are forgotten.
        assertEquals(List.of("nft -j list table ip lvscp", "nft -f -"), ran.stream().filter(c -> c.startsWith("nft")).toList(), "one transaction");
        assertEquals(changed, driver.read());
        assertEquals(rulesBefore, ruleHandles(NftablesDriver.chain(WEB)), "a weight change rewrites map elements only");

        driver.apply(driver.read(), ServiceTable.EMPTY);
        assertEquals(ServiceTable.EMPTY, driver.read());
        assertTrue(!nft("list", "tables").stdout().contains("lvscp"), "no services, no table");
    }

    @Test
    void driftIsSeenByReadAndRepairedByApply() {
        String web = NftablesDriver.chain(WEB);
        // Each a hand-made change to the kernel; %d is the handle of the web service's dnat rule.
        List<String> drifts = List.of(
                "delete rule ip lvscp " + web + " handle %d",
                "flush map ip lvscp " + web,
                "add element ip lvscp " + web + " { 70000-70010 : 10.0.0.66 . 80 }",
                "delete element ip lvscp " + NftablesDriver.weightSet(WEB) + " { 10.0.0.9 . 80 . 0 }",
                "delete element ip lvscp marks { 80 }",
                "flush chain ip lvscp output",
                "flush chain ip lvscp prerouting\ndelete chain ip lvscp prerouting",
                "delete table ip lvscp");
        for (String drift : drifts) {
            emptyRuleset();
            driver.apply(driver.read(), DESIRED);
            String script = String.format(drift, ruleHandles(web).get(0)) + "\n";
            ns.run(List.of("nft", "-f", "-"), script).orThrow();
            ServiceTable seen = driver.read();
            assertNotEquals(DESIRED, seen, "read() shows the drift: " + script);
            driver.apply(seen, DESIRED);
            assertEquals(DESIRED, driver.read(), "apply(read(), desired) repairs: " + script);
        }
    }

    @Test
    void otherTablesAreNeverTouched() {
        ns.run(List.of("nft", "-f", "-"), "table ip other {\n\tchain c {\n\t\tcounter\n\t}\n}\ntable ip6 lvscp {\n}\n").orThrow();
        driver.apply(driver.read(), DESIRED);
        driver.apply(driver.read(), ServiceTable.EMPTY);
        String tables = nft("list", "tables").stdout();
        assertEquals("table ip other\ntable ip6 lvscp\n", tables);
    }

    /**
     * Real connections, opened inside the namespace so they pass the output hook: weighted spread, source hashing,
     * refusal when drained, a firewall-mark service keeping the client's port, and an established connection that
     * survives its real server being drained.
     */
    @Test
    void trafficIsBalancedRefusedWhenDrainedAndKeptWhenEstablished() {
        CommandResult python = HOST.run(List.of("python3", "--version"));
        assertTrue(python.ok(), "python3 does not run here (" + python.stderr().strip() + "); the traffic test needs it for its servers and clients");
        for (String a : List.of("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "192.168.26.10", "192.168.26.11")) {
            ns.run(List.of("ip", "addr", "replace", a + "/32", "dev", "lo")).orThrow();
        }
        ns.run(List.of("ip", "link", "set", "lo", "up")).orThrow();
        FirewallMarkRules marks = new FirewallMarkRules(ns);
        marks.apply(List.of(new FirewallMark(80L, Protocol.tcp, "192.168.26.11", List.of("443", "8000-8001"))));
        driver.apply(driver.read(), DESIRED);

        ServiceTable drainedWeb = new ServiceTable(new TreeMap<>(Map.of(WEB,
                service(WEB, Scheduler.wrr, rs("10.0.0.1", 80, 0), rs("10.0.0.2", 8080, 0), rs("10.0.0.9", 80, 0)))));
        String drain = NftablesDriver.script(table(DESIRED.services().get(WEB)), drainedWeb);
        CommandResult r = ns.run(List.of("python3", "-c", PROBE, "10.0.0.1:80,10.0.0.2:8080,10.0.0.3:443,10.0.0.4:443,10.0.0.3:8001,10.0.0.4:8001",
                "192.168.26.10:80", drain, "192.168.26.10:80", "192.168.26.10:81", "192.168.26.10:82", "192.168.26.11:443",
                "192.168.26.11:8001", "192.168.26.10:80"));
        assertTrue(r.ok(), r.stderr());
        JsonNode out;
        try {
            out = JSON.readTree(r.stdout());
        } catch (Exception e) {
            throw new AssertionError(r.stdout() + r.stderr(), e);
        }
        JsonNode before = out.get("before");
        int one = before.path("10.0.0.1:80").asInt();
        int three = before.path("10.0.0.2:8080").asInt();
        assertEquals(400, one + three, out.toString());
        assertTrue(one > 40 && three > 1.5 * one, "weights 1:3, got " + out);
        assertEquals(Map.of("refused", 200), counts(out.get("192.168.26.10:81")), "all weights 0: new connections refused");
        assertEquals(1, out.get("192.168.26.10:82").size(), "sh: one client address, one real server: " + out);
        assertEquals(200, out.get("192.168.26.10:82").elements().next().asInt());
        JsonNode https = out.get("192.168.26.11:443");
        assertTrue(https.path("10.0.0.3:443").asInt() > 0 && https.path("10.0.0.4:443").asInt() > 0, "mark service keeps port 443: " + out);
        assertEquals(200, https.path("10.0.0.3:443").asInt() + https.path("10.0.0.4:443").asInt());
        JsonNode alt = out.get("192.168.26.11:8001");
        assertEquals(200, alt.path("10.0.0.3:8001").asInt() + alt.path("10.0.0.4:8001").asInt(), out.toString());
        assertEquals(Map.of("refused", 200), counts(out.get("192.168.26.10:80")), "drained after the hold: new connections refused");
        assertTrue(out.path("held").asText().matches("10\\.0\\.0\\.[12]:(80|8080) echoed"), "the held connection kept its NAT: " + out);
    }

    @Test
    void aRemovedServersUnansweredConnectionAttemptsAreForgotten() throws Exception {
        CommandResult tool = HOST.run(List.of("conntrack", "--version"));
        assertTrue(tool.ok(), "conntrack does not run here (" + tool.stderr().strip() + "); install the conntrack package");
        // A dead real server: 10.0.99.2 in a namespace of its own behind a veth, which drops every packet it gets, so a
        // connection attempt through the VIP stays SYN_SENT in the router's conntrack table.
        String dead = NS + "-dead";
        String vr = "vr" + ProcessHandle.current().pid() % 100000;
        HOST.run(List.of("ip", "netns", "add", dead)).orThrow();
        try {
            HOST.run(List.of("ip", "link", "add", vr, "netns", NS, "type", "veth", "peer", "name", "vd", "netns", dead)).orThrow();
            ns.run(List.of("ip", "addr", "replace", "10.0.99.1/24", "dev", vr)).orThrow();
            ns.run(List.of("ip", "link", "set", vr, "up")).orThrow();
            ns.run(List.of("ip", "link", "set", "lo", "up")).orThrow();
            ns.run(List.of("ip", "addr", "replace", "192.168.26.10/32", "dev", "lo")).orThrow();
            ProcessRunner deadNs = ProcessRunner.inNetns(dead);
            deadNs.run(List.of("ip", "addr", "add", "10.0.99.2/24", "dev", "vd")).orThrow();
            deadNs.run(List.of("ip", "link", "set", "vd", "up")).orThrow();
            deadNs.run(List.of("nft", "-f", "-"), "add table ip sink\nadd chain ip sink in { type filter hook input priority 0; policy drop; }\n").orThrow();
            ServiceKey key = ServiceKey.of(Protocol.tcp, "192.168.26.10", 80);
            ServiceTable withDead = table(service(key, Scheduler.rr, rs("10.0.99.2", 80, 1)));
            driver.apply(driver.read(), withDead);
            // Three attempts that get no answer (each gives up after 300 ms; its SYN_SENT entry would stay for 120 s).
            CommandResult tries = ns.run(List.of("python3", "-c", String.join("\n",
                    "import socket",
                    "for _ in range(3):",
                    "    s = socket.socket(); s.settimeout(0.3)",
                    "    try: s.connect(('192.168.26.10', 80))",
                    "    except Exception: pass")));
            assertTrue(tries.ok(), tries.stderr());
            assertEquals(3, pending(), "three unanswered attempts DNATed to the dead server");
            ran.clear();
            driver.apply(withDead, table(service(key, Scheduler.rr)));
            assertEquals(0, pending(), "forgotten with the real server");
            assertTrue(ran.contains("conntrack -D -p tcp --orig-dst 192.168.26.10 --orig-port-dst 80 --dst-nat 10.0.99.2 --state SYN_SENT"),
                    ran.toString());
        } finally {
            HOST.run(List.of("ip", "netns", "delete", dead));
        }
    }

    private int pending() {
        CommandResult r = ns.run(List.of("conntrack", "-L", "-p", "tcp", "--dst-nat", "10.0.99.2", "--state", "SYN_SENT"));
        return (int) r.stdout().lines().filter(l -> l.contains("SYN_SENT")).count();
    }

    static Map<String, Integer> counts(JsonNode n) {
        Map<String, Integer> m = new TreeMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asInt()));
        return m;
    }

    /**
     * argv: servers (address:port,...), a VIP to hold one connection to, an nft script to run once it is held, then
     * VIPs to connect to 200 times each. Every server greets with its own address and echoes. Prints JSON: per VIP, who
     * answered how often ("refused" for a reset); "before": 400 connections to the held VIP before the script ran;
     * "held": whether the held connection still echoes after it.
     */
    static final String PROBE = """
            import json, socket, subprocess, sys, threading
            def serve(addr, port):
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((addr, port)); s.listen(128)
                while True:
                    c, _ = s.accept()
                    threading.Thread(target=talk, args=(c, f"{addr}:{port}"), daemon=True).start()
            def talk(c, me):
                c.sendall(me.encode() + b"\\n")
                while (data := c.recv(64)):
                    c.sendall(data)
                c.close()
            for spec in sys.argv[1].split(","):
                a, p = spec.split(":"); threading.Thread(target=serve, args=(a, int(p)), daemon=True).start()
            def connect(vip):
                a, p = vip.split(":")
                return socket.create_connection((a, int(p)), timeout=3)
            def greet(c):
                return c.makefile().readline().strip()
            def tally(vip, n):
                seen = {}
                for _ in range(n):
                    try:
                        with connect(vip) as c: who = greet(c)
                    except ConnectionRefusedError: who = "refused"
                    seen[who] = seen.get(who, 0) + 1
                return seen
            import time; time.sleep(0.3)
            out = {"before": tally(sys.argv[2], 400)}
            held = connect(sys.argv[2]); who = greet(held)
            subprocess.run(["nft", "-f", "-"], input=sys.argv[3].encode(), check=True)
            for vip in sys.argv[4:]: out[vip] = tally(vip, 200)
            held.sendall(b"ping"); out["held"] = who + (" echoed" if held.recv(4) == b"ping" else " lost")
            print(json.dumps(out))
            """;

    List<Long> ruleHandles(String chain) {
        List<Long> handles = new ArrayList<>();
        try {
            JSON.readTree(nft("-j", "list", "chain", "ip", "lvscp", chain).stdout()).path("nftables")
                    .forEach(i -> { if (i.has("rule")) handles.add(i.get("rule").get("handle").asLong()); });
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return handles;
    }

    CommandResult nft(String... args) {
        List<String> argv = new ArrayList<>(List.of("nft"));
        argv.addAll(List.of(args));
        return ns.run(argv).orThrow();
    }
}
