package io.lvscp.controlplane.agents;

import java.time.OffsetDateTime;

/** One router's last verdict on one real server, and since when it holds. */
public record RealServerHealth(String router, boolean healthy, String reason, OffsetDateTime since) {}
