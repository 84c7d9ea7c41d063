package io.lvscp.agent.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent's TLS settings: read from YAML and the environment, and refused where they cannot work. */
class AgentTlsConfigTest {
    private static final Map<String, String> NAMED = Map.of("LVSCP_CLUSTER", "web", "LVSCP_ROUTER", "lvs1", "LVSCP_TOKEN", "lvscp_x_y");

    private static Map<String, String> env(String... kv) {
        Map<String, String> m = new java.util.HashMap<>(NAMED);
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void noTlsSettingsByDefault() throws Exception {
        AgentConfig c = AgentConfig.load(null, NAMED);
        assertEquals(new AgentConfig.Tls(null, null, null), c.tls());
        assertEquals(List.of(), c.problems());
    }

    @Test
    void fromYamlWithTheEnvironmentOverIt() throws Exception {
        Path dir = Files.createTempDirectory("lvscp-agent-tls");
        Path ca = Files.writeString(dir.resolve("ca.crt"), "x");
        Path cert = Files.writeString(dir.resolve("lvs1.crt"), "x");
        Path key = Files.writeString(dir.resolve("lvs1.key"), "x");
        Path yaml = Files.writeString(dir.resolve("agent.yaml"), "controlPlane: https://lvscp.example:8443\n"
                + "tls: {caFile: /nowhere/ca.crt, certFile: " + cert + ", keyFile: " + key + "}\n");
        AgentConfig c = AgentConfig.load(yaml, env("LVSCP_TLS_CA_FILE", ca.toString()));
        assertEquals(new AgentConfig.Tls(ca.toString(), cert.toString(), key.toString()), c.tls());
        assertTrue(c.tls().clientCertificate());
        assertEquals(List.of(), c.problems());
    }

    @Test
    void tlsSettingsThatCannotWorkAreRefused() throws Exception {
        Path ca = Files.writeString(Files.createTempDirectory("lvscp-agent-tls").resolve("ca.crt"), "x");
        assertEquals(List.of("tls settings need an https:// controlPlane, not http://lvscp.example:8080"),
                AgentConfig.load(null, env("LVSCP_CONTROL_PLANE", "http://lvscp.example:8080", "LVSCP_TLS_CA_FILE", ca.toString())).problems());
        assertEquals(List.of("tls.certFile and tls.keyFile go together: set both or neither (LVSCP_TLS_CERT_FILE, LVSCP_TLS_KEY_FILE)",
                        "tls.certFile /nowhere/lvs1.crt is not a readable file"),
                AgentConfig.load(null, env("LVSCP_CONTROL_PLANE", "https://lvscp.example", "LVSCP_TLS_CERT_FILE", "/nowhere/lvs1.crt")).problems());
        assertEquals(List.of("tls.caFile /nowhere/ca.crt is not a readable file"),
                AgentConfig.load(null, env("LVSCP_CONTROL_PLANE", "https://lvscp.example", "LVSCP_TLS_CA_FILE", "/nowhere/ca.crt")).problems());
    }
}
