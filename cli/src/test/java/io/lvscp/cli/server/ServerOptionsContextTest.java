package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.cli.Lvscp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a server command's settings come from: option, then environment, then context, then default. No server. */
class ServerOptionsContextTest {
    @TempDir
    Path dir;

    private Path config() throws Exception {
        return Files.writeString(dir.resolve("config.yaml"), """
                contexts:
                  prod: {server: "https://prod:8443", tokenFile: prod.token, cacert: /etc/lvscp/ca.pem}
                  lab:
                    server: http://lab:8080
                    tokenFile: /secrets/lab.token
                current: prod
                """);
    }

    private static ServerOptions.Target resolve(String server, Path tokenFile, String context, Path config, Map<String, String> env)
            throws CliConfig.Bad {
        return new ServerOptions(server, tokenFile, null, context, config).resolve(env);
    }

    @Test
    void theCurrentContextIsUsedWhenNothingElseSaysAndRelativePathsAreTheFilesOwn() throws Exception {
        Path cfg = config();
        ServerOptions.Target t = resolve(null, null, null, cfg, Map.of());
        assertEquals("https://prod:8443", t.server());
        assertEquals(dir.resolve("prod.token").toAbsolutePath(), t.tokenFile());
        assertEquals(Path.of("/etc/lvscp/ca.pem"), t.cacert());

        ServerOptions.Target lab = resolve(null, null, "lab", cfg, Map.of());
        assertEquals("http://lab:8080", lab.server());
        assertEquals(Path.of("/secrets/lab.token"), lab.tokenFile());
        assertNull(lab.cacert(), "lab names no CA certificate");
    }

    @Test
    void anOptionBeatsTheEnvironmentWhichBeatsTheContext() throws Exception {
        Path cfg = config();
        Map<String, String> env = Map.of("LVSCP_SERVER", "http://from-env:1", "LVSCP_TOKEN", "lvscp_env");
        ServerOptions.Target fromEnv = resolve(null, null, null, cfg, env);
        assertEquals("http://from-env:1", fromEnv.server());
        assertNull(fromEnv.tokenFile(), "$LVSCP_TOKEN beats the context's tokenFile");
        assertEquals("lvscp_env", fromEnv.bearer());
        assertEquals(Path.of("/etc/lvscp/ca.pem"), fromEnv.cacert(), "what the environment does not say still comes from the context");

        Path tf = Files.writeString(dir.resolve("opt.token"), "lvscp_option\n");
        ServerOptions.Target fromOptions = resolve("http://from-option:2", tf, null, cfg, env);
        assertEquals("http://from-option:2", fromOptions.server());
        assertEquals("lvscp_option", fromOptions.bearer());
    }

    @Test
    void withoutAnyOfThemTheDefaultServerAndNoToken() throws Exception {
        ServerOptions.Target t = resolve(null, null, null, dir.resolve("absent.yaml"), Map.of());
        assertEquals(ServerOptions.DEFAULT_SERVER, t.server());
        assertThrows(IllegalArgumentException.class, t::bearer);
    }

    @Test
    void theConfigFileIsTheOptionsElseLvscpConfigs() throws Exception {
        Path cfg = config();
        assertEquals("https://prod:8443", resolve(null, null, null, null, Map.of(CliConfig.ENV, cfg.toString())).server());
        assertEquals(ServerOptions.DEFAULT_SERVER,
                resolve(null, null, null, dir.resolve("absent.yaml"), Map.of(CliConfig.ENV, cfg.toString())).server());
    }

    @Test
    void aContextThatIsNotThereIsABadConfig() throws Exception {
        CliConfig.Bad e = assertThrows(CliConfig.Bad.class, () -> resolve(null, null, "staging", config(), Map.of()));
        assertTrue(e.getMessage().contains("no context 'staging'") && e.getMessage().contains("prod, lab"), e.getMessage());
    }

    @Test
    void aMalformedConfigIsOneLineAndExit2() throws Exception {
        for (String text : new String[] {"contexts: [prod\n", "contexts:\n  prod: {srever: http://x}\n", "- a\n- b\n",
                "contexts:\n  prod: {server: 8080}\n", "current: a\ncurrent: b\n", "colour: blue\n"}) {
            Path bad = Files.writeString(dir.resolve("bad.yaml"), text);
            CliOnControlPlane.Run r = CliOnControlPlane.plain("export", "web", "--config", bad.toString());
            assertEquals(Lvscp.USAGE, r.code(), text + r.all());
            assertEquals(1, r.err().lines().count(), text + r.all());
            assertTrue(r.err().startsWith("error: " + bad), text + r.all());
            assertEquals("", r.out());
        }
    }

    @Test
    void setContextUseContextAndGetContextsEditAndShowTheFile() throws Exception {
        Path cfg = dir.resolve("sub/config.yaml");
        CliOnControlPlane.Run set = CliOnControlPlane.plain("config", "set-context", "lab", "--server", "http://lab:8080", "--config", cfg.toString());
        assertEquals(Lvscp.OK, set.code(), set.all());
        assertEquals(Lvscp.OK, CliOnControlPlane.plain("config", "set-context", "prod", "--server", "https://prod:8443",
                "--token-file", "/secrets/prod.token", "--config", cfg.toString()).code());
        assertEquals(Lvscp.OK, CliOnControlPlane.plain("config", "use-context", "prod", "--config", cfg.toString()).code());
        assertEquals(Lvscp.USAGE, CliOnControlPlane.plain("config", "use-context", "nosuch", "--config", cfg.toString()).code());

        CliOnControlPlane.Run get = CliOnControlPlane.plain("config", "get-contexts", "--config", cfg.toString());
        assertEquals(Lvscp.OK, get.code(), get.all());
        assertTrue(get.out().lines().anyMatch(l -> l.startsWith("*") && l.contains("prod") && l.contains("/secrets/prod.token")), get.all());
        assertTrue(get.out().lines().anyMatch(l -> !l.startsWith("*") && l.contains("lab")), get.all());
        ServerOptions.Target t = resolve(null, null, null, cfg, Map.of());
        assertEquals("https://prod:8443", t.server());
    }
}
