package io.lvscp.agent.reconcile;

import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.DesiredTable;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.host.FirewallMarkRules;
import io.lvscp.agent.host.HostNetwork;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.FirewallMark;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the kernel hold a cluster's desired state: read what is there, compare, change only the difference, as
 * kube-proxy does. The same pass serves a new revision and the periodic check; whatever it had to change when
 * the revision had not changed is drift. Blocking: runs on the agent's one worker thread.
 */
public final class Reconciler {
    /** What a pass did: the changes made, or why the state cannot be programmed by this driver. */
    public record Outcome(List<String> changes, List<String> unsupported, int services, int destinations, long millis) {
        public boolean rejected() {
            return !unsupported.isEmpty();
        }
    }

    private final DataplaneDriver driver;
    private final FirewallMarkRules marks;
    private final HostNetwork host;

    public Reconciler(DataplaneDriver driver, FirewallMarkRules marks, HostNetwork host) {
        this.driver = driver;
        this.marks = marks;
        this.host = host;
    }

    public String driverName() {
        return driver.name();
    }

    public Outcome reconcile(ClusterState desired, boolean holdVips) {
        long started = System.nanoTime();
        ServiceTable want = DesiredTable.from(desired);
        List<String> unsupported = driver.unsupported(want);
        if (!unsupported.isEmpty()) return new Outcome(List.of(), unsupported, 0, 0, millisSince(started));

        List<String> changes = new ArrayList<>();
        if (marks != null) {
            List<FirewallMark> wantMarks = desired.exists() ? List.copyOf(desired.firewallMarks().values()) : List.of();
            if (!sameMarks(marks.read(), wantMarks)) {
                marks.apply(wantMarks);
                changes.add("reset firewall-mark rules");
            }
        }
        ServiceTable have = driver.read();
        if (!have.equals(want)) {
            changes.addAll(Changes.between(have, want));
            driver.apply(have, want);
        }
        if (host != null) changes.addAll(host.apply(desired, holdVips));
        return new Outcome(changes, List.of(), want.services().size(), want.destinationCount(), millisSince(started));
    }

    public ServiceTable read() {
        return driver.read();
    }

    public DataplaneDriver driver() {
        return driver;
    }

    private static boolean sameMarks(List<FirewallMark> a, List<FirewallMark> b) {
        return new java.util.HashSet<>(a).equals(new java.util.HashSet<>(b));
    }

    private static long millisSince(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
