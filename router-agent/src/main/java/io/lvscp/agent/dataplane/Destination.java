package io.lvscp.agent.dataplane;

import io.lvscp.api.model.ForwardingMethod;

/** A real server as the kernel holds it. {@code port} 0: the client's destination port (firewall-mark services). */
public record Destination(String address, int port, ForwardingMethod forwarding, int weight) implements Comparable<Destination> {
    public String key() {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }

    @Override
    public int compareTo(Destination o) {
        return key().compareTo(o.key());
    }
}
