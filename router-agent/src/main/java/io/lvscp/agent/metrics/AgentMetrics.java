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

    public void connected(boolean up) {
        connected.set(up ? 1 : 0);
    }
}
