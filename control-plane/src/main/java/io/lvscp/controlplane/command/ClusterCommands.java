package io.lvscp.controlplane.command;

import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.model.ClusterState;
import io.lvscp.controlplane.KeyedSequencer;
import io.lvscp.controlplane.eventstore.ConcurrencyConflict;
import io.lvscp.controlplane.eventstore.EventMetadata;
import io.lvscp.controlplane.eventstore.EventStore;
import io.lvscp.controlplane.eventstore.NewEvent;
import io.lvscp.controlplane.metrics.ControlPlaneMetrics;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.lvscp.controlplane.projection.EventCodec;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;

/**
 * Turns decisions into appended events. Writes to one cluster run one at a time in this process, so it never
 * races itself; a race with another process shows as a version conflict on append, after which the decision
 * is taken again on the fresh state. A client that sent If-Match gets 412 instead of a retry: it asked for
 * its write to apply to that revision only.
 */
public final class ClusterCommands {
    private static final int ATTEMPTS = 5;

    private final EventStore store;
    private final ClusterProjections projections;
    private final ControlPlaneMetrics metrics;
    private final KeyedSequencer sequencer = new KeyedSequencer();
    private final Function<String, Future<RouterDrivers>> drivers;

    /** {@code drivers} reads what each router of a cluster last said hello with (any process may have heard it). */
    public ClusterCommands(EventStore store, ClusterProjections projections, ControlPlaneMetrics metrics,
                           Function<String, Future<RouterDrivers>> drivers) {
        this.store = store;
        this.projections = projections;
        this.metrics = metrics;
        this.drivers = drivers;
    }

    public Future<CommandResult> execute(String cluster, Long ifMatch, Decision decision, EventMetadata metadata, boolean dryRun) {
        return sequencer.submit(cluster, () -> attempt(cluster, ifMatch, decision, metadata, dryRun, 1, false));
    }

    private Future<CommandResult> attempt(String cluster, Long ifMatch, Decision decision, EventMetadata metadata,
                                          boolean dryRun, int attempt, boolean caughtUp) {
        ClusterState current = projections.get(cluster);
        if (ifMatch != null && ifMatch != current.revision()) {
            // This process may be the stale one: look at the store before telling the client it is.
            if (!caughtUp) {
                return projections.catchUp(cluster).compose(s -> attempt(cluster, ifMatch, decision, metadata, dryRun, attempt, true));
            }
            return Future.failedFuture(ApiProblem.preconditionFailed(ifMatch, current.revision()));
        }
        return drivers.apply(cluster).compose(known -> decideAndAppend(cluster, ifMatch, decision, metadata, dryRun, attempt, current, known));
    }

    private Future<CommandResult> decideAndAppend(String cluster, Long ifMatch, Decision decision, EventMetadata metadata,
                                                  boolean dryRun, int attempt, ClusterState current, RouterDrivers known) {
        ClusterState desired;
        List<ClusterEvent> events;
        ClusterState after;
        try {
            desired = decision.decide(current, known);
            events = ClusterDiff.between(current, desired);
            if (events.isEmpty()) return Future.succeededFuture(new CommandResult(current, current, events, false));
            after = applyAll(current, events);
            // The one place every write passes with the state it leads to: what a router cannot program is refused here,
            // a dry run included, before anything is appended.
            RouterLimits.check(current, after, known);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        if (dryRun) return Future.succeededFuture(new CommandResult(current, after, events, false));

        List<NewEvent> encoded = events.stream().map(EventCodec::encode).toList();
        long started = System.nanoTime();
        return store.append(ClusterProjections.streamId(cluster), current.revision(), encoded, metadata)
                .compose(result -> {
                    metrics.appended(events, System.nanoTime() - started);
                    // The response describes this write's result, even if the head has already moved on.
                    return projections.appended(cluster, current.revision(), result.events())
                            .map(head -> new CommandResult(current, after, events, true));
                })
                .recover(failure -> {
                    if (!(failure instanceof ConcurrencyConflict)) return Future.failedFuture(failure);
                    metrics.conflict();
                    if (ifMatch != null) {
                        return projections.catchUp(cluster).compose(s -> Future.failedFuture(ApiProblem.preconditionFailed(ifMatch, s.revision())));
                    }
                    if (attempt >= ATTEMPTS) {
                        return Future.failedFuture(ApiProblem.conflict("cluster " + cluster + " kept changing under this request ("
                                + ATTEMPTS + " attempts); try again"));
                    }
                    return projections.catchUp(cluster).compose(s -> attempt(cluster, null, decision, metadata, dryRun, attempt + 1, true));
                });
    }

    private static ClusterState applyAll(ClusterState from, List<ClusterEvent> events) {
        ClusterState s = from;
        for (ClusterEvent e : events) s = s.apply(e);
        return s;
    }
}
