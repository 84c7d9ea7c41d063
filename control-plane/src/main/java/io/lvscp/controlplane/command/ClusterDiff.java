package io.lvscp.controlplane.command;

import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.event.ClusterEvents.*;
import io.lvscp.api.model.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The events that turn one desired state into another. Writes, rollbacks and the diff between two revisions
 * all go through here, so there is one way a change becomes history. The order keeps every step meaningful
 * for a consumer: what goes away leaves before what replaces it arrives, and a firewall mark exists before a
 * virtual server uses it and until none does.
 */
public final class ClusterDiff {
    private ClusterDiff() {}

    public static List<ClusterEvent> between(ClusterState from, ClusterState to) {
        List<ClusterEvent> out = new ArrayList<>();
        if (!to.exists()) {
            if (from.exists()) out.add(new ClusterDeleted(from.name()));
            return out;
        }
        if (!from.exists()) {
            out.add(new ClusterCreated(to.settings()));
            from = ClusterState.absent(to.name()).withSettings(to.settings());
        } else if (!from.settings().equals(to.settings())) {
            out.add(new ClusterSettingsChanged(to.settings()));
        }

        for (String r : from.routers().keySet()) if (!to.routers().containsKey(r)) out.add(new RouterRemoved(r));
        for (Router r : to.routers().values()) {
            Router old = from.routers().get(r.name());
            if (old == null) out.add(new RouterEnrolled(r));
            else if (!old.equals(r)) out.add(new RouterChanged(r));
        }

        for (VirtualServerState vs : from.virtualServers().values()) {
            VirtualServerState next = to.virtualServers().get(vs.spec().name());
            if (next == null) continue;
            for (String rs : vs.realServers().keySet()) {
                if (!next.realServers().containsKey(rs)) out.add(new RealServerRemoved(vs.spec().name(), rs));
            }
        }
        for (String vs : from.virtualServers().keySet()) if (!to.virtualServers().containsKey(vs)) out.add(new VirtualServerRemoved(vs));

        for (FirewallMark m : to.firewallMarks().values()) {
            FirewallMark old = from.firewallMarks().get(m.mark());
            if (old == null) out.add(new FirewallMarkAdded(m));
            else if (!old.equals(m)) out.add(new FirewallMarkChanged(m));
        }

        for (VirtualServerState vs : to.virtualServers().values()) {
            VirtualServerState old = from.virtualServers().get(vs.spec().name());
            if (old == null) {
                out.add(new VirtualServerAdded(vs.spec()));
                for (RealServer rs : vs.realServers().values()) out.add(new RealServerAdded(vs.spec().name(), rs));
                continue;
            }
            virtualServerChange(old.spec(), vs.spec(), out);
            realServerChanges(vs.spec().name(), old.realServers(), vs.realServers(), out);
        }

        for (Long m : from.firewallMarks().keySet()) if (!to.firewallMarks().containsKey(m)) out.add(new FirewallMarkRemoved(m));
        return out;
    }

    private static void virtualServerChange(VirtualServerSpec old, VirtualServerSpec now, List<ClusterEvent> out) {
        if (old.equals(now)) return;
        if (old.withActive(now.isActive()).equals(now)) {
            out.add(now.isActive() ? new VirtualServerActivated(now.name()) : new VirtualServerDeactivated(now.name()));
        } else {
            out.add(new VirtualServerChanged(now));
        }
    }

    private static void realServerChanges(String vs, Map<String, RealServer> old, Map<String, RealServer> now, List<ClusterEvent> out) {
        for (RealServer rs : now.values()) {
            RealServer before = old.get(rs.name());
            if (before == null) {
                out.add(new RealServerAdded(vs, rs));
            } else if (before.equals(rs)) {
                continue;
            } else if (before.withWeight(rs.weight()).equals(rs)) {
                out.add(new RealServerWeightChanged(vs, rs.name(), rs.weight()));
            } else if (before.withState(rs.state()).equals(rs)) {
                out.add(rs.state() == RealServerState.drained ? new RealServerDrained(vs, rs.name()) : new RealServerEnabled(vs, rs.name()));
            } else {
                out.add(new RealServerChanged(vs, rs));
            }
        }
    }

    /** True when applying {@code events} to {@code from} gives {@code to}: the diff's own contract, for tests. */
    static boolean reproduces(ClusterState from, List<ClusterEvent> events, ClusterState to) {
        ClusterState s = from;
        for (ClusterEvent e : events) s = s.apply(e);
        return Objects.equals(s.atRevision(0), to.atRevision(0));
    }
}
