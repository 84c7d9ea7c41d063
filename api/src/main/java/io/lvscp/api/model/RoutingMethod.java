package io.lvscp.api.model;

/** How an LVS cluster routes requests to its real servers (Piranha's {@code network} setting). */
public enum RoutingMethod {
    nat, direct, tunnel;

    /** The ipvsadm forwarding method a real server gets unless it says otherwise. */
    public ForwardingMethod defaultForwarding() {
        return switch (this) {
            case nat -> ForwardingMethod.masq;
            case direct -> ForwardingMethod.gate;
            case tunnel -> ForwardingMethod.ipip;
        };
    }
}
