package io.lvscp.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The agent's meters, served on its own /metrics. */
public final class AgentMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong desired = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong services = new AtomicLong();
    private final AtomicLong destinations = new AtomicLong();
    private final AtomicLong connected = new AtomicLong();
    private final AtomicLong connectionSync = new AtomicLong();
    private final Counter drift;
    private final Counter nacks;

    public AgentMetrics(String cluster, String router, String driver) {
        registry.config().commonTags("cluster", cluster, "router", router);
        Gauge.builder("lvscp.agent.desired.revision", desired, AtomicLong::get).description("Newest revision received").register(registry);
        Gauge.builder("lvscp.agent.applied.revision", applied, AtomicLong::get).description("Revision the kernel holds").register(registry);
        Gauge.builder("lvscp.agent.services", services, AtomicLong::get).description("Virtual services programmed")
                .tag("driver", driver).register(registry);
        Gauge.builder("lvscp.agent.destinations", destinations, AtomicLong::get).description("Real servers programmed")
                .tag("driver", driver).register(registry);
        Gauge.builder("lvscp.agent.connected", connected, AtomicLong::get).description("1 while the stream to the control plane is up")
                .register(registry);
        Gauge.builder("lvscp.agent.connection.sync", connectionSync, AtomicLong::get)
                .description("1 while this router runs the IPVS connection sync daemons for its cluster's connectionSync")
                .register(registry);
        drift = Counter.builder("lvscp.agent.drift.corrections").description("Reconciles that found the kernel changed behind the agent's back")
                .register(registry);
        nacks = Counter.builder("lvscp.agent.nacks").description("Revisions the agent could not apply").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void desired(long revision) {
        desired.set(revision);
    }

    public void applied(long revision, int serviceCount, int destinationCount) {
        applied.set(revision);
        services.set(serviceCount);
        destinations.set(destinationCount);
    }

    public void reconciled(String outcome, long millis) {
        Timer.builder("lvscp.agent.reconcile").description("Time of one reconcile pass: read the kernel, diff, apply")
                .tag("outcome", outcome).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry).record(millis, TimeUnit.MILLISECONDS);
    }

    public void connectionSync(boolean running) {
        connectionSync.set(running ? 1 : 0);
    }

    public void drift() {
        drift.increment();
    }

    public void nack() {
        nacks.increment();
    }

    private final java.util.Map<String, io.lvscp.api.stream.StreamMessage.DestinationStats> counters = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, java.util.List<io.micrometer.core.instrument.Meter>> counterMeters = new java.util.HashMap<>();

    /**
     * The kernel's per-real-server counters, as Prometheus counters labelled by service and real server. The
     * labels are bounded by the cluster's configuration; meters of real servers that went away are removed.
     */
    public synchronized void destinations(java.util.List<io.lvscp.api.stream.StreamMessage.DestinationStats> latest) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (var d : latest) {
            String key = d.service() + "|" + d.destination();
            seen.add(key);
            counters.put(key, d);
            counterMeters.computeIfAbsent(key, k -> java.util.List.of(
                    counter("lvscp.agent.destination.connections", null, "Connections scheduled to this real server", k, x -> x.connections()),
                    counter("lvscp.agent.destination.packets.in", null, "Packets from clients to this real server", k, x -> x.packetsIn()),
                    counter("lvscp.agent.destination.packets.out", null, "Packets from this real server to clients", k, x -> x.packetsOut()),
                    counter("lvscp.agent.destination.in", "bytes", "Bytes from clients to this real server", k, x -> x.bytesIn()),
                    counter("lvscp.agent.destination.out", "bytes", "Bytes from this real server to clients", k, x -> x.bytesOut())));
        }
        for (String gone : new java.util.HashSet<>(counterMeters.keySet())) {
            if (seen.contains(gone)) continue;
            counterMeters.remove(gone).forEach(registry::remove);
            counters.remove(gone);
        }
    }

    private io.micrometer.core.instrument.Meter counter(String name, String unit, String help, String key,
                                                        java.util.function.ToLongFunction<io.lvscp.api.stream.StreamMessage.DestinationStats> value) {
        var d = counters.get(key);
        var builder = io.micrometer.core.instrument.FunctionCounter.builder(name, counters, m -> {
                    var now = m.get(key);
                    return now == null ? 0 : value.applyAsLong(now);
                })
                .description(help).baseUnit(unit).tag("service", d.service()).tag("real_server", d.destination());
        return builder.register(registry);
    }

    public void connected(boolean up) {
        connected.set(up ? 1 : 0);
    }

    /** The stream's state read at each scrape, so the gauge cannot go stale. */
    public void connectedBy(java.util.function.BooleanSupplier up) {
        registry.remove(registry.find("lvscp.agent.connected").gauge());
        // Strong: a gauge holds its object weakly, and nothing else holds this lambda.
        Gauge.builder("lvscp.agent.connected", up, u -> u.getAsBoolean() ? 1 : 0).strongReference(true)
                .description("1 while the stream to the control plane is up").register(registry);
    }

    private final java.util.Map<String, AtomicLong> health = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, io.micrometer.core.instrument.Meter> healthMeters = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong active = new AtomicLong();
    private volatile boolean roleRegistered;

    /**
     * Hook for health checks: one check of a real server, its verdict and how long it took. The gauge
     * {@code lvscp_agent_real_server_healthy} and the histogram {@code lvscp_agent_check_seconds} (by virtual
     * server and outcome) are labelled by names from the cluster's configuration, never addresses.
     */
    public void checked(String virtualServer, String realServer, boolean healthy, long millis) {
        String key = virtualServer + "|" + realServer;
        health.computeIfAbsent(key, k -> {
            AtomicLong v = new AtomicLong();
            healthMeters.put(k, Gauge.builder("lvscp.agent.real.server.healthy", v, AtomicLong::get)
                    .description("1 while the real server is in service by its health checks (rise/fall applied), 0 while failed")
                    .tags("virtual_server", virtualServer, "real_server", realServer).register(registry));
            return v;
        }).set(healthy ? 1 : 0);
        Timer.builder("lvscp.agent.check").description("Time of one health check of a real server")
                .tags("virtual_server", virtualServer, "outcome", healthy ? "healthy" : "unhealthy")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
                        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10))
                .register(registry).record(millis, TimeUnit.MILLISECONDS);
    }

    /** Hook for health checks: a real server left the configuration, and its health series goes with it. */
    public void forgetChecks(String virtualServer, String realServer) {
        String key = virtualServer + "|" + realServer;
        health.remove(key);
        var m = healthMeters.remove(key);
        if (m != null) registry.remove(m);
    }

    /**
     * Hook for failover: a heartbeat naming this router's peer was dropped, and why (unsigned, bad_mac,
     * outside_window, replayed, wrong_source): {@code lvscp_agent_heartbeats_rejected_total{reason}}.
     */
    public void heartbeatRejected(String reason) {
        Counter.builder("lvscp.agent.heartbeats.rejected").description("Heartbeats naming this router's peer that were dropped: not signed "
                + "with the pair's key, altered, replayed, or from another address").tag("reason", reason).register(registry).increment();
    }

    /** Hook for failover: {@code true} while this router holds the VIPs. The series appears with the first role. */
    public synchronized void role(boolean isActive) {
        active.set(isActive ? 1 : 0);
        if (roleRegistered) return;
        roleRegistered = true;
        Gauge.builder("lvscp.agent.active", active, AtomicLong::get)
                .description("1 while this router has the active role (holds the VIPs), 0 when backup").register(registry);
    }
}
