package io.lvscp.api.model;

/** A real server behind a virtual server. */
public record RealServer(
        String name, String address, Integer port, Integer weight, ForwardingMethod forwarding, RealServerState state) {

    public static final int DEFAULT_WEIGHT = 1;
    public static final int MAX_WEIGHT = 65535;

    /** Defaults are resolved when the server is written, so events and agents never have to guess them. */
    public RealServer withDefaults(String pathName, Integer virtualPort, RoutingMethod routing) {
        return new RealServer(
                name == null ? pathName : name,
                address,
                port == null ? virtualPort : port,
                weight == null ? DEFAULT_WEIGHT : weight,
                forwarding == null ? routing.defaultForwarding() : forwarding,
                state == null ? RealServerState.active : state);
    }

    public RealServer withWeight(int value) {
        return new RealServer(name, address, port, value, forwarding, state);
    }

    public RealServer withState(RealServerState value) {
        return new RealServer(name, address, port, weight, forwarding, value);
    }
}
