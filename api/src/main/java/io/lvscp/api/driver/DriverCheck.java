package io.lvscp.api.driver;

import io.lvscp.api.model.ClusterSettings;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.RealServerState;
import io.lvscp.api.model.SorryServer;
import io.lvscp.api.model.VirtualServerSpec;
import io.lvscp.api.model.VirtualServerState;
import java.util.ArrayList;
import java.util.List;

/**
 * What of a cluster's desired state one driver cannot program, by {@link DriverLimits}: the check the control plane
 * makes of the state a write leads to, for each router whose driver it knows. It looks at every virtual server,
 * active or not (an inactive one is programmed when it is activated), with every real server as it is configured
 * (the agent's own check sees the table after health checks, drains and the sorry server, and may refuse less; never
 * more than this, for the same driver).
 */
public final class DriverCheck {
    private DriverCheck() {}

    /**
     * One thing a driver cannot program. {@code virtualServer} and {@code realServer} name where it is (both null: the
     * cluster's settings); {@code field} is a JSON Pointer into that resource ({@code /scheduler}, {@code /forwarding},
     * {@code /connectionSync}, {@code /sorryServer/address}; {@code /realServers} for the virtual server's servers as
     * a whole); {@code reason} says why, in a sentence.
     */
    public record Unsupported(String virtualServer, String realServer, String field, String reason) {
        /** Where it is in the desired state as agents receive it (the JSON of {@link ClusterState}). */
        public String pointer() {
            if (virtualServer == null) return "/settings" + field;
            String vs = "/virtualServers/" + virtualServer;
            if (realServer != null) return vs + "/realServers/" + realServer + field;
            return field.equals("/realServers") ? vs + field : vs + "/spec" + field;
        }
    }

    /** Everything of {@code state} that {@code limits} cannot program. */
    public static List<Unsupported> of(ClusterState state, DriverLimits limits) {
        List<Unsupported> out = new ArrayList<>();
        if (!state.exists()) return out;
        out.addAll(settings(state.settings(), limits));
        for (VirtualServerState vs : state.virtualServers().values()) out.addAll(virtualServer(vs, limits));
        return out;
    }

    public static List<Unsupported> settings(ClusterSettings s, DriverLimits limits) {
        if (s == null || s.connectionSync() == null || limits.connectionSync() == null) return List.of();
        return List.of(new Unsupported(null, null, "/connectionSync", limits.connectionSync()));
    }

    /** What of one virtual server and its real servers {@code limits} cannot program. */
    public static List<Unsupported> virtualServer(VirtualServerState vs, DriverLimits limits) {
        List<Unsupported> out = new ArrayList<>();
        VirtualServerSpec s = vs.spec();
        String name = s.name();
        String subject = "virtual server " + name;
        if (add(out, name, null, "/address", limits.family(subject, IpAddresses.isIpv4(s.address())))) return out;
        add(out, name, null, "/scheduler", limits.scheduler(subject, s.scheduler()));
        add(out, name, null, "/persistence", limits.persistence(subject, s.persistence() == null || s.persistence().timeoutSeconds() == null
                ? 0 : s.persistence().timeoutSeconds()));
        long weighted = vs.realServers().values().stream()
                .filter(rs -> rs.state() != RealServerState.drained && rs.weight() != null && rs.weight() > 0).count();
        add(out, name, null, "/realServers", limits.weightedRealServers(subject, weighted));
        boolean mark = s.firewallMark() != null;
        for (RealServer rs : vs.realServers().values()) {
            String who = "real server " + rs.name() + " of " + subject;
            int port = rs.port() == null ? 0 : rs.port();
            add(out, name, rs.name(), "/forwarding", limits.forwarding(who, rs.forwarding()));
            add(out, name, rs.name(), "/address", limits.realServerFamily(who, IpAddresses.isIpv4(rs.address())));
            add(out, name, rs.name(), "/upperThreshold", limits.thresholds(who, orZero(rs.upperThreshold()), orZero(rs.lowerThreshold())));
            if (mark) add(out, name, rs.name(), "/port", limits.firewallMarkPort(who, port));
            else add(out, name, rs.name(), "/port", limits.portChange(who, rs.forwarding(), port, s.port() == null ? 0 : s.port()));
        }
        SorryServer sorry = s.sorryServer();
        if (sorry != null) {
            // It takes the traffic, masqueraded, when no real server can: a destination like the others then.
            String who = "the sorry server of " + subject;
            add(out, name, null, "/sorryServer/address", limits.realServerFamily(who, IpAddresses.isIpv4(sorry.address())));
            if (mark) add(out, name, null, "/sorryServer/port", limits.firewallMarkPort(who, orZero(sorry.port())));
        }
        return out;
    }

    private static boolean add(List<Unsupported> out, String vs, String rs, String field, String reason) {
        if (reason == null) return false;
        out.add(new Unsupported(vs, rs, field, reason));
        return true;
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }
}
