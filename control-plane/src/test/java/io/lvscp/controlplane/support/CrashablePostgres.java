package io.lvscp.controlplane.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;

/**
 * A PostgreSQL of the caller's own (the embedded binaries), durable as a production server is, to be killed with
 * SIGKILL and started again on the same data directory and port, where the control plane's pool finds it again.
 */
public final class CrashablePostgres implements AutoCloseable {
    private final Path data;
    private final int port;
    private EmbeddedPostgres pg;

    private CrashablePostgres(Path data, EmbeddedPostgres pg) {
        this.data = data;
        this.pg = pg;
        this.port = pg.getPort();
    }

    public static CrashablePostgres start(Path data) throws IOException {
        return new CrashablePostgres(data, durable(data).start());
    }

    /**
     * The library's defaults (fsync and synchronous_commit off) answer a commit before its WAL has left shared
     * memory, and a killed postmaster then loses the last writes it acknowledged (DatabaseCrashTest saw three of five
     * go). The control plane's own embedded database turns both on for that reason.
     */
    private static EmbeddedPostgres.Builder durable(Path data) {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
                .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
    }

    /** Creates database {@code name} and returns its postgresql:// URL (user and password in it). */
    public String createDatabase(String name) throws SQLException {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "postgresql://postgres:postgres@localhost:" + port + "/" + name;
    }

    /** The value of a server setting ({@code SHOW name}), to print the durability a run had. */
    public String show(String name) throws SQLException {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    public int port() {
        return port;
    }

    /** SIGKILL to the postmaster; its backends notice and leave by themselves. */
    public void kill9() throws IOException {
        kill9(postmaster(data));
    }

    /** On the same data and port: PostgreSQL's crash recovery replays the WAL first. */
    public void startAgain() throws IOException {
        pg.close(); // the library's lock on the directory; the server is dead already
        // Until the old backends have left, their shared memory is in use and a start is refused.
        AtomicReference<EmbeddedPostgres> started = new AtomicReference<>();
        Awaitility.await("PostgreSQL starts again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> {
                    started.set(durable(data).setPort(port).start());
                    return true;
                });
        pg = started.get();
    }

    /** The postmaster by the pid it wrote in its data directory (the library does not say). */
    public static ProcessHandle postmaster(Path data) throws IOException {
        long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
        return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no postmaster " + pid));
    }

    public static void kill9(ProcessHandle p) {
        p.destroyForcibly(); // SIGKILL, as kill -9
        Awaitility.await("postmaster gone").atMost(Duration.ofSeconds(10)).until(() -> !p.isAlive());
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
