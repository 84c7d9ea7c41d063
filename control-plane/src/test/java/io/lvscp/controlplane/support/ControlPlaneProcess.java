package io.lvscp.controlplane.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A control plane in a process of its own (the main class, as an operator runs it, with a YAML config file), for
 * tests of what only separate processes show: a replica killed with SIGKILL, no state shared but the database.
 * Its output goes to a log file next to its config, quoted when it fails to start.
 */
public final class ControlPlaneProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;
    private final int port;

    private ControlPlaneProcess(String name, Process process, Path log, int port) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** A port nothing listens on now, for a process that must be reachable at a known address before it listens. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The settings of a replica on {@code databaseUrl} (user and password in it, or in {@code env}), on 127.0.0.1:{@code
     * port}, accepting the tests' admin token, with agent heartbeats every {@code heartbeatMillis}.
     */
    public static String yaml(String databaseUrl, int port, int heartbeatMillis) {
        return """
                http: {host: 127.0.0.1, port: %d}
                database: {url: "%s", poolSize: 4}
                agents: {heartbeatMillis: %d}
                auth: {adminToken: %s, writesPerSecond: 1000000, writeBurst: 1000000}
                """.formatted(port, databaseUrl, heartbeatMillis, RunningControlPlane.ADMIN_TOKEN);
    }

    /** Starts {@code io.lvscp.controlplane.Main --config dir/name.yaml}, without waiting for it to listen. */
    public static ControlPlaneProcess launch(String name, Path dir, int port, String yaml, Map<String, String> env) {
        try {
            Path config = Files.writeString(dir.resolve(name + ".yaml"), yaml);
            Path log = dir.resolve(name + ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            if (!Files.isExecutable(Path.of(java))) throw new IllegalStateException("no java at " + java);
            List<String> argv = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", classpath(), "io.lvscp.controlplane.Main", "--config", config.toString()));
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // Only the config file and what the test gives: none of the test JVM's own LVSCP_* settings.
            pb.environment().keySet().removeIf(k -> k.startsWith("LVSCP_"));
            pb.environment().putAll(env);
            return new ControlPlaneProcess(name, pb.start(), log, port);
        } catch (IOException e) {
            throw new UncheckedIOException(name + " did not start", e);
        }
    }

    /**
     * The classpath this class was loaded from. Under surefire that is the JVM's own; a benchmark run by exec:java
     * shares Maven's JVM, whose java.class.path is Maven's launcher, and gets the test classpath in a loader of its own.
     */
    private static String classpath() {
        if (ControlPlaneProcess.class.getClassLoader() instanceof URLClassLoader loader) {
            List<String> entries = new ArrayList<>();
            for (URL u : loader.getURLs()) {
                try {
                    entries.add(Path.of(u.toURI()).toString());
                } catch (URISyntaxException e) {
                    throw new IllegalStateException(u.toString(), e);
                }
            }
            return String.join(java.io.File.pathSeparator, entries);
        }
        return System.getProperty("java.class.path");
    }

    /** Launches and waits until it says it listens (it migrates and loads every projection first). */
    public static ControlPlaneProcess start(String name, Path dir, int port, String yaml, Map<String, String> env) {
        ControlPlaneProcess p = launch(name, dir, port, yaml, env);
        p.awaitListening();
        return p;
    }

    public void awaitListening() {
        Awaitility.await(name + " says it listens").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!process.isAlive()) throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + log());
            return log().contains("lvscp control plane listening on http://127.0.0.1:" + port);
        });
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL: no shutdown hook, no closing of streams or connections; the kernel drops its sockets. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException(name + " survived SIGKILL");
    }

    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", " + baseUrl() + ")";
    }
}
