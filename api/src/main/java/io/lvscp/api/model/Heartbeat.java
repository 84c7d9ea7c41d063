package io.lvscp.api.model;

/**
 * Router-pair heartbeat, as pulse has it: UDP port, keepalive interval and the deadtime after which the peer is
 * dead; and whether the primary takes the active role back when it returns ({@code preempt}, off by default:
 * every takeover is a moment of lost connections, so one failover should not cost two).
 */
public record Heartbeat(Integer port, Integer keepaliveSeconds, Integer deadtimeSeconds, Boolean preempt) {
    public static final int DEFAULT_PORT = 539;
    public static final int DEFAULT_KEEPALIVE_SECONDS = 6;
    public static final int DEFAULT_DEADTIME_SECONDS = 18;

    public static Heartbeat defaults() {
        return new Heartbeat(DEFAULT_PORT, DEFAULT_KEEPALIVE_SECONDS, DEFAULT_DEADTIME_SECONDS, false);
    }

    public Heartbeat withDefaults() {
        return new Heartbeat(
                port == null ? DEFAULT_PORT : port,
                keepaliveSeconds == null ? DEFAULT_KEEPALIVE_SECONDS : keepaliveSeconds,
                deadtimeSeconds == null ? DEFAULT_DEADTIME_SECONDS : deadtimeSeconds,
                preempt == null ? Boolean.FALSE : preempt);
    }

    /** Settings written before preemption existed have none: they never preempted. */
    public boolean preempts() {
        return Boolean.TRUE.equals(preempt);
    }
}
