package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.cli.Lvscp;
import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command against an https control plane: its certificate checked against --cacert, and refused without it. */
class CliTlsTest {
    @Test
    void anHttpsServerIsTrustedByItsCaAndNotWithout(@TempDir Path dir) throws Exception {
        TestCertificates ca = TestCertificates.newCa(dir, "lvscp-ca");
        TestCertificates.Issued server = ca.server("control-plane", "IP:127.0.0.1");
        TestCertificates other = TestCertificates.newCa(dir, "other-ca");
        ControlPlaneConfig tls = new ControlPlaneConfig(null, null, null, null,
                new ControlPlaneConfig.Tls(server.cert().toString(), server.key().toString(), null));
        Path token = Files.writeString(dir.resolve("admin.token"), RunningControlPlane.ADMIN_TOKEN + "\n");
        Path noConfig = dir.resolve("no-config.yaml");
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase(tls)) {
            assertTrue(cp.baseUrl().startsWith("https://"), cp.baseUrl());
            CliOnControlPlane.Run trusted = CliOnControlPlane.plain("get", "clusters", "--server", cp.baseUrl(), "--token-file", token.toString(),
                    "--cacert", ca.caCert().toString(), "--config", noConfig.toString());
            assertEquals(Lvscp.OK, trusted.code(), trusted.all());

            // A certificate no given CA vouches for is not talked to: the request never leaves.
            CliOnControlPlane.Run stranger = CliOnControlPlane.plain("get", "clusters", "--server", cp.baseUrl(), "--token-file", token.toString(),
                    "--cacert", other.caCert().toString(), "--config", noConfig.toString());
            assertEquals(3, stranger.code(), stranger.all());
            assertTrue(stranger.err().startsWith("error: cannot reach the control plane at " + cp.baseUrl()), stranger.all());
            assertTrue(stranger.err().contains("is its CA given with --cacert?"), stranger.all());
        }
    }
}
