package io.lvscp.agent.dataplane;

import io.lvscp.api.model.ForwardingMethod;

/**
 * A real server as the kernel holds it. {@code port} 0: the client's destination port (firewall-mark services).
 * {@code upperThreshold} and {@code lowerThreshold} are IPVS's connection thresholds (ipvsadm -x, -y), 0 for none.
 */
public record Destination(String address, int port, ForwardingMethod forwarding, int weight, int upperThreshold, int lowerThreshold)
        implements Comparable<Destination> {
    public String key() {
        return key(address, port);
    }

    /** "192.0.2.1:80", "[2001:db8::1]:80": how tables key a real server, and how ipvsadm -n prints it. */
    public static String key(String address, int port) {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }

    public Destination withThresholds(int upper, int lower) {
        return new Destination(address, port, forwarding, weight, upper, lower);
    }

    @Override
    public int compareTo(Destination o) {
        return key().compareTo(o.key());
    }
}
