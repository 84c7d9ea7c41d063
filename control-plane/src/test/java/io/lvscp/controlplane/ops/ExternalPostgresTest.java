package io.lvscp.controlplane.ops;

import io.lvscp.controlplane.support.TestPostgres;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.ControlPlaneProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's production path: the distribution's PostgreSQL (Debian's postgresql package, not the embedded test
 * binaries), a role and a database made as docs/operations.md says, and the control plane's main process given them
 * by configuration as an operator would (a YAML file naming the database and the role, the password in
 * LVSCP_DATABASE_PASSWORD). The server is this test's own: initdb and pg_ctl in a temporary directory, on a free
 * loopback port, as user postgres (PostgreSQL refuses to run as root).
 */
class ExternalPostgresTest {
    static final String ROLE_PASSWORD = "lvscp-ext-" + Long.toHexString(System.nanoTime());
    static final String SUPERUSER_PASSWORD = "postgres-ext-" + Long.toHexString(System.nanoTime());

    @Test
    void theControlPlaneMigratesWritesAndReadsOnTheDistributionsPostgres() throws Exception {
        Path bin = postgresBin();
        Path dir = Files.createTempDirectory("lvscp-external-pg");
        Path data = dir.resolve("data");
        int port = ControlPlaneProcess.freePort();
        Files.writeString(dir.resolve("pwfile"), SUPERUSER_PASSWORD + "\n");
        ownedByPostgres(dir);
        run(bin.resolve("initdb"), "-D", data.toString(), "-U", "postgres", "--pwfile=" + dir.resolve("pwfile"),
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-instructions");
        run(bin.resolve("pg_ctl"), "-D", data.toString(), "-l", dir.resolve("postgres.log").toString(), "-w", "-t", "60",
                "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "start");
        try (ControlPlaneProcess cp = setUpAndStart(dir, port)) {
            // Migrations ran, as the control plane's role, on its database.
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/lvscp", "lvscp", ROLE_PASSWORD);
                 Statement s = c.createStatement()) {
                ResultSet r = s.executeQuery("SELECT count(*), bool_and(success), max(version::int) FROM flyway_schema_history WHERE version IS NOT NULL");
                assertTrue(r.next());
                int migrations = migrationFiles();
                assertEquals(migrations, r.getInt(1), "every migration applied");
                assertTrue(r.getBoolean(2), "every migration succeeded");
                assertEquals(migrations, r.getInt(3));
                ResultSet owner = s.executeQuery("SELECT tableowner FROM pg_tables WHERE tablename = 'events'");
                assertTrue(owner.next());
                assertEquals("lvscp", owner.getString(1));
            }
            Api.at(cp.baseUrl()).get("/readyz").then().statusCode(200);
            Api.at(cp.baseUrl()).body("{\"name\":\"ext\",\"routingMethod\":\"direct\"}").post("/v1/clusters").then().statusCode(201);
            Api.at(cp.baseUrl()).body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}")
                    .post("/v1/clusters/ext/virtual-servers").then().statusCode(201);
            Api.at(cp.baseUrl()).get("/v1/clusters/ext").then().statusCode(200)
                    .body("revision", equalTo(2), "virtualServers[0].name", equalTo("http"));
            Api.at(cp.baseUrl()).queryParam("cluster", "ext").get("/v1/events").then().statusCode(200)
                    .body("items.type", equalTo(List.of("ClusterCreated", "VirtualServerAdded")));
            // It says where its events are, and the password is not in what it printed.
            String log = cp.log();
            assertTrue(log.contains("(events in postgresql://127.0.0.1:" + port + "/lvscp as lvscp)"), log);
            assertFalse(log.contains(ROLE_PASSWORD), log);
        } finally {
            run(bin.resolve("pg_ctl"), "-D", data.toString(), "-m", "fast", "-w", "stop");
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The role and the database as docs/operations.md has an operator make them, then the control plane on them. */
    private static ControlPlaneProcess setUpAndStart(Path dir, int port) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", SUPERUSER_PASSWORD);
             Statement s = c.createStatement()) {
            s.execute("CREATE ROLE lvscp LOGIN PASSWORD '" + ROLE_PASSWORD + "'");
            s.execute("CREATE DATABASE lvscp OWNER lvscp");
        }
        int http = ControlPlaneProcess.freePort();
        String yaml = """
                http: {host: 127.0.0.1, port: %d}
                database: {url: "postgresql://127.0.0.1:%d/lvscp", user: lvscp, poolSize: 4}
                auth: {adminToken: %s}
                """.formatted(http, port, io.lvscp.controlplane.support.RunningControlPlane.ADMIN_TOKEN);
        return ControlPlaneProcess.start("external-pg", dir, http, yaml, Map.of("LVSCP_DATABASE_PASSWORD", ROLE_PASSWORD));
    }

    static Path postgresBin() throws IOException {
        return TestPostgres.debianBinaries();
    }

    private static void ownedByPostgres(Path dir) throws IOException {
        if (!root()) return;
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) Files.setOwner(p, users.lookupPrincipalByName("postgres"));
        }
    }

    private static boolean root() throws IOException {
        try {
            Process id = new ProcessBuilder("id", "-u").start();
            String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            id.waitFor(10, TimeUnit.SECONDS);
            return uid.equals("0");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Runs a PostgreSQL program, as user postgres when this is root; fails with its output when it fails. */
    private static void run(Path program, String... args) throws Exception {
        List<String> argv = new ArrayList<>();
        if (root()) argv.addAll(List.of("runuser", "-u", "postgres", "--"));
        argv.add(program.toString());
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), argv + " did not finish");
        assertEquals(0, p.exitValue(), argv + " failed:\n" + out);
    }

    private static int migrationFiles() throws IOException {
        Path migrations = Path.of(System.getProperty("user.dir")).resolve("../migrations/src/main/resources/db/migration").normalize();
        assertTrue(Files.isDirectory(migrations), "no " + migrations);
        try (Stream<Path> files = Files.list(migrations)) {
            return (int) files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        }
    }
}
