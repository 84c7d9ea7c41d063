package io.lvscp.controlplane.command;

import io.lvscp.api.model.ClusterState;

/**
 * What a request wants, as a function from the cluster's current state to the state it asks for. It throws
 * {@link ApiProblem} when the request cannot apply. The events are derived from the two states, so a request
 * that asks for what already is appends nothing, and a retry after a conflict decides again on fresh state.
 * {@code drivers} says what the cluster's routers run, for defaults that depend on it (a virtual server's scheduler).
 */
@FunctionalInterface
public interface Decision {
    ClusterState decide(ClusterState current, RouterDrivers drivers);
}
