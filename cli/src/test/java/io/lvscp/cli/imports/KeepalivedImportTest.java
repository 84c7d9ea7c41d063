package io.lvscp.cli.imports;

import io.lvscp.api.model.ClusterSpec;
import io.lvscp.api.model.ConnectionSync;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.HealthCheckKind;
import io.lvscp.api.model.Persistence;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.Scheduler;
import io.lvscp.api.model.SorryServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.lvscp.cli.imports.Fixtures.entry;
import static io.lvscp.cli.imports.Report.Severity.error;
import static io.lvscp.cli.imports.Report.Severity.warning;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeepalivedImportTest {
    private static Map<String, ClusterSpec.VirtualServer> byName(ClusterSpec d) {
        return d.virtualServers().stream().collect(Collectors.toMap(ClusterSpec.VirtualServer::name, Function.identity()));
    }

    @Test
    void withoutADeviceAVipNoVrrpInstanceHoldsIsAnError() throws Exception {
        Importer.Result r = Importer.read(Fixtures.resource("keepalived/keepalived.conf"), Importer.Format.keepalived, null, null);
        entry(r.report(), "more.conf", 3, error, "no vrrp_instance's virtual_ipaddress holds 10.0.0.102");
        entry(r.report(), "more.conf", 3, error, "no vrrp_instance's virtual_ipaddress holds 10.0.0.103");
        assertEquals(2, r.report().errors().size(), r.report().errors().toString());
    }

    @Test
    void includesVrrpGroupsAndEveryVirtualServerDirective() throws Exception {
        Importer.Result r = Importer.read(Fixtures.resource("keepalived/keepalived.conf"), Importer.Format.keepalived, "ka", "eth9",
                new io.lvscp.api.model.NatRouter("10.0.0.254", "255.255.255.0", "eth1"));
        Report rep = r.report();
        assertFalse(rep.hasErrors(), rep.entries().toString());
        ClusterSpec d = r.document();
        assertEquals("ka", d.name());
        assertEquals(new ConnectionSync("eth1", 9), d.connectionSync(), "global_defs' lvs_sync_daemon");
        entry(rep, "keepalived.conf", 2, warning, "global_defs ignored (notification_email, router_id)");
        entry(rep, "keepalived.conf", 11, warning, "'state' ignored");
        entry(rep, "keepalived.conf", 14, warning, "'priority' ignored");
        entry(rep, "keepalived.conf", 1, warning, "no routers");
        assertEquals(List.of(), d.routers());
        Map<String, ClusterSpec.VirtualServer> vs = byName(d);
        assertEquals(List.of("10-0-0-101-53", "10-0-0-102-53", "10-0-0-103-53", "2001-db8-100-443", "10-0-0-100-80"),
                d.virtualServers().stream().map(ClusterSpec.VirtualServer::name).toList(),
                "conf.d/*.conf included in name order (more.conf, web.conf), the group's range expanded");
        // The cluster routes as the first virtual server (the DNS group's lb_kind NAT); the others' real servers say how.
        assertEquals(RoutingMethod.nat, d.routingMethod());
        assertEquals(new io.lvscp.api.model.NatRouter("10.0.0.254", "255.255.255.0", "eth1"), d.natRouter(), "--nat-router");

        ClusterSpec.VirtualServer web = vs.get("10-0-0-100-80");
        assertEquals("eth0:1", web.device(), "from the vrrp_instance's virtual_ipaddress, dev and label");
        assertEquals("255.255.255.0", web.netmask(), "/24");
        assertEquals(Scheduler.wrr, web.scheduler());
        assertEquals(new Persistence(600, "255.255.255.0"), web.persistence());
        assertEquals(Protocol.tcp, web.protocol());
        assertEquals(new SorryServer("10.0.1.9", 8080), web.sorryServer());
        assertEquals(2, web.quorum());
        entry(rep, "web.conf", 10, warning, "keepalived counts the live servers' total weight");
        entry(rep, "web.conf", 11, warning, "hysteresis");
        assertEquals(true, web.quiesceOnFailure(), "inhibit_on_failure on the real servers");
        assertEquals(HealthCheckKind.http, web.healthCheck().kind(), "the check most of its real servers have");
        assertEquals("/health", web.healthCheck().path());
        assertEquals(204, web.healthCheck().expectStatus());
        assertEquals(5, web.healthCheck().intervalSeconds());
        assertEquals(3, web.healthCheck().timeoutSeconds());
        assertEquals(3, web.healthCheck().fall(), "retry 2: down after three failures");
        entry(rep, "web.conf", 22, warning, "digest");
        entry(rep, "web.conf", 27, warning, "delay_before_retry");
        var rs1 = web.realServers().get(0);
        assertEquals("192-168-1-11-80", rs1.name());
        assertEquals(3, rs1.weight());
        assertEquals(1000, rs1.upperThreshold());
        assertEquals(800, rs1.lowerThreshold());
        assertEquals(ForwardingMethod.gate, rs1.forwarding(), "lb_kind DR in a NAT cluster");
        assertNull(rs1.healthCheck());
        var rs3 = web.realServers().get(2);
        assertEquals(HealthCheckKind.program, rs3.healthCheck().kind(), "a MISC_CHECK is this server's override");
        assertEquals("/usr/local/bin/check_web %h", rs3.healthCheck().program());
        assertEquals(4, rs3.healthCheck().timeoutSeconds());

        ClusterSpec.VirtualServer dns = vs.get("10-0-0-101-53");
        assertEquals(Protocol.udp, dns.protocol());
        assertEquals("eth0", dns.device(), "the vrrp_instance's interface");
        assertEquals(60, dns.healthCheck().intervalSeconds(), "keepalived's delay_loop default");
        assertEquals(2, dns.healthCheck().timeoutSeconds());
        assertNull(dns.realServers().get(0).forwarding());
        assertEquals("eth9", vs.get("10-0-0-102-53").device(), "--device for a VIP no vrrp_instance holds");
        assertEquals("255.255.255.255", vs.get("10-0-0-102-53").netmask());
        entry(rep, "more.conf", 3, warning, "no vrrp_instance holds 10.0.0.102: its VIP goes on eth9");
        entry(rep, "more.conf", 5, warning, "lvscp has no groups; each of its 3 members");

        ClusterSpec.VirtualServer v6 = vs.get("2001-db8-100-443");
        assertEquals("eth2", v6.device());
        assertEquals("64", v6.netmask());
        assertEquals(Scheduler.sh, v6.scheduler(), "lvs_sched");
        assertEquals(HealthCheckKind.https, v6.healthCheck().kind());
        assertEquals(ForwardingMethod.ipip, v6.realServers().get(0).forwarding(), "lvs_method TUN");
        entry(rep, "more.conf", 24, warning, "PING_CHECK: lvscp runs one check per real server");
        Fixtures.assertValidAndRoundTrips(d);
    }

    @Test
    void oldSyncDaemonFwmarkAndUnknownCheckers(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("keepalived.conf");
        Files.writeString(f, """
                vrrp_instance VI_1 {
                    interface eth0
                    lvs_sync_daemon_interface eth3
                    virtual_ipaddress {
                        10.1.0.1
                    }
                }
                include missing-*.conf
                virtual_server 10.1.0.1 25 {
                    lb_algo lc
                    lb_kind NAT
                    protocol SCTP
                    real_server 10.2.0.1 25 {
                        SMTP_CHECK {
                            helo_name x
                        }
                    }
                }
                virtual_server fwmark 7 {
                    real_server 10.2.0.2 80 {
                    }
                }
                """);
        Importer.Result r = Importer.read(f, Importer.Format.keepalived, null, null);
        Report rep = r.report();
        entry(rep, "keepalived.conf", 8, warning, "include missing-*.conf matches no file");
        entry(rep, "keepalived.conf", 12, error, "protocol 'SCTP'");
        entry(rep, "keepalived.conf", 14, warning, "SMTP_CHECK has no lvscp equivalent: the real server gets a tcp connect check");
        entry(rep, "keepalived.conf", 19, error, "virtual_server fwmark 7: an lvscp firewall-mark virtual server needs the VIP");
        assertEquals(new ConnectionSync("eth3", 0), r.document().connectionSync());
    }

    @Test
    void aNatClusterWithoutItsNatRouterIsRefusedSayingHowToGiveIt() throws Exception {
        Importer.Result r = Importer.read(Fixtures.resource("keepalived/keepalived.conf"), Importer.Format.keepalived, null, "eth0");
        entry(r.report(), "more.conf", 7, error, "give --nat-router ADDRESS/NETMASK DEVICE");
        assertEquals(1, r.report().errors().size(), r.report().errors().toString());
    }

    @Test
    void conditionalLinesIncludeVariantsAndParameters(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("keepalived.conf");
        Files.writeString(f, """
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_ipaddress {
                @lb1    10.1.0.1/24
                @^lb1   10.1.0.2/24
                    }
                }
                includer optional/*.conf
                includea required-*.conf
                @lb1 virtual_server 10.1.0.1 80 {
                    lb_kind DR
                    real_server 10.2.0.1 80 {
                        weight 4
                    }
                }
                @^lb1 virtual_server 10.1.0.2 80 {
                    lb_kind DR
                    real_server 10.2.0.2 80 {
                    }
                }
                """);
        Importer.Result lb1 = Importer.read(f, Importer.Format.keepalived, null, null, null, "lb1");
        Report rep = lb1.report();
        entry(rep, "keepalived.conf", 4, warning, "conditional line for config id 'lb1': imported (--config-id lb1)");
        entry(rep, "keepalived.conf", 5, warning, "conditional line for config id other than 'lb1': left out");
        entry(rep, "keepalived.conf", 8, warning, "includer optional/*.conf matches no file");
        entry(rep, "keepalived.conf", 9, error, "includea required-*.conf matches no file");
        assertEquals(1, rep.errors().size(), rep.errors().toString());
        assertEquals(List.of("10.1.0.1"), lb1.document().virtualServers().stream().map(ClusterSpec.VirtualServer::address).toList());
        assertEquals(HealthCheckKind.none, lb1.document().virtualServers().get(0).healthCheck().kind(),
                "keepalived keeps a real server without a checker whatever it does");

        Importer.Result other = Importer.read(f, Importer.Format.keepalived, null, null, null, null);
        assertEquals(List.of("10.1.0.2"), other.document().virtualServers().stream().map(ClusterSpec.VirtualServer::address).toList());
        entry(other.report(), "keepalived.conf", 10, warning, "'lb1': left out (no --config-id)");

        Path params = dir.resolve("params.conf");
        Files.writeString(params, "$IF=eth0\nvrrp_instance VI_1 {\n    interface $IF\n}\n");
        Report p = Importer.read(params, Importer.Format.keepalived, null, null).report();
        entry(p, "params.conf", 1, error, "keepalived's parameters ($NAME) are not read");
        entry(p, "params.conf", 3, error, "keepalived's parameters ($NAME) are not read");
    }

    @Test
    void anIncludeLoopIsAnError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.conf"), "include b.conf\n");
        Files.writeString(dir.resolve("b.conf"), "include a.conf\n");
        Importer.Result r = Importer.read(dir.resolve("a.conf"), Importer.Format.keepalived, null, null);
        assertTrue(r.report().errors().stream().anyMatch(e -> e.message().contains("nested more than")), r.report().entries().toString());
    }

    @Test
    void formatDetection() {
        assertEquals(Importer.Format.keepalived, Importer.detect("! x\nglobal_defs {\n}\n"));
        assertEquals(Importer.Format.keepalived, Importer.detect("# x\n\nvirtual_server 1.2.3.4 80 {\n}\n"));
        assertEquals(Importer.Format.lvs_cf, Importer.detect("# x\nserial_no = 3\n"));
        assertEquals(Importer.Format.lvs_cf, Importer.detect("virtual web {\n port = 80\n}\n"));
        assertNull(Importer.detect("hello world\n"));
    }

    @Test
    void theOneFloatingAddressOnTheRealServersSubnetIsTheNatRouterAndTwoAreLeftToTheOperator(@TempDir Path dir) throws Exception {
        String natCluster = """
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_ipaddress {
                        192.168.26.10/24 dev eth0 label eth0:1
                        10.11.12.10/24 dev eth1 label eth1:1
                        %s
                    }
                }
                virtual_server 192.168.26.10 80 {
                    lb_kind NAT
                    real_server 10.11.12.1 80 {
                    }
                    real_server 10.11.12.2 80 {
                    }
                }
                """;
        Path one = Files.writeString(dir.resolve("one.conf"), natCluster.formatted(""));
        Importer.Result r = Importer.read(one, Importer.Format.keepalived, "nat", null);
        assertFalse(r.report().hasErrors(), r.report().entries().toString());
        assertEquals(new io.lvscp.api.model.NatRouter("10.11.12.10", "255.255.255.0", "eth1:1"), r.document().natRouter());
        entry(r.report(), "one.conf", 5, Report.Severity.note, "10.11.12.10 on eth1:1 is the only floating address on the real servers' subnet");
        Fixtures.assertValidAndRoundTrips(r.document());

        // A second candidate on the same subnet: which one the real servers route through is the operator's to say.
        Path two = Files.writeString(dir.resolve("two.conf"), natCluster.formatted("10.11.12.11/24 dev eth1 label eth1:2"));
        Importer.Result ambiguous = Importer.read(two, Importer.Format.keepalived, "nat", null);
        assertNull(ambiguous.document().natRouter());
        assertTrue(ambiguous.report().errors().stream().anyMatch(e -> e.message().contains("--nat-router")),
                ambiguous.report().entries().toString());
    }
}
