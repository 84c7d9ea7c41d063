package io.lvscp.controlplane.eventstore;

/** Who asked for a change and how: stored with every event of the append. The time is the commit's. */
public record EventMetadata(String actor, String requestId, String clientAddress, String reason) {}
