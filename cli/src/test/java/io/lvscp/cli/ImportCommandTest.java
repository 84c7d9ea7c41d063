package io.lvscp.cli;

import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterSpec;
import io.lvscp.cli.imports.Documents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command end to end, as picocli runs it: arguments in, document on stdout, reports on stderr, exit code. */
class ImportCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Lvscp.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String resource(String name) throws URISyntaxException {
        return Path.of(ImportCommandTest.class.getResource("/import/" + name).toURI()).toString();
    }

    @Test
    void lvsCfToYamlAndJson() throws Exception {
        Run yaml = run("import", resource("lvs.cf"));
        assertEquals(0, yaml.code(), yaml.err());
        ClusterSpec fromYaml = Documents.yamlMapper().readValue(yaml.out(), ClusterSpec.class);
        assertEquals("lvs", fromYaml.name());
        assertEquals(2, fromYaml.virtualServers().size());
        assertTrue(yaml.err().contains("lvs.cf:2: warning: serial_no"), yaml.err());
        assertTrue(yaml.out().startsWith("name: lvs\n"), yaml.out());

        Run json = run("import", resource("lvs.cf"), "-o", "json", "--cluster", "Prod_1");
        assertEquals(0, json.code(), json.err());
        ClusterSpec fromJson = Json.mapper().readValue(json.out(), ClusterSpec.class);
        assertEquals("prod-1", fromJson.name());
        assertEquals(fromYaml.virtualServers(), fromJson.virtualServers());
        assertTrue(json.err().contains("note: cluster 'Prod_1' is named 'prod-1'"), json.err());
        // The same fields as the server's cluster document, no other.
        var fields = new java.util.ArrayList<String>();
        Json.mapper().readTree(json.out()).fieldNames().forEachRemaining(fields::add);
        assertEquals(java.util.List.of("name", "routingMethod", "natRouter", "heartbeat", "connectionSync", "routers",
                "virtualServers", "firewallMarks"), fields);
    }

    @Test
    void keepalivedDetectedAndIncluded() throws Exception {
        Run r = run("import", resource("keepalived/keepalived.conf"), "--device", "eth0", "--nat-router", "10.0.0.254/24", "eth1",
                "-o", "json");
        assertEquals(0, r.code(), r.err());
        ClusterSpec d = Json.mapper().readValue(r.out(), ClusterSpec.class);
        assertEquals(5, d.virtualServers().size());
        assertTrue(r.err().contains("web.conf:22: warning: digest"), r.err());
        assertEquals(new io.lvscp.api.model.NatRouter("10.0.0.254", "255.255.255.0", "eth1"), d.natRouter());
    }

    @Test
    void refusedIsExitOneWithNoDocument() throws Exception {
        Run r = run("import", resource("bad-lvs.cf"));
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().contains("bad-lvs.cf:6: error: scheduler 'fastest'"), r.err());
        assertTrue(r.err().contains("refused: 5 error(s), nothing imported"), r.err());
        Run k = run("import", resource("keepalived/keepalived.conf"), "--format", "keepalived");
        assertEquals(1, k.code(), k.err());
        assertTrue(k.err().contains("more.conf:3: error: no vrrp_instance's virtual_ipaddress holds 10.0.0.102"), k.err());
    }

    @Test
    void usageErrorsAreExitTwo(@TempDir Path dir) throws Exception {
        assertEquals(2, run().code(), "no subcommand");
        assertEquals(2, run("import").code(), "no FILE");
        assertEquals(2, run("import", resource("lvs.cf"), "--format", "nginx").code());
        assertEquals(2, run("import", resource("lvs.cf"), "-o", "xml").code());
        assertEquals(2, run("import", resource("lvs.cf"), "--frobnicate").code());
        assertEquals(2, run("import", resource("lvs.cf"), "--nat-router", "10.0.0.254", "eth1").code(), "no netmask");
        assertEquals(2, run("import", resource("lvs.cf"), "--nat-router", "10.0.0.254/24").code(), "no device");
        Run missing = run("import", dir.resolve("nope.cf").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
        Path unknown = Files.writeString(dir.resolve("x.txt"), "hello world\n");
        Run undetected = run("import", unknown.toString());
        assertEquals(2, undetected.code());
        assertTrue(undetected.err().contains("give --format"), undetected.err());
        Run forced = run("import", unknown.toString(), "--format", "lvs.cf");
        assertEquals(1, forced.code(), "an explicit format is read as that format (and refused: no nat_router): " + forced.err());
        assertTrue(forced.err().contains("x.txt:1: warning: 'hello' has no lvscp equivalent"), forced.err());
    }

    @Test
    void help() {
        Run h = run("import", "--help");
        assertEquals(0, h.code());
        assertTrue(h.out().contains("Usage: lvscp import"), h.out());
        assertTrue(h.out().contains("Exit codes:"), h.out());
    }
}
