package io.lvscp.agent;

import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.HealthView;
import io.lvscp.agent.metrics.AgentMetrics;
import io.lvscp.agent.reconcile.Reconciler;
import io.lvscp.agent.state.StateStore;
import io.lvscp.agent.stream.StreamClient;
import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.event.ClusterEvents;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.KernelInputs;
import io.lvscp.api.stream.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One router's agent: receives its cluster's desired state, has the reconciler program it, acks or nacks each
 * revision, and re-checks the kernel periodically. The data plane never waits for the control plane: the last
 * applied state is on disk and programmed at start, and a lost stream leaves the kernel as it is.
 *
 * <p>Threads: stream messages arrive on the event loop, which keeps {@code received} current; every kernel pass runs
 * on one worker thread, in order, and takes the newest desired state when it starts, so a burst of revisions
 * costs one pass and one ack for the newest (an ack of N covers every revision before it).
 */
public final class Agent {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    public static final String VERSION = "0.1.0";
    // Events from a newer control plane may carry fields this agent does not know: it programs what it knows.
    private static final com.fasterxml.jackson.databind.ObjectReader EVENTS = Json.mapper().reader()
            .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Vertx vertx;
    private final AgentConfig config;
    private final Reconciler reconciler;
    private final StateStore store;
    private final AgentMetrics metrics;
    private final WorkerExecutor worker;
    private final StreamClient stream;
    // The newest state the stream brought (the base of the next delta, where a reconnect resumes), and the newest of
    // those that passed the agent's own checks: only that one is programmed, checked, announced.
    private volatile ClusterState received;
    private volatile ClusterState desired;
    private volatile ClusterState applied;
    private ClusterState refused; // the worker thread's: the last received state it refused
    private volatile boolean passQueued;
    private volatile String lastError;
    private volatile long lastNackedRevision = -1;
    private long reconcileTimer = -1;
    private volatile java.util.function.LongConsumer onApplied = revision -> { };
    // Inputs of every pass besides the desired state: the health checks' verdicts and this router's role.
    private volatile HealthView health = HealthView.ALL_HEALTHY;
    private volatile boolean holdVips = true;
    private static final long ROLE_CHANGE_QUIET_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    private volatile long roleChangedAt = System.nanoTime() - ROLE_CHANGE_QUIET_NANOS;
    /** Moves the addresses on a role change, beside a table pass that may be running (Reconciler#addresses). */
    private final WorkerExecutor addressMover;

    public Agent(Vertx vertx, AgentConfig config, Reconciler reconciler, StateStore store, AgentMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.reconciler = reconciler;
        this.store = store;
        this.metrics = metrics;
        this.worker = vertx.createSharedWorkerExecutor("lvscp-reconcile-" + config.router(), 1);
        this.addressMover = vertx.createSharedWorkerExecutor("lvscp-addresses-" + config.router(), 1);
        ClusterState saved = store.load().orElse(ClusterState.absent(config.cluster()));
        List<String> unsafe = new java.util.ArrayList<>(KernelInputs.problems(saved));
        unsafe.addAll(programsNotAllowed(saved, null));
        if (!unsafe.isEmpty()) {
            LOG.error("the saved state (revision {}) is not programmed, it fails the agent's checks: {}", saved.revision(), unsafe);
            saved = ClusterState.absent(config.cluster());
        }
        this.received = saved;
        this.desired = saved;
        this.applied = saved;
        this.stream = new StreamClient(vertx, config.controlPlaneUris(), config.credential(),
                new StreamMessage.Hello(config.cluster(), config.router(), 0, reconciler.driverName(), VERSION,
                        java.util.UUID.randomUUID().toString()),
                () -> received.revision(), this::received, metrics::connected, (long) (config.heartbeatSeconds() * 1000), config.tls());
    }

    /** Programs the saved state (if any), then connects; the returned future completes after that first pass. */
    public Future<Void> start() {
        metrics.desired(desired.revision());
        Future<Void> first = applied.revision() > 0 ? pass(false) : Future.succeededFuture();
        return first.onComplete(ar -> {
            reconcileTimer = vertx.setPeriodic((long) (config.reconcileSeconds() * 1000), id -> periodic());
            stream.start();
        });
    }

    /** The health checks' verdicts changed: program the table they now ask for, at once. */
    public void healthChanged(HealthView view) {
        health = view;
        requestPass();
    }

    /**
     * This router became active (holds the VIPs) or backup (holds none): move the addresses. The future completes
     * when they are moved: true when the addresses of the desired state are in the kernel (the announcer then need
     * not look for them), false when the move failed or was for an older revision than the desired one.
     */
    public java.util.concurrent.CompletableFuture<Boolean> holdVips(boolean hold) {
        if (hold != holdVips) roleChangedAt = System.nanoTime();
        holdVips = hold;
        java.util.concurrent.CompletableFuture<Boolean> done = new java.util.concurrent.CompletableFuture<>();
        // Not through the pass queue: a takeover that waited behind a periodic full pass would keep clients waiting
        // for as long as that pass reads the kernel (seconds at 10,000 services). The table is already programmed
        // on both routers; only the addresses move. The addresses of the applied state: a pass for a newer one
        // that runs meanwhile moves its own, reading holdVips when it gets there.
        addressMover.<Void>executeBlocking(() -> {
            ClusterState state = applied;
            try {
                List<String> changes = reconciler.addresses(state, () -> holdVips, false);
                if (!changes.isEmpty()) LOG.info("addresses of revision {} {}: {}", state.revision(), hold ? "taken" : "released", changes);
                // Programmed means what the announcer will announce (the desired state's addresses) is in place.
                done.complete(state == desired);
            } catch (RuntimeException e) {
                LOG.warn("moving the addresses failed ({}); the next pass tries again", e.getMessage());
                done.complete(false);
                requestPass();
            }
            return null;
        }, false);
        return done;
    }

    /** Sends a report to the control plane if the stream is up (health transitions, role changes). */
    public void report(StreamMessage m) {
        stream.send(m);
    }

    /** The desired state the agent holds now: the newest revision received that passed its checks. */
    public ClusterState desired() {
        return desired;
    }

    private void requestPass() {
        if (!passQueued) {
            passQueued = true;
            pass(false);
        }
    }

    /** Called on the worker thread each time a revision is applied (benchmarks time propagation with it). */
    public void onApplied(java.util.function.LongConsumer listener) {
        onApplied = listener;
    }

    public long appliedRevision() {
        return applied.revision();
    }

    /** The newest revision received (it may have been refused). */
    public long desiredRevision() {
        return received.revision();
    }

    public boolean connected() {
        return stream.connected();
    }

    /** The control-plane replica the stream is up with, or null while it is down. */
    public URI controlPlane() {
        return stream.connectedTo();
    }

    public String lastError() {
        return lastError;
    }

    public Future<Void> stop() {
        if (reconcileTimer >= 0) vertx.cancelTimer(reconcileTimer);
        stream.stop();
        return worker.close().eventually(() -> addressMover.close());
    }

    private void received(StreamMessage m) {
        if (m instanceof StreamMessage.Snapshot s) {
            if (s.revision() != s.state().revision()) {
                LOG.warn("snapshot says revision {} but holds {}; reconnecting", s.revision(), s.state().revision());
                stream.reconnect();
                return;
            }
            offer(s.state());
        } else if (m instanceof StreamMessage.Delta d) {
            ClusterState base = received;
            if (d.fromRevision() != base.revision()) {
                // Not ours to guess: say hello again with what we hold and let the control plane decide.
                LOG.warn("delta from {} does not follow revision {}; reconnecting", d.fromRevision(), base.revision());
                stream.reconnect();
                return;
            }
            try {
                offer(fold(base, d));
            } catch (RuntimeException e) {
                LOG.error("delta {}..{} cannot be applied to the state held; reconnecting for a fresh start", d.fromRevision(), d.revision(), e);
                stream.reconnect();
            }
        } else if (m instanceof StreamMessage.Heartbeat h) {
            if (h.revision() > received.revision()) LOG.debug("control plane is at {}, this agent holds {}", h.revision(), received.revision());
        }
    }

    private static ClusterState fold(ClusterState base, StreamMessage.Delta d) {
        ClusterState s = base;
        for (StreamMessage.Event e : d.events()) {
            Class<? extends ClusterEvent> type = ClusterEvents.typeNamed(e.type());
            if (type == null) throw new IllegalStateException("unknown event type " + e.type() + "; is this agent older than the control plane?");
            if (e.revision() != s.revision() + 1) throw new IllegalStateException("event revision " + e.revision() + " after " + s.revision());
            try {
                s = s.apply(EVENTS.treeToValue(e.data(), type));
            } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
                throw new IllegalStateException("event " + e.revision() + " of type " + e.type() + " cannot be read", x);
            }
        }
        if (s.revision() != d.revision()) throw new IllegalStateException("delta ends at " + s.revision() + ", not " + d.revision());
        return s;
    }

    private void offer(ClusterState state) {
        received = state;
        metrics.desired(state.revision());
        requestPass();
    }

    private void periodic() {
        // Right after a role change the kernel's time belongs to the announcement (its arping, the neighbours'
        // answers): the full read-back waits for the next period rather than compete with a takeover.
        if (System.nanoTime() - roleChangedAt < ROLE_CHANGE_QUIET_NANOS) return;
        if (!passQueued) {
            passQueued = true;
            pass(true);
        }
    }

    /** One kernel pass on the worker thread, toward the newest desired state (or, periodic, the applied one). */
    private Future<Void> pass(boolean periodic) {
        return worker.<Void>executeBlocking(() -> {
            passQueued = false;
            passBody(periodic);
            return null;
        }, true);
    }

    /** One reconcile pass; whether it programmed the state (false: it failed or was refused). */
    private boolean passBody(boolean periodic) {
        ClusterState target = accept(received);
        boolean newRevision = target.revision() != applied.revision();
        Reconciler.Outcome o;
        try {
            o = reconciler.reconcile(newRevision ? target : applied, health, () -> holdVips, periodic);
        } catch (RuntimeException e) {
            metrics.reconciled("failed", 0);
            if (newRevision) {
                nack(target.revision(), e.getMessage());
                restoreApplied();
            } else {
                LOG.warn("reconcile of revision {} failed: {}", applied.revision(), e.getMessage());
            }
            return false;
        }
        if (o.rejected()) {
            metrics.reconciled("rejected", o.millis());
            nack(target.revision(), String.join("; ", o.unsupported()));
            return false;
        }
        metrics.reconciled(o.changes().isEmpty() ? "unchanged" : "changed", o.millis());
        metrics.connectionSync(reconciler.connectionSync() != null);
        if (newRevision) {
            applied = target;
            lastError = null;
            lastNackedRevision = -1;
            metrics.applied(target.revision(), o.services(), o.destinations());
            stream.send(new StreamMessage.Ack(target.revision(), o.millis(), reconciler.connectionSyncStatus()));
            // After the ack: the kernel holds the revision whether or not it is on disk yet (a big cluster's state
            // takes 0.1 s to write), and an agent that dies in between restarts from the older copy and catches up.
            try {
                store.save(target);
            } catch (RuntimeException e) {
                LOG.error("cannot save revision {} for starting without the control plane: {}", target.revision(), e.getMessage());
            }
            onApplied.accept(target.revision());
            LOG.info("applied revision {} ({} changes, {} ms)", target.revision(), o.changes().size(), o.millis());
        } else if (!o.changes().isEmpty() && periodic) {
            metrics.drift();
            LOG.warn("kernel had drifted from revision {}; corrected: {}", applied.revision(), o.changes());
            stream.send(StreamMessage.Drift.capped(applied.revision(), o.changes()));
        }
        if (periodic) {
            // Counters move with traffic, not revisions: read and report them with the periodic check.
            List<StreamMessage.DestinationStats> counters = reconciler.stats();
            metrics.destinations(counters);
            stream.send(StreamMessage.Stats.capped(o.services(), o.destinations(), o.millis(), counters, reconciler.connectionSyncStatus()));
        }
        return true;
    }

    /**
     * The boundary between the stream and the kernel, on the worker thread before any command of a pass: a received
     * state becomes the desired one only if every value that reaches a command line, a script or the wire has its
     * shape ({@link KernelInputs}). The control plane validates all of it; the agent checks again because a control
     * plane with a bug, or a compromised one or database, must not become option injection in root's commands. A
     * refused state is nacked and nothing runs for it; the kernel, the health checks and the failover keep the last
     * accepted one. Only what changed since that one is checked again.
     */
    private ClusterState accept(ClusterState newest) {
        ClusterState current = desired;
        if (newest == current || newest == refused) return current;
        List<String> problems = new java.util.ArrayList<>(KernelInputs.problems(newest, current));
        problems.addAll(programsNotAllowed(newest, current));
        if (problems.isEmpty()) {
            desired = newest;
            return newest;
        }
        refused = newest;
        metrics.reconciled("rejected", 0);
        nack(newest.revision(), "refused before any command ran: " + String.join("; ", problems.subList(0, Math.min(problems.size(), 20)))
                + (problems.size() > 20 ? "; and " + (problems.size() - 20) + " more" : ""));
        return current;
    }

    /**
     * Program checks this router's configuration does not allow ({@link AgentConfig#allowsCheckProgram}), skipping the
     * virtual servers {@code checked} (a state already accepted) holds as the very same objects, as KernelInputs does.
     */
    private List<String> programsNotAllowed(ClusterState state, ClusterState checked) {
        if (!state.exists()) return List.of();
        List<String> out = new java.util.ArrayList<>();
        for (io.lvscp.api.model.VirtualServerState vs : state.virtualServers().values()) {
            if (checked != null && checked.virtualServers().get(vs.spec().name()) == vs) continue;
            io.lvscp.api.model.HealthCheck check = vs.spec().healthCheck();
            notAllowed(check, vs.spec().name(), out);
            for (io.lvscp.api.model.RealServer rs : vs.realServers().values()) {
                if (rs.healthCheck() != null) notAllowed(rs.effectiveHealthCheck(check), vs.spec().name() + "/" + rs.name(), out);
            }
        }
        return out;
    }

    private void notAllowed(io.lvscp.api.model.HealthCheck check, String where, List<String> out) {
        if (check == null || check.kind() != io.lvscp.api.model.HealthCheckKind.program || check.program() == null) return;
        String program = check.executable();
        if (!config.allowsCheckProgram(program)) {
            out.add("health check of " + where + " runs " + program + ", which this router's checkPrograms does not list");
        }
    }

    /** Periodic passes retry a failed revision (the cause may pass); the control plane hears each failure once. */
    private void nack(long revision, String error) {
        if (revision == lastNackedRevision && error.equals(lastError)) return;
        lastError = error;
        lastNackedRevision = revision;
        metrics.nack();
        LOG.error("cannot apply revision {}: {}", revision, error);
        stream.send(new StreamMessage.Nack(revision, applied.revision(), error));
    }

    /** After a failed apply the kernel may hold part of it; put back what was applied before (Envoy keeps the last good config). */
    private void restoreApplied() {
        try {
            reconciler.reconcile(applied, health, () -> holdVips, true);
        } catch (RuntimeException e) {
            LOG.error("restoring revision {} failed too: {}", applied.revision(), e.getMessage());
        }
    }
}
