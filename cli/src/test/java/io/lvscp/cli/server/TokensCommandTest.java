package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.cli.Lvscp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lvscp tokens create|list|revoke} against the real control plane. */
class TokensCommandTest {
    @TempDir
    static Path dir;
    static CliOnControlPlane cli;

    @BeforeAll
    static void start() throws Exception {
        cli = CliOnControlPlane.start(dir);
        cli.seed("web");
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    @Test
    void aTokenMadeWorksWithinItsScopeIsListedWithoutItsSecretAndOnceRevokedIsRefused() throws Exception {
        CliOnControlPlane.Run made = cli.lvscp("tokens", "create", "oncall", "--role", "operator", "--cluster", "web");
        assertEquals(Lvscp.OK, made.code(), made.all());
        String secret = made.out().strip();
        assertTrue(secret.matches("lvscp_[a-z0-9]{16}_[A-Za-z0-9_-]{43}"), "the secret alone on stdout: " + made.all());
        assertTrue(made.err().contains("token oncall") && made.err().contains("shown this once"), made.all());
        Path oncall = Files.writeString(dir.resolve("oncall.token"), secret + "\n");

        CliOnControlPlane.Run drained = cli.as(oncall, "drain", "web", "http", "rs1");
        assertEquals(Lvscp.OK, drained.code(), drained.all());

        CliOnControlPlane.Run list = cli.lvscp("tokens", "list");
        assertEquals(Lvscp.OK, list.code(), list.all());
        String line = list.out().lines().filter(l -> l.contains(" oncall ")).findFirst().orElseThrow(() -> new AssertionError(list.all()));
        assertTrue(line.contains("operator") && line.contains("active") && line.contains("web"), line);
        assertTrue(list.out().startsWith("ID") && !list.out().contains(secret.substring(24)), "no secret listed: " + list.all());

        CliOnControlPlane.Run revoked = cli.lvscp("tokens", "revoke", "oncall");
        assertEquals(Lvscp.OK, revoked.code(), revoked.all());
        assertTrue(revoked.out().startsWith("revoked: token oncall"), revoked.all());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cli.as(oncall, "enable", "web", "http", "rs1").code() == Lvscp.REFUSED);
        CliOnControlPlane.Run refused = cli.as(oncall, "enable", "web", "http", "rs1");
        assertTrue(refused.err().contains("(401)"), refused.all());
        assertTrue(cli.lvscp("tokens", "list").out().lines().anyMatch(l -> l.contains(" oncall ") && l.contains("revoked")));

        String id = line.split("\\s+")[0];
        CliOnControlPlane.Run again = cli.lvscp("tokens", "revoke", id);
        assertEquals(Lvscp.OK, again.code(), again.all());
        assertTrue(again.out().startsWith("already revoked"), again.all());
    }

    @Test
    void refusalsAreRenderedWithExit1() throws Exception {
        CliOnControlPlane.Run badRole = cli.lvscp("tokens", "create", "someone", "--role", "root");
        assertEquals(Lvscp.REFUSED, badRole.code(), badRole.all());
        assertTrue(badRole.err().startsWith("error: "), badRole.all());
        assertEquals(Lvscp.REFUSED, cli.lvscp("tokens", "revoke", "nobody").code());
        Path viewer = cli.tokenFile("viewer-2", "viewer");
        CliOnControlPlane.Run forbidden = cli.as(viewer, "tokens", "list");
        assertEquals(Lvscp.REFUSED, forbidden.code(), forbidden.all());
        assertTrue(forbidden.err().contains("(403)"), forbidden.all());
        assertEquals(Lvscp.USAGE, cli.lvscp("tokens", "create", "x").code(), "no --role");
        assertEquals(Lvscp.USAGE, cli.lvscp("tokens").code());
    }
}
