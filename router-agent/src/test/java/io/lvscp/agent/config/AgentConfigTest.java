package io.lvscp.agent.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the heartbeat key comes from, and that it never shows. */
class AgentConfigTest {
    static final String KEY = "5f2b8d0e7c1a4b3f9e6d2c8a0b7f1e4d5f2b8d0e7c1a4b3f9e6d2c8a0b7f1e4d";
    @TempDir
    Path dir;

    Path yaml(String... lines) throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, "cluster: web\nrouter: lvs1\ntoken: lvscp_abcdefghijklmnop_" + "A".repeat(43) + "\n" + String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void withoutAKeyTheAgentStartsUnauthenticated() throws Exception {
        AgentConfig c = AgentConfig.load(yaml(), Map.of());
        assertNull(c.heartbeatKey());
        assertEquals(java.util.List.of(), c.problems());
    }

    @Test
    void theKeyComesFromTheFileTheConfigNames() throws Exception {
        Path key = Files.writeString(dir.resolve("heartbeat.key"), KEY + "\n");
        AgentConfig c = AgentConfig.load(yaml("failover:", "  heartbeatKeyFile: " + key), Map.of());
        assertArrayEquals(KEY.getBytes(StandardCharsets.US_ASCII), c.heartbeatKey().bytes());
        assertEquals(java.util.List.of(), c.problems());
        assertFalse(c.toString().contains(KEY));
    }

    @Test
    void environmentVariablesWinAndTheKeyItselfCanOnlyComeFromOne() throws Exception {
        Path key = Files.writeString(dir.resolve("heartbeat.key"), KEY);
        Path other = Files.writeString(dir.resolve("other.key"), "x".repeat(40));
        AgentConfig c = AgentConfig.load(yaml("failover:", "  heartbeatKeyFile: " + key), Map.of("LVSCP_HEARTBEAT_KEY_FILE", other.toString()));
        assertEquals("x".repeat(40), new String(c.heartbeatKey().bytes(), StandardCharsets.US_ASCII));
        AgentConfig e = AgentConfig.load(yaml("failover:", "  heartbeatKeyFile: " + key), Map.of("LVSCP_HEARTBEAT_KEY", "y".repeat(40)));
        assertEquals("y".repeat(40), new String(e.heartbeatKey().bytes(), StandardCharsets.US_ASCII));
        assertFalse(e.toString().contains("y".repeat(40)), e.toString());
    }

    @Test
    void aKeyWrittenInlineInTheFileIsRefused() throws Exception {
        Path f = yaml("failover:", "  heartbeatKey: " + KEY);
        Exception x = assertThrows(IllegalArgumentException.class, () -> AgentConfig.load(f, Map.of()));
        assertTrue(x.getMessage().contains("the heartbeat key cannot be written in the config file"), x.getMessage());
        assertFalse(x.getMessage().contains(KEY), "the error does not repeat the key: " + x.getMessage());
        // Any other mistake in a file that holds a key does not quote the file either.
        Path typo = yaml("failover:", "  heartbeatKey: " + KEY, "  heartbeatKeyFil: /etc/x");
        Exception y = assertThrows(Exception.class, () -> AgentConfig.load(typo, Map.of()));
        assertFalse(y.getMessage().contains(KEY), y.getMessage());
    }

    @Test
    void aMissingOrShortKeyStopsTheAgentWithoutShowingIt() throws Exception {
        AgentConfig missing = AgentConfig.load(yaml("failover:", "  heartbeatKeyFile: " + dir.resolve("nope")), Map.of());
        assertEquals(1, missing.problems().size());
        assertTrue(missing.problems().get(0).startsWith("cannot read " + dir.resolve("nope")), missing.problems().toString());
        Path shortKey = Files.writeString(dir.resolve("short.key"), "tooshort-secret\n");
        AgentConfig tooShort = AgentConfig.load(yaml("failover:", "  heartbeatKeyFile: " + shortKey), Map.of());
        assertEquals(java.util.List.of("heartbeat key file " + shortKey + " holds 15 bytes; a heartbeat key needs at least 32 (openssl rand -hex 32)"),
                tooShort.problems());
        AgentConfig shortEnv = AgentConfig.load(yaml(), Map.of("LVSCP_HEARTBEAT_KEY", "tooshort-secret"));
        assertFalse(shortEnv.problems().toString().contains("tooshort-secret"), shortEnv.problems().toString());
        assertEquals(1, shortEnv.problems().size());
    }

    @Test
    void controlPlaneIsOneUrlOrAListOfReplicas() throws Exception {
        assertEquals(java.util.List.of("http://127.0.0.1:8080"), AgentConfig.load(yaml(), Map.of()).controlPlane(), "the default");
        AgentConfig one = AgentConfig.load(yaml("controlPlane: http://cp1.example:8080"), Map.of());
        assertEquals(java.util.List.of("http://cp1.example:8080"), one.controlPlane());
        assertEquals(java.util.List.of(), one.problems());
        AgentConfig two = AgentConfig.load(yaml("controlPlane: [http://cp1.example:8080, http://cp2.example:8080]"), Map.of());
        assertEquals(java.util.List.of("http://cp1.example:8080", "http://cp2.example:8080"), two.controlPlane());
        assertEquals(java.util.List.of(java.net.URI.create("http://cp1.example:8080"), java.net.URI.create("http://cp2.example:8080")),
                two.controlPlaneUris());
        assertEquals(java.util.List.of(), two.problems());
        // JSON is YAML too, and the environment wins with a comma-separated list.
        Path json = Files.writeString(dir.resolve("agent.json"), "{\"cluster\": \"web\", \"router\": \"lvs1\", \"token\": \"t\", "
                + "\"controlPlane\": [\"https://cp1.example\", \"https://cp2.example:8443\"]}");
        assertEquals(java.util.List.of("https://cp1.example", "https://cp2.example:8443"), AgentConfig.load(json, Map.of()).controlPlane());
        assertEquals(java.util.List.of("http://a:1", "http://b:2"),
                AgentConfig.load(json, Map.of("LVSCP_CONTROL_PLANE", "http://a:1, http://b:2")).controlPlane());
    }

    @Test
    void aBadUrlInTheListIsOneErrorNamingItsIndex() throws Exception {
        assertEquals(java.util.List.of("controlPlane[1] must be an http:// or https:// URL, not ftp://cp2.example"),
                AgentConfig.load(yaml("controlPlane: [http://cp1.example:8080, ftp://cp2.example, http://cp3.example]"), Map.of()).problems());
        assertEquals(java.util.List.of("controlPlane[2] is not a URL: Illegal character in authority at index 7: http://cp 3"),
                AgentConfig.load(yaml("controlPlane: [http://cp1.example, http://cp2.example, 'http://cp 3']"), Map.of()).problems());
        assertEquals(java.util.List.of("controlPlane[0] names no host: http:///v1"),
                AgentConfig.load(yaml("controlPlane: ['http:///v1', http://cp2.example]"), Map.of()).problems());
        assertEquals(java.util.List.of("controlPlane[1] is empty; give an http:// or https:// URL"),
                AgentConfig.load(yaml("controlPlane: [http://cp1.example, '']"), Map.of()).problems());
        assertEquals(java.util.List.of("controlPlane must name at least one http:// or https:// URL"),
                AgentConfig.load(yaml("controlPlane: []"), Map.of()).problems());
        assertEquals(java.util.List.of("controlPlane[1] is http:// while controlPlane[0] is https://; reach every replica the same way"),
                AgentConfig.load(yaml("controlPlane: [https://cp1.example, http://cp2.example]"), Map.of()).problems());
        // One URL keeps the message it always had.
        assertEquals(java.util.List.of("controlPlane must be an http:// or https:// URL"),
                AgentConfig.load(yaml("controlPlane: ftp://cp.example"), Map.of()).problems());
    }
}
