package io.lvscp.controlplane.eventstore;

/** The stream was not at the expected version when the append tried to commit: nothing was appended. */
public final class ConcurrencyConflict extends RuntimeException {
    private final String streamId;
    private final long expectedVersion;

    public ConcurrencyConflict(String streamId, long expectedVersion) {
        super("stream " + streamId + " is no longer at version " + expectedVersion, null, false, false);
        this.streamId = streamId;
        this.expectedVersion = expectedVersion;
    }

    public String streamId() {
        return streamId;
    }

    public long expectedVersion() {
        return expectedVersion;
    }
}
