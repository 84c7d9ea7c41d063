package io.lvscp.cli.imports;

import io.lvscp.api.model.ClusterSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every keepalived.conf sample Debian's keepalived package ships (gzipped ones too) is imported: each that
 * configures virtual servers gives a valid document, or is refused with errors that name what lvscp cannot express.
 */
class DebianSamplesTest {
    static final Path SAMPLES = Path.of("/usr/share/doc/keepalived/samples");
    private static final Pattern VIRTUAL_SERVER = Pattern.compile("(?m)^\\s*virtual_server\\s");
    private static final Pattern LINE = Pattern.compile("^\\S.*:\\d+: (note|warning|error): \\S.*$");

    @TempDir
    static Path unpacked;
    static List<Path> samples = new ArrayList<>();

    @BeforeAll
    static void samples() throws IOException {
        if (!Files.isDirectory(SAMPLES)) {
            fail(SAMPLES + " is missing: these tests import the samples of Debian's keepalived package (apt-get install keepalived)");
        }
        try (Stream<Path> files = Files.list(SAMPLES)) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (!n.startsWith("keepalived.conf")) continue;
                if (n.endsWith(".gz")) {
                    Path out = unpacked.resolve(n.substring(0, n.length() - 3));
                    try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
                        Files.copy(in, out);
                    }
                    samples.add(out);
                } else {
                    samples.add(f);
                }
            }
        }
        assertTrue(samples.size() >= 10, "Debian's keepalived ships some 25 samples; found " + samples);
    }

    private static boolean configuresVirtualServers(Path f) throws IOException {
        return VIRTUAL_SERVER.matcher(Files.readString(f, StandardCharsets.UTF_8)).find();
    }

    /** What lvscp cannot express in these samples, as the errors say it. */
    private static final List<String> EXPECTED_REASONS = List.of(
            "no vrrp_instance's virtual_ipaddress holds",
            "an lvscp firewall-mark virtual server needs the VIP",
            "an lvscp NAT cluster needs its NAT router");
    static final io.lvscp.api.model.NatRouter NAT_ROUTER = new io.lvscp.api.model.NatRouter("172.16.0.254", "255.255.255.0", "eth1");

    @Test
    void everySampleImportsOrNamesWhatCannotBeExpressed() throws Exception {
        Set<String> refused = new TreeSet<>();
        int withVirtualServers = 0;
        for (Path f : samples) {
            Importer.Result r = Importer.read(f, Importer.Format.keepalived, null, null);
            for (Report.Entry e : r.report().entries()) {
                assertTrue(LINE.matcher(e.toString()).matches(), "a readable FILE:LINE: line: " + e);
            }
            if (!configuresVirtualServers(f)) {
                assertFalse(r.report().hasErrors(), f + ": " + r.report().errors());
                assertEquals(List.of(), r.document().virtualServers(), f.toString());
                continue;
            }
            withVirtualServers++;
            if (r.report().hasErrors()) {
                refused.add(f.getFileName().toString());
                for (Report.Entry e : r.report().errors()) {
                    assertTrue(EXPECTED_REASONS.stream().anyMatch(e.message()::contains), "an error that names what cannot be expressed: " + e);
                }
            } else {
                assertFalse(r.document().virtualServers().isEmpty(), f.toString());
                Fixtures.assertValidAndRoundTrips(r.document());
            }
        }
        assertTrue(withVirtualServers >= 10, "samples with virtual servers: " + withVirtualServers);
        // Most of Debian's samples balance a VIP that no vrrp_instance of theirs holds: without --device, refused.
        assertTrue(refused.contains("keepalived.conf.sample"), refused.toString());
    }

    @Test
    void withADeviceAndANatRouterEverySampleButTheFirewallMarkOnesImports() throws Exception {
        Set<String> refused = new TreeSet<>();
        int imported = 0;
        for (Path f : samples) {
            if (!configuresVirtualServers(f)) continue;
            Importer.Result r = Importer.read(f, Importer.Format.keepalived, null, "eth0", NAT_ROUTER);
            if (r.report().hasErrors()) {
                refused.add(f.getFileName().toString());
                for (Report.Entry e : r.report().errors()) {
                    assertTrue(e.message().contains("an lvscp firewall-mark virtual server needs the VIP"), e.toString());
                }
                continue;
            }
            imported++;
            ClusterSpec d = r.document();
            Fixtures.assertValidAndRoundTrips(d);
            for (ClusterSpec.VirtualServer vs : d.virtualServers()) {
                assertTrue(vs.port() != null && vs.device() != null && vs.netmask() != null, vs.toString());
                assertFalse(vs.realServers().isEmpty(), f + ": " + vs.name());
            }
        }
        assertEquals(Set.of("keepalived.conf.fwmark", "keepalived.conf.virtual_server_group"), refused,
                "keepalived's fwmark virtual servers name no VIP");
        assertTrue(imported >= 10, "imported: " + imported);
    }

    @Test
    void whatTheMainSampleGives() throws Exception {
        Importer.Result r = Importer.read(SAMPLES.resolve("keepalived.conf.sample"), Importer.Format.keepalived, null, "eth0", NAT_ROUTER);
        assertFalse(r.report().hasErrors(), r.report().entries().toString());
        ClusterSpec d = r.document();
        assertEquals("keepalived-conf-sample", d.name());
        assertEquals(1, d.virtualServers().size(), d.virtualServers().toString());
        ClusterSpec.VirtualServer first = d.virtualServers().get(0);
        assertEquals("10.10.10.2", first.address());
        assertEquals(1358, first.port());
        assertEquals(new io.lvscp.api.model.SorryServer("192.168.200.200", 1358), first.sorryServer());
        assertEquals(io.lvscp.api.model.HealthCheckKind.http, first.healthCheck().kind());
        assertEquals("/testurl3/test.jsp", first.healthCheck().path());
        assertEquals(6, first.healthCheck().intervalSeconds(), "delay_loop 6");
        assertEquals(3, first.healthCheck().timeoutSeconds(), "connect_timeout 3");
        assertEquals(4, first.healthCheck().fall(), "retry 3");
        assertEquals(new io.lvscp.api.model.Persistence(50, null), first.persistence());
        assertTrue(r.report().warnings().stream().anyMatch(e -> e.message().contains("global_defs ignored")), r.report().entries().toString());
    }
}
