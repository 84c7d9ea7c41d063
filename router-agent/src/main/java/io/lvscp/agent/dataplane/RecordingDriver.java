package io.lvscp.agent.dataplane;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A driver with no kernel behind it: it keeps the table in memory and records each apply. Named for what it is —
 * a stand-in for benchmarks of the control plane and the stream with many agents, where the kernel is not what
 * is measured, and for tests of the agent's protocol. Never for a real router.
 */
public final class RecordingDriver implements DataplaneDriver {
    private volatile ServiceTable table = ServiceTable.EMPTY;
    private volatile io.lvscp.api.model.ConnectionSync connectionSync;
    private final List<ServiceTable> applied = Collections.synchronizedList(new ArrayList<>());

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public List<String> unsupported(ServiceTable desired) {
        return List.of();
    }

    @Override
    public ServiceTable read() {
        return table;
    }

    @Override
    public void apply(ServiceTable actual, ServiceTable desired) {
        table = desired;
        applied.add(desired);
    }

    /** Like the table, the connection sync it is told to run is only remembered. */
    @Override
    public String whyNoConnectionSync() {
        return null;
    }

    @Override
    public List<String> syncConnections(io.lvscp.api.model.ConnectionSync wanted) {
        if (java.util.Objects.equals(wanted, connectionSync)) return List.of();
        connectionSync = wanted;
        return List.of(wanted == null ? "stopped connection sync" : "connection sync on " + wanted.device());
    }

    public io.lvscp.api.model.ConnectionSync connectionSync() {
        return connectionSync;
    }

    public List<ServiceTable> applied() {
        return applied;
    }
}
