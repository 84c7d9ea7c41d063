package io.lvscp.controlplane.metrics;

import io.lvscp.api.event.ClusterEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The control plane's own meters, beside the HTTP server meters Vert.x records in the same registry. */
public final class ControlPlaneMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer appendLatency = Timer.builder("lvscp.event.append")
            .description("Time to append one batch of events to the event store, commit included")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    private final Counter conflicts = Counter.builder("lvscp.event.append.conflicts")
            .description("Appends refused because the stream had moved on (optimistic concurrency)")
            .register(registry);

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void appended(List<ClusterEvent> events, long nanos) {
        appendLatency.record(nanos, TimeUnit.NANOSECONDS);
        for (ClusterEvent e : events) {
            // Event types are a closed set of ~20 names: a bounded label.
            Counter.builder("lvscp.events.appended").description("Events appended to the event store, by type")
                    .tag("type", e.type()).register(registry).increment();
        }
    }

    private final Counter nacks = Counter.builder("lvscp.agent.nacks").description("Revisions an agent could not apply").register(registry);
    private final Counter drifts = Counter.builder("lvscp.agent.drift.corrections").description("Kernel drift an agent found and corrected").register(registry);
    private final Timer agentApply = Timer.builder("lvscp.agent.apply").description("Time agents report for applying a revision")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);

    public void agentAck(String cluster, String router, long applyMillis) {
        agentApply.record(applyMillis, TimeUnit.MILLISECONDS);
    }

    public void agentNack() {
        nacks.increment();
    }

    public void driftCorrected() {
        drifts.increment();
    }

    /** Snapshots, deltas and heartbeats sent to agents: a fleet that keeps getting snapshots is falling behind. */
    public void streamed(String type) {
        Counter.builder("lvscp.agent.stream.messages").description("Messages sent to agents on the stream, by type")
                .tag("type", type).register(registry).increment();
    }

    public void conflict() {
        conflicts.increment();
    }
}
