package io.lvscp.agent.reconcile;

import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.DesiredTable;
import io.lvscp.agent.dataplane.HealthView;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.host.HostAddresses;
import io.lvscp.agent.host.MarkRules;
import io.lvscp.agent.host.Vip;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.ConnectionSync;
import io.lvscp.api.model.FirewallMark;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;

/**
 * Makes the kernel hold a cluster's desired state: read what is there, compare, change only the difference, as
 * kube-proxy does. Two kinds of pass, like kube-proxy's full and partial syncs:
 * <ul>
 *   <li>a full pass reads everything back from the kernel (tables, firewall-mark rules, addresses, forwarding)
 *       and corrects whatever differs; the periodic check is one, and whatever it had to change is drift;</li>
 *   <li>a pass for a new revision trusts what the last pass left in the kernel and only touches what the
 *       revision changed: one batch for the table, and the host only if its part of the state changed. Its
 *       cost follows the change, not the cluster, and the next full pass catches anything it trusted wrongly.</li>
 * </ul>
 * Blocking: runs on the agent's one worker thread; {@link #addresses} also on its address mover.
 */
public final class Reconciler {
    /** What a pass did: the changes made, or why the state cannot be programmed by this driver. */
    public record Outcome(List<String> changes, List<String> unsupported, int services, int destinations, long millis) {
        public boolean rejected() {
            return !unsupported.isEmpty();
        }
    }

    private final DataplaneDriver driver;
    private final MarkRules marks;
    private final HostAddresses host;
    private final OwnedServices owned;
    private final DesiredTable.Cache tables = new DesiredTable.Cache();
    // What the last successful pass left in the kernel; null forces the next pass to read everything.
    private ServiceTable lastTable;
    private Set<FirewallMark> lastMarks;
    // The addresses' part, guarded by addressLock: a takeover moves them beside a running pass (addresses()).
    private final Object addressLock = new Object();
    private SortedSet<Vip> lastVips;
    private Object lastForwarding;
    private ConnectionSync lastSync;
    // Whether this agent started the sync daemons (kept across full passes, which forget what the kernel holds).
    private boolean syncManaged;

    public Reconciler(DataplaneDriver driver, MarkRules marks, HostAddresses host, OwnedServices owned) {
        this.driver = Objects.requireNonNull(driver);
        this.marks = Objects.requireNonNull(marks, "marks (MarkRules.recording() for no kernel)");
        this.host = Objects.requireNonNull(host, "host (HostAddresses.recording() for no kernel)");
        this.owned = owned;
    }

    /** A reconciler that programs only {@code driver}: no firewall-mark rules, no host addresses (tests, benchmarks). */
    public static Reconciler tableOnly(DataplaneDriver driver, OwnedServices owned) {
        return new Reconciler(driver, MarkRules.recording(), HostAddresses.recording(), owned);
    }

    public String driverName() {
        return driver.name();
    }

    /** The connection sync this agent last set up (and a full pass checks), or null when it runs none. */
    public ConnectionSync connectionSync() {
        return syncManaged ? lastSync : null;
    }

    /**
     * What this router runs of its cluster's connectionSync, as acks and stats report it: running with the driver's
     * daemons while this agent keeps the setting's sync going, otherwise not running.
     */
    public io.lvscp.api.stream.StreamMessage.ConnectionSyncStatus connectionSyncStatus() {
        return connectionSync() == null ? io.lvscp.api.stream.StreamMessage.ConnectionSyncStatus.NONE
                : new io.lvscp.api.stream.StreamMessage.ConnectionSyncStatus(true, driver.syncDaemons());
    }

    public Outcome reconcile(ClusterState desired, boolean holdVips, boolean full) {
        return reconcile(desired, HealthView.ALL_HEALTHY, holdVips, full);
    }

    /**
     * One pass. {@code health} is what the agent's checks say of the real servers; {@code holdVips} is whether this
     * router is the active one of its pair (both program the table, only the active one holds the addresses, so a
     * takeover is only moving addresses).
     */
    public Outcome reconcile(ClusterState desired, HealthView health, boolean holdVips, boolean full) {
        return reconcile(desired, health, () -> holdVips, full);
    }

    /**
     * As above, {@code holdVips} read when the pass reaches the addresses, not when it starts: a takeover during a
     * long table pass ({@link #addresses}) must not be undone by the end of that pass.
     */
    public Outcome reconcile(ClusterState desired, HealthView health, java.util.function.BooleanSupplier holdVips, boolean full) {
        long started = System.nanoTime();
        ServiceTable want = tables.from(desired, health);
        List<String> unsupported = new ArrayList<>(driver.unsupported(want));
        ConnectionSync wantSync = desired.exists() ? desired.settings().connectionSync() : null;
        String noSync = driver.whyNoConnectionSync();
        if (wantSync != null && noSync != null) unsupported.add("connectionSync: " + noSync);
        if (!unsupported.isEmpty()) return new Outcome(List.of(), unsupported, 0, 0, millisSince(started));
        if (full) forget();
        try {
            List<String> changes = new ArrayList<>();
            // As the state gives them: the rules compare them in their own form (the kernel's, canonical).
            Set<FirewallMark> wantMarks = new HashSet<>(desired.exists() ? desired.firewallMarks().values() : List.of());
            if (!wantMarks.equals(lastMarks)) changes.addAll(marks.bringTo(wantMarks));
            lastMarks = wantMarks;
            ServiceTable have = lastTable != null ? lastTable : owned.mine(driver.read(), want);
            if (!have.equals(want)) {
                changes.addAll(Changes.between(have, want));
                owned.adding(want);
                driver.apply(have, want);
                owned.applied(want);
            }
            lastTable = want;
            // A cluster without the setting leaves the daemons alone (an operator's own, or keepalived's, may run);
            // one that drops it has its daemons stopped. A full pass restarts one that was stopped by hand.
            if (noSync == null && (wantSync != null || syncManaged) && (full || !Objects.equals(wantSync, lastSync))) {
                changes.addAll(driver.syncConnections(wantSync));
                lastSync = wantSync;
                syncManaged = wantSync != null;
            }
            changes.addAll(addresses(desired, holdVips, full));
            return new Outcome(changes, List.of(), want.services().size(), want.destinationCount(), millisSince(started));
        } catch (RuntimeException e) {
            forget(); // the kernel is in an unknown state: the next pass reads it all
            throw e;
        }
    }

    /**
     * Moves the floating addresses, and nothing else, to what {@code desired} and {@code holdVips} (read under the
     * lock) ask for. A takeover calls it on its own, beside a table pass that may be running: as keepalived keeps
     * its VRRP apart from its checker, a role change must not wait behind a full pass over 10,000 services (or
     * over a slow kernel). Both roads meet here under one lock, so the addresses see one writer at a time.
     */
    public List<String> addresses(ClusterState desired, java.util.function.BooleanSupplier holdVips, boolean full) {
        synchronized (addressLock) {
            boolean hold = holdVips.getAsBoolean();
            if (full) {
                lastVips = null;
                lastForwarding = null;
            }
            SortedSet<Vip> vips = hold ? host.desiredVips(desired) : new java.util.TreeSet<>();
            Object forwarding = desired.exists() ? desired.settings().routingMethod() : null;
            if (vips.equals(lastVips) && Objects.equals(forwarding, lastForwarding)) return List.of();
            try {
                List<String> changes = host.apply(desired, hold, full || !Objects.equals(forwarding, lastForwarding));
                lastVips = vips;
                lastForwarding = forwarding;
                return changes;
            } catch (RuntimeException e) {
                lastVips = null; // unknown: the next call reads the addresses again
                lastForwarding = null;
                throw e;
            }
        }
    }

    /** The kernel's per-real-server counters; none if the driver's kernel keeps none, or reading them fails. */
    public List<io.lvscp.api.stream.StreamMessage.DestinationStats> stats() {
        try {
            return driver.stats();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private void forget() {
        lastTable = null;
        lastMarks = null;
        lastSync = null;
        synchronized (addressLock) {
            lastVips = null;
            lastForwarding = null;
        }
    }

    private static long millisSince(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
