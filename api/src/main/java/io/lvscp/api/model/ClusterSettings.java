package io.lvscp.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The settings of a cluster itself; its routers, virtual servers and firewall marks are resources of their own.
 * {@code connectionSync} is absent (off) in clusters written before it existed, and in those that do not want it.
 */
public record ClusterSettings(String name, RoutingMethod routingMethod, NatRouter natRouter, Heartbeat heartbeat,
                              @JsonInclude(JsonInclude.Include.NON_NULL) ConnectionSync connectionSync) {
    public ClusterSettings(String name, RoutingMethod routingMethod, NatRouter natRouter, Heartbeat heartbeat) {
        this(name, routingMethod, natRouter, heartbeat, null);
    }

    public ClusterSettings withDefaults(String pathName) {
        return new ClusterSettings(
                name == null ? pathName : name,
                routingMethod == null ? RoutingMethod.nat : routingMethod,
                natRouter,
                heartbeat == null ? Heartbeat.defaults() : heartbeat.withDefaults(),
                connectionSync == null ? null : connectionSync.withDefaults());
    }
}
