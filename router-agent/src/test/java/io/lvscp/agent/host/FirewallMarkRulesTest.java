package io.lvscp.agent.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lvscp.api.model.FirewallMark;
import io.lvscp.api.model.Protocol;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rendering and diffing, no kernel. */
class FirewallMarkRulesTest {
    static final FirewallMark SEED = new FirewallMark(80L, null, "192.168.26.10", List.of("80", "443", "21", "10000-20000"));
    static final FirewallMark DNS = new FirewallMark(53L, Protocol.udp, "192.168.26.11", List.of("53"));

    @Test
    void canonicalFormSortsAndMergesPortsAndDefaultsTheProtocol() {
        assertEquals(List.of(new FirewallMark(80L, Protocol.tcp, "192.168.26.10", List.of("21", "80", "443", "10000-20000"))),
                FirewallMarkRules.canonical(List.of(SEED, SEED)));
        assertEquals(List.of("80-81", "6000-6012"), FirewallMarkRules.canonical(List.of(new FirewallMark(1L, Protocol.tcp, "10.0.0.1",
                List.of("6005-6012", "81", "80", "6000-6010", "80-80")))).get(0).ports());
        assertThrows(IllegalArgumentException.class, () -> FirewallMarkRules.canonical(List.of(new FirewallMark(1L, null, "2001:db8::1", List.of("80")))));
        assertThrows(IllegalArgumentException.class, () -> FirewallMarkRules.canonical(List.of(new FirewallMark(1L, null, "10.0.0.1", List.of("http")))));
        assertThrows(IllegalArgumentException.class, () -> FirewallMarkRules.canonical(List.of(new FirewallMark(null, null, "10.0.0.1", List.of("80")))));
    }

    @Test
    void aMissingTableIsCreatedWhole() {
        assertEquals("""
                table ip lvscp_marks {
                \tchain prerouting {
                \t\ttype filter hook prerouting priority -150; policy accept;
                \t\tip daddr 192.168.26.11 udp dport { 53 } meta mark set 53
                \t\tip daddr 192.168.26.10 tcp dport { 21, 80, 443, 10000-20000 } meta mark set 80
                \t}
                \tchain output {
                \t\ttype route hook output priority -150; policy accept;
                \t\tip daddr 192.168.26.11 udp dport { 53 } meta mark set 53
                \t\tip daddr 192.168.26.10 tcp dport { 21, 80, 443, 10000-20000 } meta mark set 80
                \t}
                }
                """, FirewallMarkRules.script(null, FirewallMarkRules.canonical(List.of(SEED, DNS))));
    }

    @Test
    void onlyRulesThatDifferAreReplaced() {
        List<FirewallMark> now = FirewallMarkRules.canonical(List.of(SEED, DNS));
        FirewallMark dns2 = new FirewallMark(53L, Protocol.udp, "192.168.26.11", List.of("53", "5353"));
        Map<String, List<FirewallMarkRules.Rule>> kernel = Map.of(
                "prerouting", List.of(new FirewallMarkRules.Rule(-1, null, true),
                        new FirewallMarkRules.Rule(4, now.get(0), false), new FirewallMarkRules.Rule(5, now.get(1), false),
                        new FirewallMarkRules.Rule(6, null, false)),
                "output", List.of(new FirewallMarkRules.Rule(-1, null, false), new FirewallMarkRules.Rule(7, now.get(1), false)));
        assertEquals("""
                delete rule ip lvscp_marks prerouting handle 4
                delete rule ip lvscp_marks prerouting handle 6
                add rule ip lvscp_marks prerouting ip daddr 192.168.26.11 udp dport { 53, 5353 } meta mark set 53
                flush chain ip lvscp_marks output
                delete chain ip lvscp_marks output
                add chain ip lvscp_marks output { type route hook output priority -150; policy accept; }
                add rule ip lvscp_marks output ip daddr 192.168.26.11 udp dport { 53, 5353 } meta mark set 53
                add rule ip lvscp_marks output ip daddr 192.168.26.10 tcp dport { 21, 80, 443, 10000-20000 } meta mark set 80
                """, FirewallMarkRules.script(kernel, FirewallMarkRules.canonical(List.of(SEED, dns2))));
        assertEquals("", FirewallMarkRules.script(null, List.of()));
        assertEquals("add table ip lvscp_marks\ndelete table ip lvscp_marks\n", FirewallMarkRules.script(kernel, List.of()));
    }
}
