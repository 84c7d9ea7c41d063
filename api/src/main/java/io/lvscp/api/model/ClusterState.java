package io.lvscp.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.lvscp.api.event.ClusterEvent;
import java.util.Map;
import io.lvscp.api.event.ClusterEvents.*;
import java.util.function.UnaryOperator;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * The desired state of one cluster at one revision: the fold of its event stream. Immutable and built on
 * persistent maps, so a reader keeps a consistent snapshot while a writer derives the next revision, and
 * applying one event to a cluster of 10,000 virtual servers copies a path, not the cluster.
 *
 * <p>{@code settings == null} means the cluster does not exist at this revision (never created, or deleted);
 * its revision still counts, because a deleted cluster's history stays and a re-created one continues it.
 */
public record ClusterState(
        String name,
        long revision,
        ClusterSettings settings,
        PSortedMap<String, Router> routers,
        PSortedMap<String, VirtualServerState> virtualServers,
        PSortedMap<Long, FirewallMark> firewallMarks) {

    /** The JSON form (snapshots to agents, the agent's local copy) has plain maps; these are rebuilt persistent. */
    @JsonCreator
    public static ClusterState fromJson(@JsonProperty("name") String name, @JsonProperty("revision") long revision,
                                        @JsonProperty("settings") ClusterSettings settings,
                                        @JsonProperty("routers") Map<String, Router> routers,
                                        @JsonProperty("virtualServers") Map<String, VirtualServerState> virtualServers,
                                        @JsonProperty("firewallMarks") Map<Long, FirewallMark> firewallMarks) {
        return new ClusterState(name, revision, settings,
                routers == null ? TreePMap.empty() : TreePMap.from(routers),
                virtualServers == null ? TreePMap.empty() : TreePMap.from(virtualServers),
                firewallMarks == null ? TreePMap.empty() : TreePMap.from(firewallMarks));
    }

    public static ClusterState absent(String name) {
        return new ClusterState(name, 0, null, TreePMap.empty(), TreePMap.empty(), TreePMap.empty());
    }

    @JsonIgnore
    public boolean exists() {
        return settings != null;
    }

    public ClusterState atRevision(long value) {
        return new ClusterState(name, value, settings, routers, virtualServers, firewallMarks);
    }

    public ClusterState withSettings(ClusterSettings value) {
        return new ClusterState(name, revision, value, routers, virtualServers, firewallMarks);
    }

    public ClusterState withRouter(Router r) {
        return new ClusterState(name, revision, settings, routers.plus(r.name(), r), virtualServers, firewallMarks);
    }

    public ClusterState withoutRouter(String router) {
        return new ClusterState(name, revision, settings, routers.minus(router), virtualServers, firewallMarks);
    }

    public ClusterState withVirtualServer(VirtualServerState vs) {
        return new ClusterState(name, revision, settings, routers, virtualServers.plus(vs.spec().name(), vs), firewallMarks);
    }

    public ClusterState withoutVirtualServer(String vs) {
        return new ClusterState(name, revision, settings, routers, virtualServers.minus(vs), firewallMarks);
    }

    public ClusterState withFirewallMark(FirewallMark m) {
        return new ClusterState(name, revision, settings, routers, virtualServers, firewallMarks.plus(m.mark(), m));
    }

    public ClusterState withoutFirewallMark(long mark) {
        return new ClusterState(name, revision, settings, routers, virtualServers, firewallMarks.minus(mark));
    }

    /** The state after one more event, at revision + 1. Events name entities that exist: the writer checked. */
    public ClusterState apply(ClusterEvent event) {
        // Java 17 has no pattern switch; the chain is ordered by how often each event occurs.
        ClusterState next;
        if (event instanceof RealServerWeightChanged e) next = updateRealServer(e.virtualServer(), e.realServer(), rs -> rs.withWeight(e.weight()));
        else if (event instanceof RealServerDrained e) next = updateRealServer(e.virtualServer(), e.realServer(), rs -> rs.withState(RealServerState.drained));
        else if (event instanceof RealServerEnabled e) next = updateRealServer(e.virtualServer(), e.realServer(), rs -> rs.withState(RealServerState.active));
        else if (event instanceof RealServerAdded e) next = updateVirtualServer(e.virtualServer(), vs -> vs.withRealServer(e.realServer()));
        else if (event instanceof RealServerChanged e) next = updateVirtualServer(e.virtualServer(), vs -> vs.withRealServer(e.realServer()));
        else if (event instanceof RealServerRemoved e) next = updateVirtualServer(e.virtualServer(), vs -> vs.withoutRealServer(e.realServer()));
        else if (event instanceof VirtualServerAdded e) next = withVirtualServer(VirtualServerState.of(e.virtualServer()));
        else if (event instanceof VirtualServerChanged e) next = updateVirtualServer(e.virtualServer().name(), vs -> vs.withSpec(e.virtualServer()));
        else if (event instanceof VirtualServerActivated e) next = updateVirtualServer(e.virtualServer(), vs -> vs.withSpec(vs.spec().withActive(true)));
        else if (event instanceof VirtualServerDeactivated e) next = updateVirtualServer(e.virtualServer(), vs -> vs.withSpec(vs.spec().withActive(false)));
        else if (event instanceof VirtualServerRemoved e) next = withoutVirtualServer(e.virtualServer());
        else if (event instanceof FirewallMarkAdded e) next = withFirewallMark(e.firewallMark());
        else if (event instanceof FirewallMarkChanged e) next = withFirewallMark(e.firewallMark());
        else if (event instanceof FirewallMarkRemoved e) next = withoutFirewallMark(e.mark());
        else if (event instanceof RouterEnrolled e) next = withRouter(e.router());
        else if (event instanceof RouterChanged e) next = withRouter(e.router());
        else if (event instanceof RouterRemoved e) next = withoutRouter(e.router());
        else if (event instanceof ClusterCreated e) next = absent(name).atRevision(revision).withSettings(e.settings());
        else if (event instanceof ClusterSettingsChanged e) next = withSettings(e.settings());
        else if (event instanceof ClusterDeleted) next = absent(name).atRevision(revision);
        else throw new IllegalArgumentException("unknown event " + event.type());
        return next.atRevision(revision + 1);
    }

    private ClusterState updateVirtualServer(String vsName, UnaryOperator<VirtualServerState> change) {
        VirtualServerState vs = virtualServers.get(vsName);
        if (vs == null) throw new IllegalStateException("event names unknown virtual server " + vsName + " in cluster " + name);
        return withVirtualServer(change.apply(vs));
    }

    private ClusterState updateRealServer(String vsName, String rsName, UnaryOperator<RealServer> change) {
        return updateVirtualServer(vsName, vs -> {
            RealServer rs = vs.realServers().get(rsName);
            if (rs == null) throw new IllegalStateException("event names unknown real server " + rsName + " of " + vsName);
            return vs.withRealServer(change.apply(rs));
        });
    }
}
