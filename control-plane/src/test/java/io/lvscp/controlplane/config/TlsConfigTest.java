package io.lvscp.controlplane.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The control plane's TLS settings: read from YAML and the environment, and checked before it listens. */
class TlsConfigTest {
    @Test
    void plainHttpByDefault() throws Exception {
        ControlPlaneConfig c = ControlPlaneConfig.load(null, Map.of());
        assertFalse(c.tls().enabled());
        assertEquals(List.of(), c.tls().problems());
    }

    @Test
    void fromYamlWithTheEnvironmentOverIt() throws Exception {
        Path dir = Files.createTempDirectory("lvscp-tls-config");
        Path cert = Files.writeString(dir.resolve("cp.crt"), "x");
        Path key = Files.writeString(dir.resolve("cp.key"), "x");
        Path ca = Files.writeString(dir.resolve("ca.crt"), "x");
        Path yaml = Files.writeString(dir.resolve("lvscp.yaml"), "tls: {certFile: /nowhere/cp.crt, keyFile: " + key + "}\n");
        ControlPlaneConfig c = ControlPlaneConfig.load(yaml, Map.of("LVSCP_TLS_CERT_FILE", cert.toString(), "LVSCP_TLS_CLIENT_CA_FILE", ca.toString()));
        assertEquals(new ControlPlaneConfig.Tls(cert.toString(), key.toString(), ca.toString()), c.tls());
        assertTrue(c.tls().enabled());
        assertEquals(List.of(), c.tls().problems());
        assertEquals(8080, c.http().port(), "the rest keeps its defaults");
    }

    @Test
    void problemsAreNamed() {
        assertEquals(List.of("tls.certFile and tls.keyFile go together: set both or neither (LVSCP_TLS_CERT_FILE, LVSCP_TLS_KEY_FILE)",
                        "tls.certFile /nowhere/cp.crt is not a readable file"),
                new ControlPlaneConfig.Tls("/nowhere/cp.crt", null, null).problems());
        assertTrue(new ControlPlaneConfig.Tls(null, null, "/nowhere/ca.crt").problems().get(0).startsWith("tls.clientCaFile needs tls.certFile"));
    }
}
