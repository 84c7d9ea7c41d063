package io.lvscp.api.event;

import io.lvscp.api.model.ClusterSettings;
import io.lvscp.api.model.FirewallMark;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.Router;
import io.lvscp.api.model.VirtualServerSpec;

/** The event records. They are data only; {@link io.lvscp.api.model.ClusterState#apply} gives them meaning. */
public final class ClusterEvents {
    private ClusterEvents() {}

    public record ClusterCreated(ClusterSettings settings) implements ClusterEvent {}
    public record ClusterSettingsChanged(ClusterSettings settings) implements ClusterEvent {}
    public record ClusterDeleted(String cluster) implements ClusterEvent {}

    public record RouterEnrolled(Router router) implements ClusterEvent {}
    public record RouterChanged(Router router) implements ClusterEvent {}
    public record RouterRemoved(String router) implements ClusterEvent {}

    public record VirtualServerAdded(VirtualServerSpec virtualServer) implements ClusterEvent {}
    public record VirtualServerChanged(VirtualServerSpec virtualServer) implements ClusterEvent {}
    public record VirtualServerActivated(String virtualServer) implements ClusterEvent {}
    public record VirtualServerDeactivated(String virtualServer) implements ClusterEvent {}
    /** Removes the virtual server with all its real servers, as ipvsadm -D does. */
    public record VirtualServerRemoved(String virtualServer) implements ClusterEvent {}

    public record RealServerAdded(String virtualServer, RealServer realServer) implements ClusterEvent {}
    public record RealServerChanged(String virtualServer, RealServer realServer) implements ClusterEvent {}
    public record RealServerWeightChanged(String virtualServer, String realServer, int weight) implements ClusterEvent {}
    public record RealServerDrained(String virtualServer, String realServer) implements ClusterEvent {}
    public record RealServerEnabled(String virtualServer, String realServer) implements ClusterEvent {}
    public record RealServerRemoved(String virtualServer, String realServer) implements ClusterEvent {}

    public record FirewallMarkAdded(FirewallMark firewallMark) implements ClusterEvent {}
    public record FirewallMarkChanged(FirewallMark firewallMark) implements ClusterEvent {}
    public record FirewallMarkRemoved(long mark) implements ClusterEvent {}

    /** Looks up an event class by its stored type name. */
    public static Class<? extends ClusterEvent> typeNamed(String name) {
        for (Class<?> c : ClusterEvent.class.getPermittedSubclasses()) {
            if (c.getSimpleName().equals(name)) return c.asSubclass(ClusterEvent.class);
        }
        return null;
    }
}
