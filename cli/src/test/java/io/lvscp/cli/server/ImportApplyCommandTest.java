package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lvscp.cli.Lvscp;
import io.lvscp.cli.imports.Documents;
import io.lvscp.controlplane.support.Api;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lvscp import FILE --apply}: the imported document through PUT .../spec, as {@code lvscp apply -f}. */
class ImportApplyCommandTest {
    @TempDir
    static Path dir;
    static CliOnControlPlane cli;

    @BeforeAll
    static void start() throws Exception {
        cli = CliOnControlPlane.start(dir);
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    static String resource(String name) throws Exception {
        return Path.of(ImportApplyCommandTest.class.getResource("/import/" + name).toURI()).toString();
    }

    /** vs/rs: address:port weight state, sorted. */
    private static java.util.SortedSet<String> realServers(String yaml) throws Exception {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        for (var vs : Documents.yamlMapper().readTree(yaml).path("virtualServers")) {
            for (var rs : vs.path("realServers")) {
                out.add(vs.path("name").asText() + "/" + rs.path("name").asText() + ": " + rs.path("address").asText() + ":" + rs.path("port").asText()
                        + " weight " + rs.path("weight").asText() + " " + rs.path("state").asText("active"));
            }
        }
        return out;
    }

    @Test
    void importApplyThenExportRoundTrips() throws Exception {
        String lvsCf = resource("lvs.cf");
        CliOnControlPlane.Run printed = CliOnControlPlane.plain("import", lvsCf, "--cluster", "piranha");
        assertEquals(Lvscp.OK, printed.code(), printed.all());

        CliOnControlPlane.Run plan = cli.lvscp("import", lvsCf, "--cluster", "piranha", "--apply", "--dry-run");
        assertEquals(Lvscp.OK, plan.code(), plan.all());
        assertTrue(plan.out().startsWith("--- piranha (does not exist yet)\n+++ piranha after this change\n") && plan.out().contains("+name: piranha\n")
                && plan.out().contains("\ncluster piranha: ") && plan.out().contains("would be appended") && plan.out().contains("ClusterCreated"),
                plan.all());
        Api.given(cli.cp()).get("/v1/clusters/piranha").then().statusCode(404);

        CliOnControlPlane.Run applied = cli.lvscp("import", lvsCf, "--cluster", "piranha", "--apply", "--reason", "moved from piranha");
        assertEquals(Lvscp.OK, applied.code(), applied.all());
        assertTrue(applied.out().contains("ClusterCreated") && applied.out().contains("applied: cluster piranha is at revision"), applied.all());
        assertTrue(applied.err().contains("warning"), "the import's report still on stderr: " + applied.all());

        CliOnControlPlane.Run export = cli.lvscp("export", "piranha");
        assertEquals(Lvscp.OK, export.code(), export.all());
        // The server lists by name and writes every default out, so the two differ in form; by real server they agree.
        assertEquals(3, realServers(printed.out()).size(), printed.out());
        assertEquals(realServers(printed.out()), realServers(export.out()), export.out());
        Path exported = Files.writeString(dir.resolve("piranha.yaml"), export.out());
        assertEquals("cluster piranha: no change", cli.lvscp("apply", "-f", exported.toString()).out().strip());
        assertEquals("cluster piranha: no change", cli.lvscp("import", lvsCf, "--cluster", "piranha", "--apply").out().strip());
    }

    @Test
    void withoutApplyTheServerOptionsAreNotNeededAndDryRunAloneIsAUsageError() throws Exception {
        String lvsCf = resource("lvs.cf");
        CliOnControlPlane.Run noServer = CliOnControlPlane.plain("import", lvsCf, "--server", "http://127.0.0.1:1");
        assertEquals(Lvscp.OK, noServer.code(), noServer.all());
        assertEquals(Lvscp.USAGE, CliOnControlPlane.plain("import", lvsCf, "--dry-run").code());
        CliOnControlPlane.Run refused = CliOnControlPlane.plain("import", resource("bad-lvs.cf"), "--apply", "--server", "http://127.0.0.1:1");
        assertEquals(Lvscp.REFUSED, refused.code(), "an import with errors never reaches the server: " + refused.all());
    }

    @Test
    void aContextAloneTakesTheCommandToItsServer() throws Exception {
        assumeTrue(System.getenv("LVSCP_SERVER") == null && System.getenv("LVSCP_TOKEN") == null, "the environment would win over the context");
        Path cfg = dir.resolve("config.yaml");
        assertEquals(Lvscp.OK, CliOnControlPlane.plain("config", "set-context", "test", "--server", cli.cp().baseUrl(),
                "--token-file", cli.adminToken.toString(), "--config", cfg.toString()).code());
        assertEquals(Lvscp.OK, CliOnControlPlane.plain("config", "use-context", "test", "--config", cfg.toString()).code());
        CliOnControlPlane.Run r = CliOnControlPlane.plain("import", resource("lvs.cf"), "--cluster", "by-context", "--apply", "--config", cfg.toString());
        assertEquals(Lvscp.OK, r.code(), r.all());
        Api.given(cli.cp()).get("/v1/clusters/by-context").then().statusCode(200);
        CliOnControlPlane.Run other = CliOnControlPlane.plain("export", "by-context", "--config", cfg.toString(), "--server", "http://127.0.0.1:1");
        assertEquals(3, other.code(), "--server beats the context: " + other.all());
    }
}
