package io.lvscp.controlplane.metrics;

import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.RealServerState;
import io.lvscp.controlplane.eventstore.RecordedEvent;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control plane's own meters, beside the HTTP server meters Vert.x records in the same registry.
 *
 * <p>Labels are bounded by configuration: {@code cluster}, {@code router} (at most two per cluster),
 * {@code virtual_server}, {@code real_server} (names, never addresses), and closed sets such as event types. Never a
 * request id or a client address. Meters of clusters and routers that are deleted are removed.
 *
 * <p>All metric names are listed in {@code docs/operations.md}; the alerting rules and the dashboard in
 * {@code deploy/} use them, and a test checks that every name they use is defined here or by Vert.x.
 */
public final class ControlPlaneMetrics {
    /** Buckets for latencies a person waits for: a write reaching the routers, a projection catching up. */
    private static final Duration[] PROPAGATION_BUCKETS = {
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(300)};
    /** Revisions per cluster whose commit time is remembered, to time their propagation when routers ack them. */
    private static final int REMEMBERED_REVISIONS = 1024;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Events committed before this process started are history being replayed, not lag nor propagation. */
    private final long startedAtMillis = System.currentTimeMillis();

    private final Timer appendLatency = Timer.builder("lvscp.event.append")
            .description("Time to append one batch of events to the event store, commit included")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    private final Counter conflicts = Counter.builder("lvscp.event.append.conflicts")
            .description("Appends refused because the stream had moved on (optimistic concurrency)")
            .register(registry);
    private final Timer agentApply = Timer.builder("lvscp.agent.apply").description("Time agents report for applying a revision")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);
    private final Timer projectionLag = Timer.builder("lvscp.projection.lag")
            .description("Time from an event's commit to this process's projection holding it (NOTIFY or sweep for other processes' writes)")
            .serviceLevelObjectives(PROPAGATION_BUCKETS).register(registry);

    private final Map<String, ClusterMeters> clusters = new ConcurrentHashMap<>();
    private final Map<RouterKey, RouterMeters> routers = new ConcurrentHashMap<>();
    private final Map<RealServerKey, RealServerHealth> realServerHealth = new ConcurrentHashMap<>();

    public ControlPlaneMetrics() {
        Gauge.builder("lvscp.clusters", clusters, Map::size).description("Clusters that exist").register(registry);
        Gauge.builder("lvscp.agents.connected", routers, m -> m.values().stream().filter(r -> r.connected.get() == 1).count())
                .description("Agent streams connected to this control-plane process").register(registry);
    }

    /** The live event feed: who follows it, and who was dropped for reading too slowly. */
    public void bind(io.lvscp.controlplane.feed.EventFeed feed) {
        Gauge.builder("lvscp.feed.followers", feed, io.lvscp.controlplane.feed.EventFeed::followers)
                .description("Clients following the live event feed on this control-plane process").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("lvscp.feed.dropped", feed, f -> f.dropped())
                .description("Followers of the live event feed dropped because they read too slowly").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Follows the projections: per cluster revision and size, per router desired revision, projection lag. */
    public void bind(ClusterProjections projections) {
        projections.addListener(this::projected);
    }

    // ---- event store -------------------------------------------------------------------------------------------

    public void appended(List<ClusterEvent> events, long nanos) {
        appendLatency.record(nanos, TimeUnit.NANOSECONDS);
        for (ClusterEvent e : events) {
            // Event types are a closed set of ~20 names: a bounded label.
            Counter.builder("lvscp.events.appended").description("Events appended to the event store, by type")
                    .tag("type", e.type()).register(registry).increment();
        }
    }

    public void conflict() {
        conflicts.increment();
    }

    // ---- projections -------------------------------------------------------------------------------------------

    /** The projection listener {@link #bind} installs; public for tests that feed states by hand. */
    public void projected(ClusterState before, ClusterState after, List<RecordedEvent> events) {
        long now = System.currentTimeMillis();
        String cluster = after.name();
        if (!after.exists()) {
            ClusterMeters gone = clusters.remove(cluster);
            if (gone != null) gone.meters.forEach(registry::remove);
        } else {
            clusters.computeIfAbsent(cluster, ClusterMeters::new).update(after);
        }
        if (!events.isEmpty()) {
            long committed = committedAt(events.get(events.size() - 1), now);
            if (committed >= startedAtMillis) {
                projectionLag.record(Math.max(0, now - committed), TimeUnit.MILLISECONDS);
                ClusterMeters c = clusters.get(cluster);
                if (c != null) c.remember(after.revision(), committed);
            }
        }
        // Routers follow the cluster's configuration: enrolled ones get meters, removed ones lose them.
        for (String router : after.exists() ? after.routers().keySet() : List.<String>of()) router(cluster, router);
        for (RouterKey key : List.copyOf(routers.keySet())) {
            if (key.cluster.equals(cluster) && (!after.exists() || !after.routers().containsKey(key.router))) {
                RouterMeters gone = routers.remove(key);
                if (gone != null) gone.meters.forEach(registry::remove);
            }
        }
        for (RealServerKey key : List.copyOf(realServerHealth.keySet())) {
            if (key.cluster.equals(cluster) && !configured(after, key)) {
                RealServerHealth gone = realServerHealth.remove(key);
                if (gone != null) registry.remove(gone.meter);
            }
        }
    }

    /** The commit time the store recorded, unless the database's clock is ahead of this one. */
    private static long committedAt(RecordedEvent e, long now) {
        return e.recordedAt() == null ? now : Math.min(now, e.recordedAt().toInstant().toEpochMilli());
    }

    private static boolean configured(ClusterState s, RealServerKey key) {
        if (!s.exists()) return false;
        var vs = s.virtualServers().get(key.virtualServer);
        return vs != null && vs.realServers().containsKey(key.realServer) && s.routers().containsKey(key.router);
    }

    // ---- agents ------------------------------------------------------------------------------------------------

    /**
     * An agent's stream began. {@code instance} names the agent's run: one other than this router's last (a
     * restarted agent) drops the router's real-server health series, as {@code RouterStatusStore.connected} drops
     * its rows, since the new run starts every server healthy and reports only what fails from now on. The same
     * run reconnecting, or an agent that names no instance, keeps them. Called before any report of the new
     * stream is counted, so none of the new run's verdicts is dropped.
     */
    public void agentConnected(String cluster, String router, long heldRevision, String instance) {
        RouterMeters r = router(cluster, router);
        if (instance != null && !instance.equals(r.instance)) {
            forgetHealth(cluster, router);
            r.instance = instance;
        }
        r.connected.set(1);
        r.applied.set(heldRevision);
    }

    private void forgetHealth(String cluster, String router) {
        for (RealServerKey key : List.copyOf(realServerHealth.keySet())) {
            if (key.cluster.equals(cluster) && key.router.equals(router)) {
                RealServerHealth gone = realServerHealth.remove(key);
                if (gone != null) registry.remove(gone.meter);
            }
        }
    }

    public void agentDisconnected(String cluster, String router) {
        RouterMeters r = routers.get(new RouterKey(cluster, router));
        if (r != null) r.connected.set(0);
    }

    /** An ack: the applied revision moves, and the time since that revision was committed is its propagation. */
    public void agentAck(String cluster, String router, long revision, long applyMillis) {
        agentApply.record(applyMillis, TimeUnit.MILLISECONDS);
        RouterMeters r = router(cluster, router);
        r.applied.set(revision);
        ClusterMeters c = clusters.get(cluster);
        Long committed = c == null ? null : c.committed.get(revision);
        // Each revision is timed once per router: a reconnect that acks it again is not a second propagation.
        if (committed != null && revision > r.propagated.get()) {
            r.propagated.set(revision);
            r.propagation.record(Math.max(0, System.currentTimeMillis() - committed), TimeUnit.MILLISECONDS);
        }
    }

    public void agentNack(String cluster, String router, long appliedRevision) {
        RouterMeters r = router(cluster, router);
        r.applied.set(appliedRevision);
        r.nacks.increment();
    }

    public void driftCorrected(String cluster, String router) {
        router(cluster, router).drift.increment();
    }

    /** Snapshots, deltas and heartbeats sent to agents: a fleet that keeps getting snapshots is falling behind. */
    public void streamed(String type) {
        Counter.builder("lvscp.agent.stream.messages").description("Messages sent to agents on the stream, by type")
                .tag("type", type).register(registry).increment();
    }

    /**
     * A router's role as its agent reports it ({@code true} while it holds the VIPs). The series appears with the
     * first report; the alert "no active router, or two" in {@code deploy/prometheus/rules/lvscp.yml} uses it.
     */
    public void roleReported(String cluster, String router, boolean active) {
        router(cluster, router).role(active);
    }

    /**
     * A real server's health as one router's checks last saw it. Only configured real servers keep a series; it
     * goes with them (or with the router). The alert "virtual server with no healthy real server" uses it.
     */
    public void healthReported(String cluster, String virtualServer, String realServer, String router, boolean healthy) {
        RealServerKey key = new RealServerKey(cluster, virtualServer, realServer, router);
        realServerHealth.computeIfAbsent(key, k -> {
            AtomicLong value = new AtomicLong();
            Meter m = Gauge.builder("lvscp.real.server.healthy", value, AtomicLong::get)
                    .description("1 if the real server passed its last health check from this router, 0 if it failed")
                    .tags("cluster", k.cluster, "virtual_server", k.virtualServer, "real_server", k.realServer, "router", k.router)
                    .register(registry);
            return new RealServerHealth(value, m);
        }).value.set(healthy ? 1 : 0);
    }

    private RouterMeters router(String cluster, String router) {
        return routers.computeIfAbsent(new RouterKey(cluster, router), RouterMeters::new);
    }

    private record RouterKey(String cluster, String router) {}

    private record RealServerKey(String cluster, String virtualServer, String realServer, String router) {}

    private record RealServerHealth(AtomicLong value, Meter meter) {}

    private final class ClusterMeters {
        final AtomicLong revision = new AtomicLong();
        final AtomicLong virtualServers = new AtomicLong();
        final Map<RealServerState, AtomicLong> realServers = new ConcurrentHashMap<>();
        final List<Meter> meters = new ArrayList<>();
        /** Revision → commit time (epoch ms), the newest {@link #REMEMBERED_REVISIONS}. */
        final ConcurrentSkipListMap<Long, Long> committed = new ConcurrentSkipListMap<>();

        ClusterMeters(String cluster) {
            meters.add(Gauge.builder("lvscp.cluster.revision", revision, AtomicLong::get)
                    .description("The cluster's head revision, as this process's projection holds it").tag("cluster", cluster).register(registry));
            meters.add(Gauge.builder("lvscp.cluster.virtual.servers", virtualServers, AtomicLong::get)
                    .description("Virtual servers configured in the cluster").tag("cluster", cluster).register(registry));
            for (RealServerState s : RealServerState.values()) {
                AtomicLong n = new AtomicLong();
                realServers.put(s, n);
                meters.add(Gauge.builder("lvscp.cluster.real.servers", n, AtomicLong::get)
                        .description("Real servers configured in the cluster, by the operator's state (active or drained)")
                        .tags("cluster", cluster, "state", s.name()).register(registry));
            }
        }

        void update(ClusterState s) {
            revision.set(s.revision());
            virtualServers.set(s.virtualServers().size());
            Map<RealServerState, Long> counts = new java.util.EnumMap<>(RealServerState.class);
            for (var vs : s.virtualServers().values()) {
                for (var rs : vs.realServers().values()) {
                    counts.merge(Objects.requireNonNullElse(rs.state(), RealServerState.active), 1L, Long::sum);
                }
            }
            realServers.forEach((state, n) -> n.set(counts.getOrDefault(state, 0L)));
        }

        void remember(long rev, long committedMillis) {
            committed.put(rev, committedMillis);
            while (committed.size() > REMEMBERED_REVISIONS) committed.pollFirstEntry();
        }
    }

    private final class RouterMeters {
        final AtomicLong connected = new AtomicLong();
        final AtomicLong applied = new AtomicLong();
        final AtomicLong propagated = new AtomicLong();
        final AtomicLong active = new AtomicLong();
        /** The run of the router's agent whose health reports the series hold (null before one named itself). */
        volatile String instance;
        final List<Meter> meters = new java.util.concurrent.CopyOnWriteArrayList<>();
        final String[] tags;
        private boolean roleRegistered;
        final Counter nacks;
        final Counter drift;
        final Timer propagation;

        RouterMeters(RouterKey key) {
            tags = new String[] {"cluster", key.cluster, "router", key.router};
            meters.add(Gauge.builder("lvscp.router.connected", connected, AtomicLong::get)
                    .description("1 while the router's agent has a stream to this control-plane process").tags(tags).register(registry));
            meters.add(Gauge.builder("lvscp.router.desired.revision", clusters, m -> {
                        ClusterMeters c = m.get(key.cluster);
                        return c == null ? 0 : c.revision.get();
                    }).description("The revision the router should hold: its cluster's head").tags(tags).register(registry));
            meters.add(Gauge.builder("lvscp.router.applied.revision", applied, AtomicLong::get)
                    .description("The revision the router's agent last said it holds (hello, ack or nack)").tags(tags).register(registry));
            nacks = Counter.builder("lvscp.agent.nacks").description("Revisions an agent could not apply").tags(tags).register(registry);
            drift = Counter.builder("lvscp.agent.drift.corrections").description("Kernel drift an agent found and corrected")
                    .tags(tags).register(registry);
            propagation = Timer.builder("lvscp.revision.propagation")
                    .description("Time from a revision's commit to the router's ack of it")
                    .serviceLevelObjectives(PROPAGATION_BUCKETS).tags(tags).register(registry);
            meters.addAll(List.of(nacks, drift, propagation));
        }

        /** A role is only exported once one is reported: the series is absent, not 0, while roles are unknown. */
        synchronized void role(boolean isActive) {
            active.set(isActive ? 1 : 0);
            if (roleRegistered) return;
            roleRegistered = true;
            meters.add(Gauge.builder("lvscp.router.active", active, AtomicLong::get)
                    .description("1 while the router reports the active role (holds the VIPs), 0 when backup").tags(tags).register(registry));
        }
    }
}
