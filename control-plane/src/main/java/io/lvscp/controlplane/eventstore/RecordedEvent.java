package io.lvscp.controlplane.eventstore;

import java.time.OffsetDateTime;

/** An event as the store holds it. {@code transactionId} with {@code position} is its place in the log order. */
public record RecordedEvent(
        long position,
        String transactionId,
        String streamId,
        long streamVersion,
        String type,
        String data,
        EventMetadata metadata,
        OffsetDateTime recordedAt) {

    public LogCursor cursor() {
        return new LogCursor(transactionId, position);
    }
}
