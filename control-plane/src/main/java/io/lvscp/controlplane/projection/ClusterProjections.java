package io.lvscp.controlplane.projection;

import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.model.ClusterState;
import io.lvscp.controlplane.KeyedSequencer;
import io.lvscp.controlplane.eventstore.EventStore;
import io.lvscp.controlplane.eventstore.RecordedEvent;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The desired state of every cluster at its head, folded from the event store and kept in memory. States are
 * immutable, so readers on any thread see a consistent revision; updates happen on the owning Vert.x context,
 * one cluster at a time. Anything that appended elsewhere (another control-plane process) reaches this one by
 * NOTIFY or by the periodic sweep; either way the projection reads forward from its own revision, so a lost
 * or duplicated notification is harmless.
 */
public final class ClusterProjections {
    public static final String STREAM_PREFIX = "cluster/";
    private static final long BATCH = 10_000;

    /** Told of every change, in revision order per cluster, with the events that made it. */
    public interface Listener {
        void changed(ClusterState before, ClusterState after, List<RecordedEvent> events);
    }

    private final EventStore store;
    private final Map<String, ClusterState> states = new ConcurrentHashMap<>();
    private final KeyedSequencer sequencer = new KeyedSequencer();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    public ClusterProjections(EventStore store) {
        this.store = store;
    }

    public static String streamId(String cluster) {
        return STREAM_PREFIX + cluster;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /** The head state of a cluster as this process knows it; absent (revision 0) if it never existed. */
    public ClusterState get(String cluster) {
        return states.getOrDefault(cluster, ClusterState.absent(cluster));
    }

    public Collection<ClusterState> all() {
        return states.values();
    }

    /** Reads whatever the store has beyond this process's revision of the cluster. */
    public Future<ClusterState> catchUp(String cluster) {
        return sequencer.submit(cluster, () -> readForward(cluster));
    }

    private Future<ClusterState> readForward(String cluster) {
        ClusterState current = get(cluster);
        return store.readStream(streamId(cluster), current.revision(), current.revision() + BATCH).compose(events -> {
            if (events.isEmpty()) return Future.succeededFuture(current);
            ClusterState next = fold(current, events);
            publish(cluster, current, next, events);
            return events.size() == BATCH ? readForward(cluster) : Future.succeededFuture(next);
        });
    }

    /**
     * Takes the events this process just appended. If the projection is exactly where the append started,
     * they apply directly; otherwise it reads forward from the store, which has them too.
     */
    public Future<ClusterState> appended(String cluster, long baseRevision, List<RecordedEvent> events) {
        return sequencer.submit(cluster, () -> {
            ClusterState current = get(cluster);
            if (current.revision() != baseRevision) return readForward(cluster);
            ClusterState next = fold(current, events);
            publish(cluster, current, next, events);
            return Future.succeededFuture(next);
        });
    }

    /** Catches up every cluster stream the store knows. */
    public Future<Void> catchUpAll() {
        return store.streamVersions(STREAM_PREFIX).compose(versions -> {
            List<Future<ClusterState>> all = new ArrayList<>();
            versions.forEach((stream, version) -> {
                String cluster = stream.substring(STREAM_PREFIX.length());
                if (get(cluster).revision() < version) all.add(catchUp(cluster));
            });
            return Future.all(all).mapEmpty();
        });
    }

    /** True when no cluster in the store is ahead of this projection. */
    public Future<Boolean> isCurrent() {
        return store.streamVersions(STREAM_PREFIX).map(versions -> versions.entrySet().stream()
                .allMatch(e -> get(e.getKey().substring(STREAM_PREFIX.length())).revision() >= e.getValue()));
    }

    /** The desired state of a cluster at an earlier revision: a replay of its stream up to there. */
    public Future<ClusterState> stateAt(String cluster, long revision) {
        return replay(ClusterState.absent(cluster), cluster, revision);
    }

    private Future<ClusterState> replay(ClusterState from, String cluster, long revision) {
        long upTo = Math.min(revision, from.revision() + BATCH);
        return store.readStream(streamId(cluster), from.revision(), upTo).compose(events -> {
            ClusterState s = fold(from, events);
            return events.size() == BATCH && s.revision() < revision ? replay(s, cluster, revision) : Future.succeededFuture(s);
        });
    }

    private static ClusterState fold(ClusterState state, List<RecordedEvent> events) {
        ClusterState s = state;
        for (RecordedEvent e : events) {
            if (e.streamVersion() != s.revision() + 1) {
                throw new IllegalStateException("stream " + e.streamId() + " jumps from " + s.revision() + " to " + e.streamVersion());
            }
            ClusterEvent event = EventCodec.decode(e);
            s = s.apply(event);
        }
        return s;
    }

    private void publish(String cluster, ClusterState before, ClusterState after, List<RecordedEvent> events) {
        states.put(cluster, after);
        for (Listener l : listeners) l.changed(before, after, events);
    }
}
