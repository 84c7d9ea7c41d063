package io.lvscp.controlplane.command;

import io.lvscp.api.driver.DriverLimits;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.Scheduler;
import java.util.List;
import java.util.Map;

/**
 * The data-plane driver each router of a cluster last said hello with, connected now or not: router name → driver.
 * A router whose agent was never seen is absent, and constrains nothing.
 */
public record RouterDrivers(Map<String, String> byRouter) {
    public static final RouterDrivers NONE = new RouterDrivers(Map.of());

    public RouterDrivers {
        byRouter = Map.copyOf(byRouter);
    }

    /** The known drivers of the routers {@code state} has. */
    public List<String> of(ClusterState state) {
        if (!state.exists()) return List.of();
        return state.routers().keySet().stream().map(byRouter::get).filter(d -> d != null).toList();
    }

    /** The scheduler of a virtual server written without one into {@code state}: wlc where every known driver runs it, else wrr. */
    public Scheduler defaultScheduler(ClusterState state) {
        return DriverLimits.defaultScheduler(of(state));
    }
}
