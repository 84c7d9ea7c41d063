package io.lvscp.controlplane.agents;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.OffsetDateTime;

/** What the control plane knows of one router's agent, as shown on the router and cluster resources. */
public record RouterStatus(
        boolean connected,
        OffsetDateTime connectedSince,
        OffsetDateTime lastSeenAt,
        String driver,
        long appliedRevision,
        OffsetDateTime appliedAt,
        Long applyMillis,
        String lastError,
        Long lastErrorRevision,
        OffsetDateTime lastErrorAt,
        String role,
        OffsetDateTime roleSince,
        @JsonRawValue String stats) {

    public static final RouterStatus NEVER_SEEN = new RouterStatus(false, null, null, null, 0, null, null, null, null, null, null, null, null);
}
