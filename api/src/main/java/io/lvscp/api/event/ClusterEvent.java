package io.lvscp.api.event;

/**
 * Everything that can happen to a cluster's desired state. An event that sets an entity carries all of it, not
 * a patch, so a consumer needs no earlier copy of that entity to apply it; the narrow ones (weight, drain,
 * activate) exist because operators and the audit log speak of them by name. Stored as the record's simple name (the {@code type} column) and its JSON
 * form: renaming a record or a component is a schema migration.
 */
public sealed interface ClusterEvent permits
        ClusterEvents.ClusterCreated, ClusterEvents.ClusterSettingsChanged, ClusterEvents.ClusterDeleted,
        ClusterEvents.RouterEnrolled, ClusterEvents.RouterChanged, ClusterEvents.RouterRemoved,
        ClusterEvents.VirtualServerAdded, ClusterEvents.VirtualServerChanged, ClusterEvents.VirtualServerActivated,
        ClusterEvents.VirtualServerDeactivated, ClusterEvents.VirtualServerRemoved,
        ClusterEvents.RealServerAdded, ClusterEvents.RealServerChanged, ClusterEvents.RealServerWeightChanged,
        ClusterEvents.RealServerDrained, ClusterEvents.RealServerEnabled, ClusterEvents.RealServerRemoved,
        ClusterEvents.FirewallMarkAdded, ClusterEvents.FirewallMarkChanged, ClusterEvents.FirewallMarkRemoved {

    /** The stored type name of this event. */
    default String type() {
        return getClass().getSimpleName();
    }
}
