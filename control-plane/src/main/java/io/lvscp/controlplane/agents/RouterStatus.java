package io.lvscp.controlplane.agents;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.OffsetDateTime;

/**
 * What the control plane knows of one router's agent, as shown on the router and cluster resources.
 * {@code programsKernel} follows from {@code driver} (false for {@code recording}, which programs nothing; absent while
 * no driver is known); {@code connectionSync} is what the router last reported of its cluster's connectionSync.
 */
public record RouterStatus(
        boolean connected,
        OffsetDateTime connectedSince,
        OffsetDateTime lastSeenAt,
        String driver,
        Boolean programsKernel,
        long appliedRevision,
        OffsetDateTime appliedAt,
        Long applyMillis,
        String lastError,
        Long lastErrorRevision,
        OffsetDateTime lastErrorAt,
        String role,
        OffsetDateTime roleSince,
        @JsonRawValue String stats,
        @JsonRawValue String connectionSync) {

    public static final RouterStatus NEVER_SEEN = new RouterStatus(false, null, null, null, null, 0, null, null, null, null, null, null, null,
            null, null);

    /** The router's kernel holds {@code revision}: it acked it (or a later one) and its driver programs a kernel. */
    public boolean programmed(long revision) {
        return Boolean.TRUE.equals(programsKernel) && appliedRevision >= revision;
    }
}
