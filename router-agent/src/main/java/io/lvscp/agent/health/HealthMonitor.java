package io.lvscp.agent.health;

import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.HealthView;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.metrics.AgentMetrics;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.HealthCheck;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.RealServerState;
import io.lvscp.api.model.VirtualServerState;
import io.lvscp.api.stream.StreamMessage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every real server of the agent's desired state and moves the traffic when one fails or returns, at once
 * and without the control plane (nanny's job, one per router instead of one process per real server).
 *
 * <ul>
 *   <li>What is checked: each real server of each active virtual server, with its virtual server's check or,
 *       where the real server overrides it, the two laid together ({@link HealthCheck#effective}), every
 *       {@code intervalSeconds} (counted from the start of the previous check, never two at once), each bounded
 *       by {@code timeoutSeconds}. Drained real servers are not checked and health never brings them back: an
 *       operator's drain wins. Kind {@code none} (the virtual server's, or one real server's override), and
 *       tcp/expect checks of a firewall-mark service whose real server has no port, are not run (the server
 *       counts as healthy).</li>
 *   <li>Verdicts: {@link Hysteresis} (rise, fall, reentry). A server starts healthy.</li>
 *   <li>Desired-state changes are picked up within 100 ms: new servers are checked at once, removed ones
 *       forgotten, a changed check (address, port, kind, path...) restarts the counts but keeps the verdict, so
 *       a failed server stays out until the new check passes {@code rise} times.</li>
 *   <li>On a transition: {@link Listener#healthChanged} (the agent programs the new table at once), the
 *       {@code lvscp_agent_real_server_healthy} gauge, and a {@code HealthChanged} report to the control plane,
 *       with the reason; one made while the stream is down is sent when it is back (the newest per server).</li>
 * </ul>
 *
 * <p>Threads: all state belongs to one scheduler thread; checks run on the prober's threads and hand their
 * results back to it.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);
    /** How long past its own timeout a check may take before it counts as unknown (a worker still starting). */
    private static final long GRACE_MILLIS = 3000;

    /** Where verdicts go: the agent (its side, {@code io.lvscp.agent}, implements it), or a test. */
    public interface Listener {
        void healthChanged(HealthView view);

        void report(StreamMessage.HealthChanged change);

        boolean connected();
    }

    record Key(String virtualServer, String realServer) {}

    private final class Target {
        final Key key;
        CheckSpec spec;
        HealthCheck check;
        final Hysteresis verdict;
        ScheduledFuture<?> next;
        long generation;
        long lastStart;
        boolean removed;
        String reason = "not checked yet";
        String lastUnknown;
        StreamMessage.HealthChanged unreported;

        Target(Key key, CheckSpec spec, HealthCheck check) {
            this.key = key;
            this.spec = spec;
            this.check = check;
            this.verdict = new Hysteresis(check.rise(), check.fall(), check.reentrySeconds() * secondMillis);
        }
    }

    private final Supplier<ClusterState> desired;
    private final Listener listener;
    private final Prober prober;
    private final AgentMetrics metrics;
    private final long secondMillis;
    private final ScheduledThreadPoolExecutor exec;
    private final Map<Key, Target> targets = new HashMap<>();
    private volatile Set<Key> failed = Set.of();
    private ClusterState seen;
    private boolean wasConnected;

    /**
     * @param secondMillis how long a second of the health-check settings lasts: 1000, or less in tests, which run
     *                     on a faster clock
     */
    public HealthMonitor(Supplier<ClusterState> desired, Listener listener, Prober prober, AgentMetrics metrics, long secondMillis) {
        this.desired = desired;
        this.listener = listener;
        this.prober = prober;
        this.metrics = metrics;
        this.secondMillis = secondMillis;
        this.exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "lvscp-health");
            t.setDaemon(true);
            return t;
        });
        exec.setRemoveOnCancelPolicy(true);
    }

    /** The monitor of an agent: network checks in this JVM, or in a {@link CheckWorker} in the agent's namespace. */
    public static HealthMonitor forAgent(Supplier<ClusterState> desired, Listener listener, AgentConfig config, CommandRunner runner,
                                         AgentMetrics metrics) {
        Prober network = config.netns() == null ? LocalProber.network() : WorkerProber.inNetns(config.netns());
        ProgramCheck program = new ProgramCheck(runner);
        Prober programs = new LocalProber(program::run, 8, "lvscp-health-program");
        HealthMonitor m = new HealthMonitor(desired, listener, Prober.routing(network, programs), metrics, 1000);
        m.start();
        return m;
    }

    public HealthMonitor start() {
        exec.scheduleWithFixedDelay(this::watch, 0, 100, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The verdicts now (a snapshot). */
    public HealthView view() {
        Set<Key> f = failed;
        return (vs, rs) -> !f.contains(new Key(vs, rs));
    }

    public boolean healthy(String virtualServer, String realServer) {
        return !failed.contains(new Key(virtualServer, realServer));
    }

    /** How many real servers are being checked now. */
    public int checked() {
        try {
            return exec.submit(targets::size).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void watch() {
        try {
            ClusterState s = desired.get();
            if (s != seen) {
                seen = s;
                sync(s);
            }
            boolean up = listener.connected();
            if (up && !wasConnected) {
                for (Target t : targets.values()) {
                    if (t.unreported != null) {
                        listener.report(t.unreported);
                        t.unreported = null;
                    }
                }
            }
            wasConnected = up;
        } catch (RuntimeException e) {
            LOG.error("health monitor: {}", e.toString(), e);
        }
    }

    private void sync(ClusterState state) {
        Map<Key, Target> wanted = new HashMap<>();
        if (state.exists()) {
            for (VirtualServerState vs : state.virtualServers().values()) {
                if (!vs.spec().isActive()) continue;
                for (RealServer rs : vs.realServers().values()) {
                    if (rs.state() == RealServerState.drained) continue;
                    HealthCheck hc = rs.effectiveHealthCheck(vs.spec().healthCheck());
                    CheckSpec.of(hc, vs.spec(), rs, secondMillis).ifPresent(spec -> {
                        Key k = new Key(vs.spec().name(), rs.name());
                        wanted.put(k, new Target(k, spec, hc));
                    });
                }
            }
        }
        boolean viewChanged = false;
        for (Target t : List.copyOf(targets.values())) {
            if (wanted.containsKey(t.key)) continue;
            targets.remove(t.key);
            t.removed = true;
            if (t.next != null) t.next.cancel(false);
            if (metrics != null) metrics.forgetChecks(t.key.virtualServer(), t.key.realServer());
            if (!t.verdict.healthy()) viewChanged = true;
        }
        for (Target w : wanted.values()) {
            Target t = targets.get(w.key);
            if (t == null) {
                targets.put(w.key, w);
                schedule(w, ThreadLocalRandom.current().nextLong(Math.max(1, Math.min(interval(w), secondMillis))));
                continue;
            }
            HealthCheck before = t.check;
            t.check = w.check;
            t.verdict.configure(w.check.rise(), w.check.fall(), w.check.reentrySeconds() * secondMillis);
            if (!t.spec.equals(w.spec)) {
                // Something else is checked now: earlier results (and one in flight) say nothing of it.
                t.spec = w.spec;
                t.generation++;
                t.verdict.restart();
                schedule(t, 0);
            } else if (!before.intervalSeconds().equals(w.check.intervalSeconds()) && t.next != null && !t.next.isDone()) {
                schedule(t, Math.max(0, t.lastStart + interval(t) - now()));
            }
        }
        if (viewChanged) publish();
    }

    private long interval(Target t) {
        return (long) t.check.intervalSeconds() * secondMillis;
    }

    private void schedule(Target t, long delayMillis) {
        if (t.next != null) t.next.cancel(false);
        if (exec.isShutdown()) return;
        try {
            t.next = exec.schedule(() -> check(t), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // the monitor is closing
        }
    }

    private void check(Target t) {
        if (t.removed) return;
        long generation = t.generation;
        t.lastStart = now();
        CompletableFuture<CheckResult> f;
        try {
            f = prober.probe(t.spec);
        } catch (RuntimeException e) {
            f = CompletableFuture.completedFuture(CheckResult.unknown("cannot run the check: " + e));
        }
        long limit = t.spec.timeoutMillis() + GRACE_MILLIS;
        f.completeOnTimeout(CheckResult.unknown("no result within " + limit + " ms"), limit, TimeUnit.MILLISECONDS)
                .whenComplete((r, e) -> {
                    CheckResult result = r != null ? r : CheckResult.unknown("check failed: " + e);
                    try {
                        exec.execute(() -> checked(t, generation, result));
                    } catch (RejectedExecutionException closed) {
                        // the monitor is closed
                    }
                });
    }

    private void checked(Target t, long generation, CheckResult r) {
        if (t.removed || generation != t.generation) return;
        if (r.status() == CheckResult.Status.UNKNOWN) {
            if (!r.reason().equals(t.lastUnknown)) LOG.warn("health check of {}/{} could not run: {}", t.key.virtualServer(), t.key.realServer(), r.reason());
            t.lastUnknown = r.reason();
        } else {
            t.lastUnknown = null;
            t.reason = r.reason();
            boolean changed = t.verdict.record(r.up(), now());
            if (metrics != null) metrics.checked(t.key.virtualServer(), t.key.realServer(), t.verdict.healthy(), r.nanos() / 1_000_000L);
            if (changed) transition(t, r);
        }
        schedule(t, Math.max(0, t.lastStart + interval(t) - now()));
    }

    private void transition(Target t, CheckResult r) {
        boolean healthy = t.verdict.healthy();
        String vs = t.key.virtualServer();
        String rs = t.key.realServer();
        if (healthy) LOG.info("real server {}/{} ({}:{}) is healthy again: {}", vs, rs, t.spec.address(), t.spec.port(), r.reason());
        else LOG.warn("real server {}/{} ({}:{}) failed its health check: {}", vs, rs, t.spec.address(), t.spec.port(), r.reason());
        publish();
        StreamMessage.HealthChanged m = new StreamMessage.HealthChanged(vs, rs, healthy, r.reason());
        if (listener.connected()) {
            listener.report(m);
            t.unreported = null;
        } else {
            t.unreported = m;
        }
    }

    private void publish() {
        Set<Key> f = new HashSet<>();
        for (Target t : targets.values()) if (!t.verdict.healthy()) f.add(t.key);
        failed = Set.copyOf(f);
        listener.healthChanged(view());
    }

    private static long now() {
        return System.nanoTime() / 1_000_000L;
    }

    @Override
    public void close() {
        exec.shutdownNow();
        try {
            exec.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        prober.close();
    }
}
