package io.lvscp.controlplane.auth;

import java.util.List;

/**
 * Who a request comes from, as its token says. {@code clusters} null means every cluster. {@code name} is the
 * actor recorded in the events the request appends.
 */
public record Principal(String tokenId, String name, Role role, List<String> clusters, String router) {
    public boolean mayAccess(String cluster) {
        return clusters == null || clusters.contains(cluster);
    }

    public boolean unscoped() {
        return clusters == null;
    }
}
