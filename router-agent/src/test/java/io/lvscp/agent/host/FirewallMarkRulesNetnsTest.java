package io.lvscp.agent.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.api.model.FirewallMark;
import io.lvscp.api.model.Protocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mark rules against a real kernel, in a network namespace of their own (deleted in @AfterAll even when a test
 * fails). Needs root, ip and nft, and fails rather than skips without them.
 */
class FirewallMarkRulesNetnsTest {
    static final String NS = "lvscp-marks-" + ProcessHandle.current().pid();
    static final CommandRunner HOST = ProcessRunner.local();
    static boolean created;

    final List<String> ran = new ArrayList<>();
    final CommandRunner ns = ProcessRunner.inNetns(NS).observedBy(argv -> ran.add(String.join(" ", argv)));
    final FirewallMarkRules marks = new FirewallMarkRules(ns);

    static final FirewallMark SEED = new FirewallMark(80L, Protocol.tcp, "192.168.26.10", List.of("80", "443", "21", "10000-20000"));
    static final FirewallMark DNS = new FirewallMark(53L, Protocol.udp, "192.168.26.11", List.of("53"));
    static final FirewallMark ALL_PORTS = new FirewallMark(7L, Protocol.tcp, "192.168.26.12", List.of());
    static final List<FirewallMark> DESIRED = List.of(SEED, DNS, ALL_PORTS);

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
    void applyReadBackAndNothingToDoTheSecondTime() {
        assertEquals(List.of(), marks.read());
        marks.apply(DESIRED);
        assertEquals(FirewallMarkRules.canonical(DESIRED), marks.read());
        String listed = nft("list", "table", "ip", "lvscp_marks").stdout();
        assertTrue(listed.contains("ip daddr 192.168.26.10 tcp dport { 21, 80, 443, 10000-20000 } meta mark set 0x00000050"), listed);
        assertTrue(listed.contains("type route hook output priority mangle; policy accept;"), listed);

        ran.clear();
        marks.apply(DESIRED);
        assertEquals(List.of("nft -j list table ip lvscp_marks"), ran);
    }

    @Test
    void aChangedMarkReplacesItsRulesOnly() {
        marks.apply(DESIRED);
        List<Long> seedRules = handles(nft("-a", "list", "table", "ip", "lvscp_marks").stdout(), "mark set 0x00000050");
        FirewallMark dns = new FirewallMark(53L, Protocol.udp, "192.168.26.11", List.of("53", "5353"));
        marks.apply(List.of(SEED, dns));
        assertEquals(FirewallMarkRules.canonical(List.of(SEED, dns)), marks.read());
        assertEquals(seedRules, handles(nft("-a", "list", "table", "ip", "lvscp_marks").stdout(), "mark set 0x00000050"));
    }

    @Test
    void driftIsSeenAndRepaired() {
        List<String> drifts = List.of(
                "delete rule ip lvscp_marks output handle %d",
                "flush chain ip lvscp_marks prerouting",
                "flush chain ip lvscp_marks output\ndelete chain ip lvscp_marks output",
                "flush chain ip lvscp_marks prerouting\ndelete chain ip lvscp_marks prerouting\n"
                        + "add chain ip lvscp_marks prerouting { type filter hook prerouting priority 0; policy accept; }",
                "add rule ip lvscp_marks prerouting ip daddr 192.168.26.10 tcp dport 22 meta mark set 80",
                "delete table ip lvscp_marks");
        for (String drift : drifts) {
            emptyRuleset();
            marks.apply(DESIRED);
            long seedInOutput = handles(nft("-a", "list", "chain", "ip", "lvscp_marks", "output").stdout(), "mark set 0x00000050").get(0);
            String script = String.format(drift, seedInOutput) + "\n";
            ns.run(List.of("nft", "-f", "-"), script).orThrow();
            if (!drift.startsWith("add rule")) {
                assertTrue(!marks.read().equals(FirewallMarkRules.canonical(DESIRED)), "read() shows the drift: " + script);
            }
            marks.apply(DESIRED);
            assertEquals(FirewallMarkRules.canonical(DESIRED), marks.read(), "apply repairs: " + script);
            String listed = nft("list", "table", "ip", "lvscp_marks").stdout();
            assertTrue(!listed.contains("dport 22") && listed.contains("priority mangle; policy accept;\n\t\tip daddr"), listed);
        }
    }

    @Test
    void noMarksNoTableAndOtherTablesUntouched() {
        ns.run(List.of("nft", "-f", "-"), "table ip other {\n\tchain c {\n\t\tcounter\n\t}\n}\n").orThrow();
        marks.apply(DESIRED);
        marks.apply(List.of());
        assertEquals("table ip other\n", nft("list", "tables").stdout());
        assertEquals(List.of(), marks.read());
        ran.clear();
        marks.apply(List.of());
        assertEquals(List.of("nft -j list table ip lvscp_marks"), ran, "nothing to remove, nothing run");
    }

    @Test
    void anIpv6MarkIsRefusedBeforeAnythingChanges() {
        marks.apply(DESIRED);
        ran.clear();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> marks.apply(List.of(SEED, new FirewallMark(9L, Protocol.tcp, "2001:db8::1", List.of("80")))));
        assertTrue(e.getMessage().contains("not an IPv4 address"), e.getMessage());
        assertEquals(List.of(), ran);
    }

    /** Handles of the rules whose listing line contains {@code text}, from {@code nft -a list}. */
    static List<Long> handles(String listing, String text) {
        return listing.lines().filter(l -> l.contains(text)).map(l -> Long.parseLong(l.replaceAll(".*# handle (\\d+)$", "$1"))).toList();
    }

    CommandResult nft(String... args) {
        List<String> argv = new ArrayList<>(List.of("nft"));
        argv.addAll(List.of(args));
        return ns.run(argv).orThrow();
    }
}
