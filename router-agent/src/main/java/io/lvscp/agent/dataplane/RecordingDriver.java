package io.lvscp.agent.dataplane;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A driver with no kernel behind it: it keeps the table in memory and records each apply. Named for what it is —
 * a stand-in for benchmarks of the control plane and the stream with many agents, where the kernel is not what
 * is measured, and for tests of the agent's protocol. Never for a real router.
 * <p>
 * It keeps the driver contract as the kernel drivers do (DriverContract in the tests): apply() changes only what
 * differs between the tables it is given, so a service in memory that neither names (one put there by hand, as an
 * operator's would be) stays, and each change is one write, offered to an observer as a kernel driver's commands
 * are offered to its runner's.
 */
public final class RecordingDriver implements DataplaneDriver {
    private ServiceTable table = ServiceTable.EMPTY; // guarded by this
    private volatile io.lvscp.api.model.ConnectionSync connectionSync;
    private final List<ServiceTable> applied = Collections.synchronizedList(new ArrayList<>());
    private final Consumer<String> writes;

    public RecordingDriver() {
        this(null);
    }

    /** {@code writes} sees every change apply() makes, one line each ("edit 10.0.0.1:80 in tcp 192.0.2.1:80: masq weight 3"). */
    public RecordingDriver(Consumer<String> writes) {
        this.writes = writes == null ? line -> { } : writes;
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public List<String> unsupported(ServiceTable desired) {
        return List.of();
    }

    @Override
    public synchronized ServiceTable read() {
        return table;
    }

    @Override
    public synchronized void apply(ServiceTable actual, ServiceTable desired) {
        applied.add(desired);
        List<String> lines = new ArrayList<>();
        SortedMap<ServiceKey, Service> next = new TreeMap<>(table.services());
        for (ServiceKey k : actual.services().keySet()) {
            if (desired.services().containsKey(k)) continue;
            next.remove(k);
            lines.add("remove service " + k);
        }
        for (Service want : desired.services().values()) {
            Service have = actual.services().get(want.key());
            // The same object: unchanged since the table it came from (DesiredTable.Cache), as the kernel drivers take it.
            if (have == want || want.equals(have)) continue;
            edits(have, want, lines);
            next.put(want.key(), want);
        }
        if (lines.isEmpty()) return;
        table = new ServiceTable(next);
        lines.forEach(writes);
    }

    /** One line per element that differs, at the grain ipvsadm -R edits a table. */
    private static void edits(Service have, Service want, List<String> lines) {
        ServiceKey k = want.key();
        String scheduling = want.scheduler() + (want.persistenceSeconds() > 0
                ? " persistent " + want.persistenceSeconds() + " s netmask " + want.persistenceNetmask() : "");
        if (have == null) {
            lines.add("add service " + k + ": " + scheduling);
        } else if (have.scheduler() != want.scheduler() || have.persistenceSeconds() != want.persistenceSeconds()
                || !java.util.Objects.equals(have.persistenceNetmask(), want.persistenceNetmask())) {
            lines.add("edit service " + k + ": " + scheduling);
        }
        SortedMap<String, Destination> before = have == null ? Collections.emptySortedMap() : have.destinations();
        for (String d : before.keySet()) if (!want.destinations().containsKey(d)) lines.add("remove " + d + " from " + k);
        for (Destination d : want.destinations().values()) {
            Destination h = before.get(d.key());
            if (d.equals(h)) continue;
            lines.add((h == null ? "add " + d.key() + " to " : "edit " + d.key() + " in ") + k + ": " + d.forwarding() + " weight " + d.weight()
                    + (d.upperThreshold() > 0 || d.lowerThreshold() > 0 ? " thresholds " + d.upperThreshold() + "/" + d.lowerThreshold() : ""));
        }
    }

    /**
     * Changes the table behind the agent's back, as an operator's ipvsadm or nft changes a kernel's: how tests make
     * drift and services lvscp did not make. Not offered to the observer, which sees only what the driver does.
     */
    public synchronized void byHand(UnaryOperator<ServiceTable> change) {
        table = change.apply(table);
    }

    /** Like the table, the connection sync it is told to run is only remembered (and no daemon runs). */
    @Override
    public String whyNoConnectionSync() {
        return io.lvscp.api.driver.DriverLimits.recording().connectionSync();
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
