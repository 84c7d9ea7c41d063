package io.lvscp.agent.dataplane.nft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.Scheduler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Rendering and diffing, no kernel: the exact scripts apply() sends to {@code nft -f -}. */
class NftablesDriverTest {
    static final ServiceKey WEB = ServiceKey.of(Protocol.tcp, "192.168.26.10", 80);
    static final ServiceKey FWM = ServiceKey.mark(80, false);

    static Destination rs(String address, int port, int weight) {
        return new Destination(address, port, ForwardingMethod.masq, weight, 0, 0);
    }

    static Service service(ServiceKey key, Scheduler scheduler, Destination... ds) {
        SortedMap<String, Destination> m = new TreeMap<>();
        for (Destination d : ds) m.put(d.key(), d);
        return new Service(key, scheduler, 0, null, m);
    }

    static ServiceTable table(Service... services) {
        SortedMap<ServiceKey, Service> m = new TreeMap<>();
        for (Service s : services) m.put(s.key(), s);
        return new ServiceTable(m);
    }

    static final Service WEB_1_3 = service(WEB, Scheduler.wrr, rs("10.0.0.1", 80, 1), rs("10.0.0.2", 8080, 3));
    static final Service FWM_SH = service(FWM, Scheduler.sh, rs("10.0.0.3", 0, 1), rs("10.0.0.4", 0, 1));

    @Test
    void aFreshTableIsCreatedWholeInOneScript() {
        assertEquals("""
                add table ip lvscp
                delete table ip lvscp
                table ip lvscp {
                \tmap services {
                \t\ttypeof ip daddr . meta l4proto . th dport : verdict
                \t}
                \tmap marks {
                \t\ttypeof meta mark : verdict
                \t}
                \tchain prerouting {
                \t\ttype nat hook prerouting priority -100; policy accept;
                \t\tmeta mark vmap @marks comment "lvscp:marks"
                \t\tip daddr . meta l4proto . th dport vmap @services comment "lvscp:services"
                \t}
                \tchain output {
                \t\ttype nat hook output priority -100; policy accept;
                \t\tmeta mark vmap @marks comment "lvscp:marks"
                \t\tip daddr . meta l4proto . th dport vmap @services comment "lvscp:services"
                \t}
                }
                add map ip lvscp vs_tcp_192_168_26_10_80 { typeof numgen random mod 65536 : ip daddr . tcp dport ; flags interval ; }
                add element ip lvscp vs_tcp_192_168_26_10_80 { 0-16383 : 10.0.0.1 . 80, 16384-65535 : 10.0.0.2 . 8080 }
                add set ip lvscp vsw_tcp_192_168_26_10_80 { typeof ip daddr . tcp dport . meta mark ; }
                add element ip lvscp vsw_tcp_192_168_26_10_80 { 10.0.0.1 . 80 . 1, 10.0.0.2 . 8080 . 3 }
                add chain ip lvscp vs_tcp_192_168_26_10_80
                add rule ip lvscp vs_tcp_192_168_26_10_80 meta l4proto tcp dnat ip to numgen random mod 65536 map @vs_tcp_192_168_26_10_80 comment "lvscp:dnat wrr"
                add rule ip lvscp vs_tcp_192_168_26_10_80 meta l4proto tcp reject with tcp reset comment "lvscp:reset"
                add element ip lvscp services { 192.168.26.10 . tcp . 80 : jump vs_tcp_192_168_26_10_80 }
                """, NftablesDriver.script(ServiceTable.EMPTY, table(WEB_1_3)));
    }

    @Test
    void aNewServiceAddsItsMapSetChainAndVerdictElementOnly() {
        assertEquals("""
                add map ip lvscp vs_fwm_80 { typeof numgen random mod 65536 : ip daddr ; flags interval ; }
                flush map ip lvscp vs_fwm_80
                add element ip lvscp vs_fwm_80 { 0-32767 : 10.0.0.3, 32768-65535 : 10.0.0.4 }
                add set ip lvscp vsw_fwm_80 { typeof ip daddr . tcp dport . meta mark ; }
                flush set ip lvscp vsw_fwm_80
                add element ip lvscp vsw_fwm_80 { 10.0.0.3 . 0 . 1, 10.0.0.4 . 0 . 1 }
                add chain ip lvscp vs_fwm_80
                flush chain ip lvscp vs_fwm_80
                add rule ip lvscp vs_fwm_80 dnat ip to jhash ip saddr mod 65536 seed 0x6c767363 map @vs_fwm_80 comment "lvscp:dnat sh"
                add rule ip lvscp vs_fwm_80 meta l4proto tcp reject with tcp reset comment "lvscp:reset"
                add rule ip lvscp vs_fwm_80 reject comment "lvscp:unreachable"
                add element ip lvscp marks { 80 : jump vs_fwm_80 }
                """, NftablesDriver.script(table(WEB_1_3), table(WEB_1_3, FWM_SH)));
    }

    @Test
    void aWeightChangeReplacesThatServicesElementsAndNoRule() {
        Service even = service(WEB, Scheduler.wrr, rs("10.0.0.1", 80, 1), rs("10.0.0.2", 8080, 1));
        assertEquals("""
                flush map ip lvscp vs_tcp_192_168_26_10_80
                add element ip lvscp vs_tcp_192_168_26_10_80 { 0-32767 : 10.0.0.1 . 80, 32768-65535 : 10.0.0.2 . 8080 }
                flush set ip lvscp vsw_tcp_192_168_26_10_80
                add element ip lvscp vsw_tcp_192_168_26_10_80 { 10.0.0.1 . 80 . 1, 10.0.0.2 . 8080 . 1 }
                """, NftablesDriver.script(table(WEB_1_3, FWM_SH), table(even, FWM_SH)));
    }

    @Test
    void aRemovedServiceLosesItsVerdictElementFirstThenItsObjects() {
        assertEquals("""
                delete element ip lvscp marks { 80 }
                flush chain ip lvscp vs_fwm_80
                delete chain ip lvscp vs_fwm_80
                delete map ip lvscp vs_fwm_80
                delete set ip lvscp vsw_fwm_80
                """, NftablesDriver.script(table(WEB_1_3, FWM_SH), table(WEB_1_3)));
    }

    @Test
    void noServicesLeftRemovesTheTableAndNothingToDoRunsNothing() {
        assertEquals("add table ip lvscp\ndelete table ip lvscp\n", NftablesDriver.script(table(WEB_1_3), ServiceTable.EMPTY));
        List<String> ran = new ArrayList<>();
        CommandRunner recording = new CommandRunner() {
            @Override
            public CommandResult run(List<String> argv, String stdin) {
                ran.add(String.join(" ", argv));
                return new CommandResult(argv, 0, "", "");
            }

            @Override
            public String where() {
                return "test";
            }
        };
        NftablesDriver driver = new NftablesDriver(recording);
        driver.apply(table(WEB_1_3), table(WEB_1_3));
        driver.apply(ServiceTable.EMPTY, ServiceTable.EMPTY);
        assertEquals(List.of(), ran);
        driver.apply(ServiceTable.EMPTY, table(WEB_1_3));
        assertEquals(List.of("nft -f -"), ran);
    }

    @Test
    void aSchedulerChangeRewritesTheServiceInPlace() {
        Service sh = service(WEB, Scheduler.sh, rs("10.0.0.1", 80, 1), rs("10.0.0.2", 8080, 3));
        String script = NftablesDriver.script(table(WEB_1_3), table(sh));
        assertTrue(script.contains("flush chain ip lvscp vs_tcp_192_168_26_10_80\n"), script);
        assertTrue(script.contains("dnat ip to jhash ip saddr mod 65536 seed 0x6c767363 map @vs_tcp_192_168_26_10_80"), script);
        assertTrue(!script.contains("delete"), script);
    }

    @Test
    void drainedAndEmptyServicesGetNoSlotsSoTheRefuseRuleAnswers() {
        Service drained = service(WEB, Scheduler.wrr, rs("10.0.0.1", 80, 0), rs("10.0.0.2", 8080, 0));
        Service udp = service(ServiceKey.of(Protocol.udp, "192.168.26.10", 53), Scheduler.rr);
        String script = NftablesDriver.script(ServiceTable.EMPTY, table(drained, udp));
        assertTrue(!script.contains("add element ip lvscp vs_"), script);
        assertTrue(script.contains("add element ip lvscp vsw_tcp_192_168_26_10_80 { 10.0.0.1 . 80 . 0, 10.0.0.2 . 8080 . 0 }\n"), script);
        assertTrue(script.contains("meta l4proto tcp reject with tcp reset comment \"lvscp:reset\"\n"), script);
        assertTrue(script.contains("add rule ip lvscp vs_udp_192_168_26_10_53 reject comment \"lvscp:unreachable\"\n"), script);
        // Draining the last server changes elements only: the rules already refuse when no slot matches.
        String drain = NftablesDriver.script(table(WEB_1_3), table(drained));
        assertEquals("""
                flush map ip lvscp vs_tcp_192_168_26_10_80
                flush set ip lvscp vsw_tcp_192_168_26_10_80
                add element ip lvscp vsw_tcp_192_168_26_10_80 { 10.0.0.1 . 80 . 0, 10.0.0.2 . 8080 . 0 }
                """, drain);
    }

    @Test
    void portZeroMeansTheServicePortAndRrIgnoresWeights() {
        Service rr = service(WEB, Scheduler.rr, rs("10.0.0.1", 0, 1), rs("10.0.0.2", 0, 5), rs("10.0.0.3", 0, 0));
        assertEquals(List.of(new NftablesDriver.Slot(0, 32767, "10.0.0.1", 80), new NftablesDriver.Slot(32768, 65535, "10.0.0.2", 80)),
                NftablesDriver.slotMap(rr));
    }

    @Test
    void slotsSplitInProportionWithAtLeastOneEachAndExactlyTheModulusInAll() {
        assertArrayEquals(new int[] {16384, 49152}, NftablesDriver.split(new int[] {1, 3}));
        assertArrayEquals(new int[] {21846, 21845, 21845}, NftablesDriver.split(new int[] {1, 1, 1}));
        assertArrayEquals(new int[] {0, 65536, 0}, NftablesDriver.split(new int[] {0, 7, 0}));
        assertArrayEquals(new int[] {0, 0}, NftablesDriver.split(new int[] {0, 0}));
        assertArrayEquals(new int[0], NftablesDriver.split(new int[0]));
        // A weight far below 1/65536 of the total still gets its slot, taken from the fullest destination.
        int[] tiny = new int[200];
        Arrays.fill(tiny, 65535);
        tiny[0] = 1;
        int[] s = NftablesDriver.split(tiny);
        assertEquals(1, s[0]);
        assertEquals(NftablesDriver.SLOTS, Arrays.stream(s).sum());
        int[] ones = new int[NftablesDriver.SLOTS];
        Arrays.fill(ones, 1);
        assertTrue(Arrays.stream(NftablesDriver.split(ones)).allMatch(n -> n == 1));
        int[] tooMany = new int[NftablesDriver.SLOTS + 1];
        Arrays.fill(tooMany, 1);
        assertThrows(IllegalArgumentException.class, () -> NftablesDriver.split(tooMany));

        Random random = new Random(42);
        for (int round = 0; round < 2000; round++) {
            int[] w = random.ints(1 + random.nextInt(40), 0, round % 2 == 0 ? 10 : 65536).toArray();
            int[] slots = NftablesDriver.split(w);
            long total = Arrays.stream(w).asLongStream().sum();
            int live = (int) Arrays.stream(w).filter(x -> x > 0).count();
            assertEquals(live == 0 ? 0 : NftablesDriver.SLOTS, Arrays.stream(slots).sum(), Arrays.toString(w));
            for (int i = 0; i < w.length; i++) {
                if (w[i] == 0) {
                    assertEquals(0, slots[i]);
                    continue;
                }
                assertTrue(slots[i] >= 1);
                double exact = (double) w[i] * NftablesDriver.SLOTS / total;
                // Off by under one slot from rounding, plus at most one slot per starving destination that took from it.
                assertTrue(Math.abs(slots[i] - exact) < 1 + live, w[i] + " of " + total + " got " + slots[i]);
            }
        }
    }

    @Test
    void aWeightChangeInAThousandServiceTableTouchesOneServiceOnly() {
        List<Service> services = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ServiceKey k = ServiceKey.of(Protocol.tcp, "10.1." + (i / 250) + "." + (i % 250 + 1), 443);
            services.add(service(k, Scheduler.wrr, rs("10.2.0.1", 443, 1), rs("10.2.0.2", 443, 2)));
        }
        ServiceTable before = table(services.toArray(Service[]::new));
        Service changed = service(services.get(617).key(), Scheduler.wrr, rs("10.2.0.1", 443, 5), rs("10.2.0.2", 443, 2));
        services.set(617, changed);
        String script = NftablesDriver.script(before, table(services.toArray(Service[]::new)));
        List<String> lines = script.lines().toList();
        assertEquals(4, lines.size(), script);
        String map = NftablesDriver.chain(changed.key());
        assertEquals("vs_tcp_10_1_2_118_443", map);
        for (String line : lines) {
            assertTrue(line.startsWith("flush map ip lvscp " + map) || line.startsWith("add element ip lvscp " + map + " ")
                    || line.startsWith("flush set ip lvscp vsw_tcp_10_1_2_118_443") || line.startsWith("add element ip lvscp vsw_tcp_10_1_2_118_443 "), line);
        }
    }

    @Test
    void unsupportedSaysWhyPerService() {
        NftablesDriver driver = new NftablesDriver(null);
        assertEquals(List.of(), driver.unsupported(table(WEB_1_3, FWM_SH,
                service(ServiceKey.of(Protocol.udp, "192.168.26.10", 53), Scheduler.rr, rs("10.0.0.5", 53, 0)))));
        Service lc = service(WEB, Scheduler.lc, rs("10.0.0.1", 80, 1));
        assertEquals(List.of("virtual server tcp 192.168.26.10:80 uses scheduler lc, which needs connection counts nftables does"
                + " not keep; use the ipvs driver"), driver.unsupported(table(lc)));

        SortedMap<String, Destination> ds = new TreeMap<>();
        ds.put("10.0.0.1:80", new Destination("10.0.0.1", 80, ForwardingMethod.gate, 1, 0, 0));
        ds.put("10.0.0.2:80", new Destination("10.0.0.2", 80, ForwardingMethod.ipip, 1, 0, 0));
        List<String> why = driver.unsupported(table(new Service(WEB, Scheduler.wrr, 300, "255.255.255.255", ds),
                service(ServiceKey.of(Protocol.tcp, "2001:db8::1", 80), Scheduler.rr),
                service(FWM, Scheduler.rr, rs("10.0.0.3", 8080, 1))));
        assertEquals(List.of(
                "real server 10.0.0.3:8080 of virtual server fwm 80 has a port; for a firewall-mark service the nftables driver keeps"
                        + " the client's destination port",
                "virtual server tcp 192.168.26.10:80 is persistent (300 s); nftables keeps no persistence templates to send a client's"
                        + " later connections to the same real server; use the ipvs driver",
                "real server 10.0.0.1:80 of virtual server tcp 192.168.26.10:80 uses gate forwarding; nftables can only rewrite the"
                        + " destination (masq); use the ipvs driver",
                "real server 10.0.0.2:80 of virtual server tcp 192.168.26.10:80 uses ipip forwarding; nftables can only rewrite the"
                        + " destination (masq); use the ipvs driver",
                "virtual server tcp [2001:db8::1]:80 is IPv6; the nftables driver programs IPv4 only (table ip lvscp); use the ipvs driver"),
                why);
    }

    @Test
    void connectionThresholdsAreUnsupported() {
        NftablesDriver driver = new NftablesDriver(null);
        assertEquals(List.of("real server 10.0.0.1:80 of virtual server tcp 192.168.26.10:80 has connection thresholds (upper 100, lower 50);"
                + " the nftables driver picks real servers from a fixed slot map without counting their connections, so it cannot stop"
                + " sending one new connections at a threshold; use the ipvs driver"),
                driver.unsupported(table(service(WEB, Scheduler.wrr, rs("10.0.0.1", 80, 1).withThresholds(100, 50), rs("10.0.0.2", 80, 1)))));
    }
}
