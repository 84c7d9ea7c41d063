package io.lvscp.agent.health;

import io.lvscp.api.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network checks run by a {@link CheckWorker} process behind a command prefix ({@code ip netns exec NS}): started
 * on the first check, restarted (at most once a second) if it dies; while it is down, checks are {@code UNKNOWN}
 * and change no verdict.
 */
public final class WorkerProber implements Prober {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerProber.class);
    private static final long RESTART_BACKOFF_NANOS = 1_000_000_000L;
    private final List<String> command;
    private final Map<Long, CompletableFuture<CheckResult>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private Process process;
    private OutputStream stdin;
    private long lastStart = Long.MIN_VALUE / 2;
    private boolean closed;

    public WorkerProber(List<String> command) {
        this.command = List.copyOf(command);
    }

    /** A worker in a network namespace, run by this JVM's java with this JVM's class path. */
    public static WorkerProber inNetns(String netns) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        argv.addAll(javaCommand());
        return new WorkerProber(argv);
    }

    static List<String> javaCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Small and quick to start: it holds sockets and a few threads, nothing more.
        return List.of(java, "-Xmx48m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), CheckWorker.class.getName());
    }

    @Override
    public CompletableFuture<CheckResult> probe(CheckSpec spec) {
        long id = ids.incrementAndGet();
        CompletableFuture<CheckResult> f = new CompletableFuture<>();
        pending.put(id, f);
        f.whenComplete((r, e) -> pending.remove(id));
        String line;
        try {
            line = Json.mapper().writeValueAsString(new CheckWorker.Request(id, spec)) + "\n";
        } catch (IOException e) {
            f.complete(CheckResult.unknown("cannot encode check: " + e.getMessage()));
            return f;
        }
        synchronized (this) {
            if (!ensureStarted()) {
                f.complete(CheckResult.unknown("health-check worker is not running"));
                return f;
            }
            try {
                stdin.write(line.getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                f.complete(CheckResult.unknown("health-check worker is gone: " + e.getMessage()));
                stopProcess();
            }
        }
        return f;
    }

    private boolean ensureStarted() {
        if (closed) return false;
        if (process != null && process.isAlive()) return true;
        if (System.nanoTime() - lastStart < RESTART_BACKOFF_NANOS) return false;
        lastStart = System.nanoTime();
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            process = p;
            stdin = p.getOutputStream();
            Thread reader = new Thread(() -> read(p), "lvscp-health-worker-reader");
            reader.setDaemon(true);
            reader.start();
            LOG.info("health-check worker started: {}", String.join(" ", command.subList(0, Math.min(command.size(), 5))));
            return true;
        } catch (IOException e) {
            LOG.error("cannot start the health-check worker ({}): {}", String.join(" ", command), e.getMessage());
            process = null;
            return false;
        }
    }

    private void read(Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.equals("ready") || line.isBlank()) continue;
                try {
                    CheckWorker.Response resp = Json.mapper().readValue(line, CheckWorker.Response.class);
                    CompletableFuture<CheckResult> f = pending.get(resp.id());
                    if (f != null) f.complete(resp.result());
                } catch (IOException e) {
                    LOG.warn("health-check worker said something unreadable: {}", line);
                }
            }
        } catch (IOException e) {
            // the worker is gone: handled below
        }
        synchronized (this) {
            if (process == p) {
                if (!closed) LOG.warn("health-check worker exited; restarting it with the next check");
                process = null;
                stdin = null;
            }
        }
        // Checks it had not answered never will be.
        for (var e : pending.entrySet()) e.getValue().complete(CheckResult.unknown("health-check worker exited"));
    }

    private void stopProcess() {
        Process p = process;
        process = null;
        stdin = null;
        if (p != null) {
            try {
                p.getOutputStream().close();
            } catch (IOException ignored) {
                // it is going anyway
            }
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
    }

    /** The worker's process id, or -1 (tests kill it to see it come back). */
    public synchronized long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    @Override
    public synchronized void close() {
        closed = true;
        stopProcess();
        for (var f : pending.values()) f.complete(CheckResult.unknown("health checks stopped"));
    }
}
