package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.api.driver.DriverLimits;
import io.lvscp.api.stream.StreamMessage;
import io.lvscp.agent.dataplane.ServiceKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The data plane of production LVS routers: the kernel's IPVS table, through ipvsadm. It reads with
 * {@code ipvsadm -Sn} and {@code ipvsadm -Ln --thresholds} and changes the table with one {@code ipvsadm -R} batch
 * holding only the differences.
 * <p>
 * IPVS can express the whole model. The kernel loads each scheduler's module ({@code ip_vs_mh}, {@code ip_vs_fo},
 * {@code ip_vs_ovf}...) through modprobe on first use, so a router needs them installed (Debian's kernels have
 * all thirteen); a missing one fails the batch with "Scheduler or persistence engine not found".
 * <p>
 * The driver changes the table it is given into the desired one. The reconciler gives it only lvscp's part of the
 * kernel's table ({@link io.lvscp.agent.reconcile.OwnedServices}), so services of keepalived or an operator on
 * the same host are never deleted.
 */
public final class IpvsDriver implements DataplaneDriver {
    /** What this driver can program, shared with the control plane, which refuses a write a router cannot program. */
    private static final DriverLimits LIMITS = DriverLimits.ipvs();
    private final CommandRunner runner;
    // The daemons the last syncConnections left running: what it started or found as wanted (none after a failure).
    private volatile List<StreamMessage.SyncDaemon> syncDaemons = List.of();
    private final IpvsSyncDaemon syncDaemon;
    // The services the last check found writable: a service equal to one of them needs no second look, so a pass
    // for one change checks one service, not the table (writing it all out took 0.3 s at 10,000 services).
    private Map<ServiceKey, Service> checked = Map.of();

    public IpvsDriver(CommandRunner runner) {
        this.runner = runner;
        this.syncDaemon = new IpvsSyncDaemon(runner);
    }

    @Override
    public String whyNoConnectionSync() {
        return LIMITS.connectionSync();
    }

    @Override
    public List<String> syncConnections(io.lvscp.api.model.ConnectionSync wanted) {
        syncDaemons = List.of();
        List<String> changes = syncDaemon.apply(wanted);
        syncDaemons = IpvsSyncDaemon.wanted(wanted).stream().map(d -> new StreamMessage.SyncDaemon(d.role(), d.device(), d.syncId())).toList();
        return changes;
    }

    @Override
    public List<StreamMessage.SyncDaemon> syncDaemons() {
        return syncDaemons;
    }

    @Override
    public String name() {
        return "ipvs";
    }

    @Override
    public List<String> unsupported(ServiceTable desired) {
        List<String> why = new ArrayList<>();
        Map<ServiceKey, Service> writable = new HashMap<>();
        for (Service s : desired.services().values()) {
            Service before = checked.get(s.key());
            if (s == before || s.equals(before)) {
                writable.put(s.key(), s);
                continue;
            }
            try {
                IpvsBatch.between(ServiceTable.EMPTY, IpvsAddresses.canonical(new ServiceTable(new TreeMap<>(Map.of(s.key(), s)))));
                writable.put(s.key(), s);
            } catch (IllegalArgumentException e) {
                why.add("the table cannot be written as ipvsadm rules: " + e.getMessage());
            }
            if (s.key().isMark()) continue;
            for (Destination d : s.destinations().values()) {
                // ipvsadm itself sets such a real server's port to the service's, so the table read back would
                // never equal the desired one and every pass would report drift.
                String port = LIMITS.portChange("real server " + d.key() + " of virtual server " + s.key(), d.forwarding(), d.port(),
                        s.key().port());
                if (port != null) why.add(port);
            }
        }
        checked = writable;
        return why;
    }

    /**
     * Two commands, the fewest that show the whole table: {@code -S}, the listing in ipvsadm's own rule language, leaves
     * out the real servers' connection thresholds (ipvsadm 1.31), and {@code -L --thresholds}, the one listing that
     * shows them, shows no forwarding method or weight in their place; ipvsadm refuses {@code --thresholds} with
     * {@code -S}. Both list the whole table at once, so the count does not grow with it.
     */
    @Override
    public ServiceTable read() {
        ServiceTable rules = IpvsadmSaveParser.parse(runner.run(List.of("ipvsadm", "-Sn")).orThrow().stdout());
        String thresholds = runner.run(List.of("ipvsadm", "-Ln", "--thresholds", "--exact")).orThrow().stdout();
        return IpvsThresholdsParser.merge(rules, IpvsThresholdsParser.parse(thresholds));
    }

    @Override
    public List<StreamMessage.DestinationStats> stats() {
        return IpvsStatsParser.parse(runner.run(List.of("ipvsadm", "-Ln", "--stats", "--exact")).orThrow().stdout());
    }

    @Override
    public void apply(ServiceTable actual, ServiceTable desired) {
        // Both are canonical already: the desired table is made so (DesiredTable), the actual one is what ipvsadm
        // printed or what the last pass wrote; every address that goes into a line is checked again by IpvsBatch.
        String script = IpvsBatch.between(actual, desired);
        if (script.isEmpty()) return;
        CommandResult r = runner.run(List.of("ipvsadm", "-R"), script);
        // ipvsadm -R reports a failed line ("Service already exists") on stderr, goes on with the next one and
        // still exits 0, so its stderr is the only sign of failure.
        if (r.ok() && !r.stderr().isBlank()) r = new CommandResult(r.argv(), 1, r.stdout(), r.stderr());
        r.orThrow();
    }
}
