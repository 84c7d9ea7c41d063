package io.lvscp.controlplane.agents;

import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.stream.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/**
 * The serialised snapshot of each cluster's newest revision. A big cluster's snapshot is tens of megabytes of JSON:
 * writing it takes longer than an event loop may be held, and every router that reconnects (all of them, after a
 * control-plane restart) asks for the same one. So it is written once per revision, on a worker thread.
 * Confined to the gateway's event loop; {@link ClusterState} is immutable, so the worker may read it.
 */
final class SnapshotCache {
    private record Entry(long revision, Future<String> json) {}

    private final Vertx vertx;
    private final Map<String, Entry> byCluster = new HashMap<>();

    SnapshotCache(Vertx vertx) {
        this.vertx = vertx;
    }

    Future<String> get(ClusterState state) {
        Entry e = byCluster.get(state.name());
        if (e != null && e.revision() == state.revision() && !e.json().failed()) return e.json();
        if (e != null && e.revision() > state.revision()) return serialise(state); // an older one someone still needs
        Future<String> json = serialise(state);
        byCluster.put(state.name(), new Entry(state.revision(), json));
        return json;
    }

    void forget(String cluster) {
        byCluster.remove(cluster);
    }

    private Future<String> serialise(ClusterState state) {
        return vertx.executeBlocking(() -> Json.mapper().writeValueAsString(new StreamMessage.Snapshot(state.revision(), state)), false);
    }
}
