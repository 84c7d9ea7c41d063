package io.lvscp.controlplane.eventstore;

import java.util.List;

/** What an append committed: the stream's new version and the recorded events. */
public record AppendResult(long version, List<RecordedEvent> events) {}
