package io.lvscp.controlplane.command;

import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.model.ClusterState;
import java.util.List;

/**
 * The outcome of a write: the state before and after, and the events that lead from one to the other.
 * {@code appended} is false for a dry run and for a write that changed nothing (no events).
 */
public record CommandResult(ClusterState before, ClusterState after, List<ClusterEvent> events, boolean appended) {}
