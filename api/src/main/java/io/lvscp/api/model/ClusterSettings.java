package io.lvscp.api.model;

/** The settings of a cluster itself; its routers, virtual servers and firewall marks are resources of their own. */
public record ClusterSettings(String name, RoutingMethod routingMethod, NatRouter natRouter, Heartbeat heartbeat) {
    public ClusterSettings withDefaults(String pathName) {
        return new ClusterSettings(
                name == null ? pathName : name,
                routingMethod == null ? RoutingMethod.nat : routingMethod,
                natRouter,
                heartbeat == null ? Heartbeat.defaults() : heartbeat.withDefaults());
    }
}
