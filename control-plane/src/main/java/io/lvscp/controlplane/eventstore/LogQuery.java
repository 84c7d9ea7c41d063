package io.lvscp.controlplane.eventstore;

import java.time.OffsetDateTime;

/**
 * A filtered read of the global log. Null fields do not filter. {@code afterPosition} starts after that event
 * in log order; {@code after} (a cursor) wins over it when both are given.
 */
public record LogQuery(
        LogCursor after,
        Long afterPosition,
        java.util.List<String> streamIds,
        String type,
        String actor,
        OffsetDateTime since,
        OffsetDateTime until,
        int limit) {}
