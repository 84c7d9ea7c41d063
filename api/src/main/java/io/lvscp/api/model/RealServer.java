package io.lvscp.api.model;

/**
 * A real server behind a virtual server. {@code upperThreshold} and {@code lowerThreshold} are IPVS's connection
 * thresholds (ipvsadm -x and -y): once the server holds {@code upperThreshold} connections, active and inactive, it
 * gets no new ones until it falls below {@code lowerThreshold} (or, when that is 0, below three quarters of the
 * upper one); 0 is no threshold.
 *
 * <p>{@code healthCheck} is this server's override of its virtual server's check, null for none (so in every event
 * written before overrides existed): {@link HealthCheck#effective} gives the check that runs.
 */
public record RealServer(
        String name, String address, Integer port, Integer weight, ForwardingMethod forwarding, RealServerState state,
        Integer upperThreshold, Integer lowerThreshold, HealthCheck healthCheck) {

    public static final int DEFAULT_WEIGHT = 1;
    public static final int MAX_WEIGHT = 65535;
    public static final int NO_THRESHOLD = 0;
    /**
     * The kernel keeps thresholds as u32 and ipvsadm takes up to 2^31-1, but the kernel computes the default lower
     * threshold as {@code upper * 3} in 32 bits, which overflows above 1,431,655,765: hence a round bound below that.
     * Not 65535: the kernel counts a server's inactive (closing) connections with its active ones, and a busy server
     * holds more than that.
     */
    public static final int MAX_THRESHOLD = 1_000_000_000;

    /** Defaults are resolved when the server is written, so events and agents never have to guess them. */
    public RealServer withDefaults(String pathName, Integer virtualPort, RoutingMethod routing) {
        return new RealServer(
                name == null ? pathName : name,
                address,
                port == null ? virtualPort : port,
                weight == null ? DEFAULT_WEIGHT : weight,
                forwarding == null ? routing.defaultForwarding() : forwarding,
                state == null ? RealServerState.active : state,
                upperThreshold == null ? NO_THRESHOLD : upperThreshold,
                lowerThreshold == null ? NO_THRESHOLD : lowerThreshold,
                healthCheck == null ? null : healthCheck.asOverride());
    }

    /** The check that runs on this server: its virtual server's {@code check} with this server's override. */
    public HealthCheck effectiveHealthCheck(HealthCheck check) {
        return HealthCheck.effective(check, healthCheck);
    }

    public RealServer withWeight(int value) {
        return new RealServer(name, address, port, value, forwarding, state, upperThreshold, lowerThreshold, healthCheck);
    }

    public RealServer withHealthCheck(HealthCheck value) {
        return new RealServer(name, address, port, weight, forwarding, state, upperThreshold, lowerThreshold, value);
    }

    public RealServer withState(RealServerState value) {
        return new RealServer(name, address, port, weight, forwarding, value, upperThreshold, lowerThreshold, healthCheck);
    }
}
