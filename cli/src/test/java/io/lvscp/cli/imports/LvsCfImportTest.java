package io.lvscp.cli.imports;

import io.lvscp.api.model.ClusterSpec;
import io.lvscp.api.model.ConnectionSync;
import io.lvscp.api.model.HealthCheckKind;
import io.lvscp.api.model.NatRouter;
import io.lvscp.api.model.Persistence;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.RealServerState;
import io.lvscp.api.model.RolePreference;
import io.lvscp.api.model.Router;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.Scheduler;
import io.lvscp.api.model.SorryServer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static io.lvscp.cli.imports.Fixtures.entry;
import static io.lvscp.cli.imports.Report.Severity.error;
import static io.lvscp.cli.imports.Report.Severity.note;
import static io.lvscp.cli.imports.Report.Severity.warning;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LvsCfImportTest {
    @Test
    void everyGlobalDirective() throws Exception {
        Importer.Result r = Importer.read(Fixtures.resource("lvs.cf"), Importer.Format.lvs_cf, null, null);
        assertFalse(r.report().hasErrors(), r.report().entries().toString());
        ClusterSpec d = r.document();
        assertEquals("lvs", d.name());
        assertEquals(RoutingMethod.nat, d.routingMethod());
        assertEquals(new NatRouter("192.168.1.254", "255.255.255.0", "eth1:1"), d.natRouter());
        assertEquals(1539, d.heartbeat().port());
        assertEquals(4, d.heartbeat().keepaliveSeconds());
        assertEquals(12, d.heartbeat().deadtimeSeconds());
        assertEquals(new ConnectionSync("eth1", 7), d.connectionSync());
        assertEquals(List.of(new Router("primary", "10.0.0.1", "192.168.1.1", RolePreference.primary),
                new Router("backup", "10.0.0.2", "192.168.1.2", RolePreference.backup)), d.routers());
        assertEquals(List.of(new io.lvscp.api.model.FirewallMark(3L, Protocol.tcp, "10.0.0.101", List.of("21"))), d.firewallMarks(),
                "the fwmark virtual server's mark, gathering its port");
        Report rep = r.report();
        entry(rep, "lvs.cf", 2, warning, "serial_no");
        entry(rep, "lvs.cf", 16, warning, "debug_level");
        entry(rep, "lvs.cf", 17, warning, "monitor_links");
        entry(rep, "lvs.cf", 21, warning, "tcp_timeout");
        Fixtures.assertValidAndRoundTrips(d);
    }

    @Test
    void everyVirtualAndServerDirective() throws Exception {
        Importer.Result r = Importer.read(Fixtures.resource("lvs.cf"), Importer.Format.lvs_cf, "prod", null);
        ClusterSpec d = r.document();
        assertEquals("prod", d.name());
        ClusterSpec.VirtualServer web = d.virtualServers().get(0);
        assertEquals("web-server-http", web.name());
        entry(r.report(), "lvs.cf", 23, note, "'Web_Server.HTTP' is named 'web-server-http'");
        assertEquals("10.0.0.100", web.address());
        assertEquals("eth0:1", web.device());
        assertEquals("255.255.255.0", web.netmask());
        assertEquals(80, web.port());
        assertNull(web.firewallMark());
        assertEquals(new Persistence(300, "255.255.255.0"), web.persistence());
        assertEquals(HealthCheckKind.expect, web.healthCheck().kind());
        assertEquals("GET / HTTP/1.0\r\n\r\n", web.healthCheck().send(), "the escapes of the quoted string are read");
        assertEquals("HTTP", web.healthCheck().expect());
        assertEquals(false, web.healthCheck().useRegex());
        assertEquals(6, web.healthCheck().timeoutSeconds());
        assertEquals(15, web.healthCheck().reentrySeconds());
        assertEquals(Scheduler.wlc, web.scheduler());
        assertEquals(Protocol.tcp, web.protocol());
        assertEquals(true, web.quiesceOnFailure());
        assertEquals(new SorryServer("10.0.1.9", 8080), web.sorryServer());
        assertEquals(true, web.active());
        entry(r.report(), "lvs.cf", 33, warning, "load_monitor = uptime");
        assertEquals(2, web.realServers().size());
        assertEquals("web-1", web.realServers().get(0).name());
        assertEquals(80, web.realServers().get(0).port(), "a server without port has the virtual's");
        assertEquals(2, web.realServers().get(0).weight());
        assertNull(web.realServers().get(0).state());
        assertEquals("web-2", web.realServers().get(1).name());
        assertEquals(8080, web.realServers().get(1).port());
        assertEquals(RealServerState.drained, web.realServers().get(1).state(), "active = 0 is drained");

        ClusterSpec.VirtualServer ftp = d.virtualServers().get(1);
        assertEquals("ftp", ftp.name());
        assertEquals("10.0.0.101", ftp.address());
        assertEquals("eth0:2", ftp.device(), "a quoted \"ADDRESS DEVICE\"");
        assertEquals(3L, ftp.firewallMark());
        assertNull(ftp.port(), "a firewall-mark virtual server has no port");
        assertEquals(false, ftp.active());
        assertEquals(HealthCheckKind.program, ftp.healthCheck().kind());
        assertEquals("/usr/local/bin/check_ftp --host %h", ftp.healthCheck().program());
        assertEquals(21, ftp.realServers().get(0).port());
        entry(r.report(), "lvs.cf", 60, warning, "expect with send_program");
        entry(r.report(), "lvs.cf", 63, warning, "'port' given again (first at line 57)");
        entry(r.report(), "lvs.cf", 58, warning, "imported as firewall mark 3 gathering port 21");
        Fixtures.assertValidAndRoundTrips(d);
    }

    @Test
    void whatCannotBeExpressedIsAnErrorWithItsLine() throws Exception {
        Importer.Result r = Importer.read(Fixtures.resource("bad-lvs.cf"), Importer.Format.lvs_cf, null, null);
        Report rep = r.report();
        assertTrue(rep.hasErrors());
        entry(rep, "bad-lvs.cf", 2, error, "'lvs1.example.com' is not an IP address literal");
        entry(rep, "bad-lvs.cf", 3, error, "network 'bridge'");
        entry(rep, "bad-lvs.cf", 5, error, "names no device");
        entry(rep, "bad-lvs.cf", 6, error, "scheduler 'fastest'");
        entry(rep, "bad-lvs.cf", 8, error, "'check.sh' is not an absolute path");
        assertEquals(5, rep.errors().size(), rep.errors().toString());
    }

    @Test
    void whatTheServerWouldRefuseIsRefusedAtItsLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("lvs.cf");
        java.nio.file.Files.writeString(f, """
                primary = 10.0.0.1
                network = nat
                keepalive = 10
                deadtime = 5
                syncdaemon = 1
                syncd_iface = eth1:1
                virtual web {
                    address = 10.0.0.100 eth0:1
                    vip_nmask = 255.255.255.0
                    port = 80
                    sorry_server = 10.0.0.100
                    server a {
                        address = 10.0.0.100
                    }
                }
                """);
        Importer.Result r = Importer.read(f, Importer.Format.lvs_cf, null, null);
        Report rep = r.report();
        entry(rep, "lvs.cf", 2, error, "an lvscp NAT cluster needs its NAT router");
        entry(rep, "lvs.cf", 1, error, "router primary of a NAT cluster needs its private address");
        entry(rep, "lvs.cf", 4, error, "deadtime 5 s must be longer than the keepalive interval 10 s");
        entry(rep, "lvs.cf", 6, error, "the sync daemon needs an interface");
        entry(rep, "lvs.cf", 7, error, "the sorry server cannot be the VIP itself");
        entry(rep, "lvs.cf", 12, error, "real server 10.0.0.100 is the VIP itself");

        Path direct = dir.resolve("direct.cf");
        java.nio.file.Files.writeString(direct, """
                network = direct
                virtual web {
                    address = 10.0.0.100 eth0:1
                    vip_nmask = 255.255.255.0
                    port = 80
                    server a {
                        address = 192.168.1.1
                        port = 8080
                    }
                }
                """);
        entry(Importer.read(direct, Importer.Format.lvs_cf, null, null).report(), "direct.cf", 6, error,
                "reached by direct routing, which leaves packets unchanged, so it serves the virtual server's port 80, not 8080");
    }

    @Test
    void regexesAndFailoverServices(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("lvs.cf");
        java.nio.file.Files.writeString(f, """
                network = direct
                failover ftp {
                    address = 10.0.0.9 eth0:9
                }
                virtual web {
                    address = 10.0.0.100 eth0:1
                    vip_nmask = 255.255.255.0
                    port = 80
                    send = "GET / HTTP/1.0\\r\\n\\r\\n"
                    expect = "HTTP/1\\.[01] (200"
                    use_regex = 1
                }
                """);
        Report rep = Importer.read(f, Importer.Format.lvs_cf, null, null).report();
        entry(rep, "lvs.cf", 2, warning, "failover ftp: Piranha's failover services");
        entry(rep, "lvs.cf", 10, error, "is not a regular expression (use_regex = 1)");
    }

    @Test
    void oddlyWrittenFilesReadTheSame(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("Odd LVS.cf");
        java.nio.file.Files.writeString(f, """
                primary=10.0.0.1
                network   =direct
                   backup_active = 0
                backup = 10.0.0.2
                syncdaemon = 1
                virtual  "Mail Relay"
                {
                \taddress= 10.0.0.25 eth0:3      # the VIP
                \tport = 25
                \tprotocol = TCP
                \tscheduler = rr
                \tscheduler = wrr
                   server   mx.1 {
                address = 192.168.2.1
                    }
                  frobnicate = 3
                }
                """);
        Importer.Result r = Importer.read(f, Importer.Format.lvs_cf, null, null);
        assertFalse(r.report().hasErrors(), r.report().entries().toString());
        ClusterSpec d = r.document();
        assertEquals("odd-lvs", d.name());
        entry(r.report(), "Odd LVS.cf", 1, note, "cluster (from the file's name) 'Odd LVS' is named 'odd-lvs'");
        assertEquals(RoutingMethod.direct, d.routingMethod());
        assertEquals(1, d.routers().size(), "backup_active = 0 leaves the backup out");
        entry(r.report(), "Odd LVS.cf", 3, warning, "backup_active = 0");
        assertEquals(new ConnectionSync("eth0", 0), d.connectionSync());
        entry(r.report(), "Odd LVS.cf", 5, warning, "syncdaemon without syncd_iface");
        ClusterSpec.VirtualServer vs = d.virtualServers().get(0);
        assertEquals("mail-relay", vs.name());
        assertEquals("eth0:3", vs.device());
        assertEquals(Scheduler.wrr, vs.scheduler(), "the last of a repeated key counts");
        entry(r.report(), "Odd LVS.cf", 12, warning, "'scheduler' given again");
        entry(r.report(), "Odd LVS.cf", 6, warning, "no vip_nmask");
        entry(r.report(), "Odd LVS.cf", 16, warning, "'frobnicate' has no lvscp equivalent");
        assertEquals("mx-1", vs.realServers().get(0).name());
        Fixtures.assertValidAndRoundTrips(d);
    }
}
