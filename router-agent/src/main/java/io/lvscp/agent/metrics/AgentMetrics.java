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
}
