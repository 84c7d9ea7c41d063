package io.lvscp.api.model;

import java.util.List;

/**
 * A multi-port service (the seed's section 9.3): packets to {@code address} on any of {@code ports} are marked
 * with {@code mark}, and a virtual server on that mark balances them as one service. Ports are "80" or "6000-6010".
 */
public record FirewallMark(Long mark, Protocol protocol, String address, List<String> ports) {
    public FirewallMark withDefaults(Long pathMark) {
        return new FirewallMark(mark == null ? pathMark : mark, protocol == null ? Protocol.tcp : protocol,
                // Not List.copyOf: a null in the request's list must reach validation (a 422 naming it), not throw here.
                address, ports == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(ports)));
    }
}
