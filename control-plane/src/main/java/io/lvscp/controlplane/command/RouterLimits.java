package io.lvscp.controlplane.command;

import io.lvscp.api.driver.DriverCheck;
import io.lvscp.api.driver.DriverLimits;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.VirtualServerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Says no before, not after: a write whose desired state asks a router of the cluster for something its driver
 * cannot program ({@link DriverLimits}) is refused before anything is appended, instead of being nacked by the
 * router afterwards. Checked once, in {@link ClusterCommands}, on the state every write (and rollback) leads to.
 *
 * <ul>
 *   <li>The routers that count are those of the cluster whose driver is known (their agent's last hello), connected
 *       or not; a router never seen, or one this write enrols, constrains nothing until its agent says hello.</li>
 *   <li>Only what the write adds is refused: what the current state already asks of a router (written before its
 *       driver was known, or before it changed) does not block other writes; that router keeps nacking it.</li>
 *   <li>Only what changed is looked at: the state's persistent maps keep an untouched virtual server as the same
 *       object, so a write to one virtual server of 10,000 checks one.</li>
 * </ul>
 */
final class RouterLimits {
    private RouterLimits() {}

    static void check(ClusterState before, ClusterState after, RouterDrivers drivers) {
        if (!after.exists() || !before.exists()) return;
        List<ApiProblem.FieldError> errors = new ArrayList<>();
        for (String router : after.routers().keySet()) {
            if (!before.routers().containsKey(router)) continue;
            String driver = drivers.byRouter().get(router);
            Optional<DriverLimits> limits = DriverLimits.of(driver);
            if (limits.isEmpty()) continue;
            for (DriverCheck.Unsupported u : added(before, after, limits.get())) errors.add(error(after.name(), router, driver, u));
        }
        if (!errors.isEmpty()) throw ApiProblem.unprogrammable(errors);
    }

    /** What {@code after} asks of {@code limits} that it cannot program and {@code before} did not already ask. */
    static List<DriverCheck.Unsupported> added(ClusterState before, ClusterState after, DriverLimits limits) {
        List<DriverCheck.Unsupported> out = new ArrayList<>();
        if (!Objects.equals(before.settings(), after.settings())) {
            out.addAll(minus(DriverCheck.settings(after.settings(), limits), DriverCheck.settings(before.settings(), limits)));
        }
        if (before.virtualServers() == after.virtualServers()) return out;
        for (VirtualServerState vs : after.virtualServers().values()) {
            VirtualServerState was = before.virtualServers().get(vs.spec().name());
            if (was == vs) continue;
            List<DriverCheck.Unsupported> now = DriverCheck.virtualServer(vs, limits);
            if (now.isEmpty()) continue;
            out.addAll(was == null ? now : minus(now, DriverCheck.virtualServer(was, limits)));
        }
        return out;
    }

    private static List<DriverCheck.Unsupported> minus(List<DriverCheck.Unsupported> now, List<DriverCheck.Unsupported> already) {
        if (now.isEmpty() || already.isEmpty()) return now;
        List<DriverCheck.Unsupported> out = new ArrayList<>(now);
        out.removeAll(already);
        return out;
    }

    private static ApiProblem.FieldError error(String cluster, String router, String driver, DriverCheck.Unsupported u) {
        String resource = "/v1/clusters/" + cluster;
        if (u.virtualServer() != null) resource += "/virtual-servers/" + u.virtualServer();
        if (u.realServer() != null) resource += "/real-servers/" + u.realServer();
        String detail = "router " + router + " runs the " + driver + " driver, which cannot program this: " + u.reason();
        return new ApiProblem.FieldError("", detail, router, driver, resource, u.field());
    }
}
