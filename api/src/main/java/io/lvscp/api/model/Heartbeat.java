package io.lvscp.api.model;

/** Router-pair heartbeat, as pulse has it: UDP port, keepalive interval and the deadtime after which the peer is dead. */
public record Heartbeat(Integer port, Integer keepaliveSeconds, Integer deadtimeSeconds) {
    public static final int DEFAULT_PORT = 539;
    public static final int DEFAULT_KEEPALIVE_SECONDS = 6;
    public static final int DEFAULT_DEADTIME_SECONDS = 18;

    public static Heartbeat defaults() {
        return new Heartbeat(DEFAULT_PORT, DEFAULT_KEEPALIVE_SECONDS, DEFAULT_DEADTIME_SECONDS);
    }

    public Heartbeat withDefaults() {
        return new Heartbeat(
                port == null ? DEFAULT_PORT : port,
                keepaliveSeconds == null ? DEFAULT_KEEPALIVE_SECONDS : keepaliveSeconds,
                deadtimeSeconds == null ? DEFAULT_DEADTIME_SECONDS : deadtimeSeconds);
    }
}
