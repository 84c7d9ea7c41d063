package io.lvscp.controlplane.command;

import io.lvscp.api.model.*;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The domain rules, checked on a resource with its defaults applied, in the context of the cluster it goes
 * into. Field problems are 422 with a pointer into the body; clashes with other resources are 409 and say
 * which resource they clash with.
 */
final class Rules {
    private Rules() {}

    static void clusterSettings(ClusterSettings s) {
        Violations v = new Violations();
        v.name("/name", s.name());
        v.required("/routingMethod", s.routingMethod());
        if (s.routingMethod() == RoutingMethod.nat) {
            if (v.required("/natRouter", s.natRouter())) {
                NatRouter n = s.natRouter();
                Optional<InetAddress> a = v.address("/natRouter/address", n.address(), true);
                v.netmask("/natRouter/netmask", n.netmask(), a, true);
                v.device("/natRouter/device", n.device(), true);
            }
        } else if (s.routingMethod() != null) {
            v.absent("/natRouter", s.natRouter(), "applies to nat clusters only; this cluster routes by " + s.routingMethod());
        }
        Heartbeat h = s.heartbeat();
        v.port("/heartbeat/port", h.port(), true);
        v.range("/heartbeat/keepaliveSeconds", h.keepaliveSeconds(), 1, 3600, true);
        v.range("/heartbeat/deadtimeSeconds", h.deadtimeSeconds(), 2, 86400, true);
        if (v.isEmpty() && h.deadtimeSeconds() <= h.keepaliveSeconds()) {
            v.add("/heartbeat/deadtimeSeconds", "deadtime " + h.deadtimeSeconds() + " s must be longer than the keepalive interval "
                    + h.keepaliveSeconds() + " s, or every late heartbeat is a failover");
        }
        if (s.connectionSync() != null) {
            String device = s.connectionSync().device();
            v.device("/connectionSync/device", device, true);
            if (device != null && device.contains(":")) {
                // The kernel's sync daemon binds to an interface; eth1:1 is an address label on eth1, not one.
                v.add("/connectionSync/device", "the sync daemon needs an interface (eth1), not an address label (" + device + ")");
            }
            v.range("/connectionSync/syncId", s.connectionSync().syncId(), 0, 255, true);
        }
        v.throwIfAny();
    }

    static void router(ClusterState c, Router r) {
        Violations v = new Violations();
        v.name("/name", r.name());
        v.address("/publicAddress", r.publicAddress(), true);
        v.address("/privateAddress", r.privateAddress(), c.settings().routingMethod() == RoutingMethod.nat);
        v.throwIfAny();
        List<Router> others = c.routers().values().stream().filter(o -> !o.name().equals(r.name())).toList();
        if (others.size() >= 2) {
            throw ApiProblem.conflict("cluster " + c.name() + " is a router pair and already has routers "
                    + others.get(0).name() + " and " + others.get(1).name());
        }
        for (Router o : others) {
            if (r.rolePreference() == RolePreference.primary && o.rolePreference() == RolePreference.primary) {
                throw ApiProblem.conflict("/rolePreference", "router " + o.name() + " is already the primary of cluster " + c.name()
                        + "; make it backup first");
            }
            for (String mine : addresses(r)) {
                if (addresses(o).contains(mine)) {
                    throw ApiProblem.conflict("address " + mine + " is already router " + o.name() + "'s");
                }
            }
        }
        for (String mine : addresses(r)) {
            for (VirtualServerState vs : c.virtualServers().values()) {
                if (sameAddress(mine, vs.spec().address())) {
                    throw ApiProblem.conflict("address " + mine + " is the VIP of virtual server " + vs.spec().name());
                }
            }
        }
    }

    private static List<String> addresses(Router r) {
        List<String> out = new ArrayList<>();
        if (r.publicAddress() != null) out.add(r.publicAddress());
        if (r.privateAddress() != null) out.add(r.privateAddress());
        return out;
    }

    static void virtualServer(ClusterState c, VirtualServerSpec s) {
        Violations v = new Violations();
        v.name("/name", s.name());
        Optional<InetAddress> vip = v.address("/address", s.address(), true);
        v.netmask("/netmask", s.netmask(), vip, true);
        v.device("/device", s.device(), true);
        if (s.firewallMark() != null) {
            v.range("/firewallMark", s.firewallMark(), Shapes.MIN_MARK, Shapes.MAX_MARK, true);
            v.absent("/port", s.port(), "a firewall-mark service has no port of its own: the ports are those its mark gathers");
        } else {
            v.port("/port", s.port(), true);
        }
        Persistence p = s.persistence();
        if (p != null) {
            v.range("/persistence/timeoutSeconds", p.timeoutSeconds(), 1, 31 * 86400, true);
            v.netmask("/persistence/netmask", p.netmask(), vip, true);
        }
        healthCheck(v, s.healthCheck());
        v.range("/quorum", s.quorum(), 0, 10_000, false);
        if (s.sorryServer() != null) {
            Optional<InetAddress> sorry = v.address("/sorryServer/address", s.sorryServer().address(), true);
            v.port("/sorryServer/port", s.sorryServer().port(), false);
            if (sorry.isPresent() && vip.isPresent() && sorry.get().equals(vip.get())) {
                v.add("/sorryServer/address", "the sorry server cannot be the VIP itself");
            }
        }
        v.throwIfAny();

        if (s.firewallMark() != null) {
            FirewallMark m = c.firewallMarks().get(s.firewallMark());
            if (m == null) {
                throw ApiProblem.invalid("/firewallMark", "firewall mark " + s.firewallMark() + " is not defined in cluster "
                        + c.name() + "; create it under /v1/clusters/" + c.name() + "/firewall-marks first");
            }
            if (!sameAddress(m.address(), s.address())) {
                throw ApiProblem.invalid("/address", "firewall mark " + m.mark() + " gathers traffic to " + m.address()
                        + ", not to this virtual server's VIP " + s.address());
            }
            if (m.protocol() != s.protocol()) {
                throw ApiProblem.invalid("/protocol", "firewall mark " + m.mark() + " gathers " + m.protocol() + ", not " + s.protocol());
            }
        }
        for (VirtualServerState other : c.virtualServers().values()) {
            VirtualServerSpec o = other.spec();
            if (o.name().equals(s.name())) continue;
            if (s.firewallMark() != null && s.firewallMark().equals(o.firewallMark())) {
                throw ApiProblem.conflict("/firewallMark", "firewall mark " + s.firewallMark() + " is already the service of virtual server " + o.name());
            }
            boolean sameVip = sameAddress(o.address(), s.address());
            if (s.firewallMark() == null && o.firewallMark() == null && sameVip
                    && Objects.equals(o.port(), s.port()) && o.protocol() == s.protocol()) {
                throw ApiProblem.conflict("/port", "virtual server " + o.name() + " already serves " + s.address() + ":" + s.port() + "/" + s.protocol());
            }
            if (sameVip && (!o.device().equals(s.device()) || !samePrefix(o.netmask(), s.netmask(), vip.get()))) {
                throw ApiProblem.conflict("/device", "VIP " + s.address() + " is already on " + o.device() + " with netmask " + o.netmask()
                        + " for virtual server " + o.name() + "; one address lives on one device with one netmask");
            }
        }
        for (Router r : c.routers().values()) {
            if (addresses(r).stream().anyMatch(a -> sameAddress(a, s.address()))) {
                throw ApiProblem.conflict("/address", s.address() + " is an address of router " + r.name() + ", not a floating VIP");
            }
        }
        if (c.settings().natRouter() != null && sameAddress(c.settings().natRouter().address(), s.address())) {
            throw ApiProblem.conflict("/address", s.address() + " is the NAT router address of cluster " + c.name()
                    + ", the real servers' gateway, not a service address");
        }
    }

    private static void healthCheck(Violations v, HealthCheck h) {
        String k = "/healthCheck/";
        v.range(k + "intervalSeconds", h.intervalSeconds(), 1, 3600, true);
        v.range(k + "timeoutSeconds", h.timeoutSeconds(), 1, 3600, true);
        v.range(k + "reentrySeconds", h.reentrySeconds(), 0, 86400, true);
        v.range(k + "rise", h.rise(), 1, 100, true);
        v.range(k + "fall", h.fall(), 1, 100, true);
        boolean web = h.kind() == HealthCheckKind.http || h.kind() == HealthCheckKind.https;
        boolean expect = h.kind() == HealthCheckKind.expect;
        boolean program = h.kind() == HealthCheckKind.program;
        String of = " applies to health checks of kind ";
        if (web) {
            if (!Shapes.isHttpPath(h.path())) v.add(k + "path", Shapes.HTTP_PATH_RULE);
            v.range(k + "expectStatus", h.expectStatus(), 100, 599, true);
        } else {
            v.absent(k + "path", h.path(), "path" + of + "http or https only");
            v.absent(k + "expectStatus", h.expectStatus(), "expectStatus" + of + "http or https only");
        }
        if (expect || web) {
            v.text(k + "expect", h.expect(), Shapes.MAX_TEXT, true);
        } else {
            v.absent(k + "expect", h.expect(), "expect" + of + "expect, http or https only");
        }
        if (expect) {
            v.text(k + "send", h.send(), Shapes.MAX_TEXT, true);
            if (h.send() == null && h.expect() == null) v.add(k + "expect", "a check of kind expect needs send, expect or both");
        } else {
            v.absent(k + "send", h.send(), "send" + of + "expect only");
        }
        if (!expect && !web) v.absent(k + "useRegex", h.useRegex(), "useRegex" + of + "expect, http or https only");
        if (Boolean.TRUE.equals(h.useRegex()) && h.expect() != null) {
            try {
                Pattern.compile(h.expect());
            } catch (PatternSyntaxException e) {
                v.add(k + "expect", "is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
        if (program) {
            if (v.required(k + "program", h.program())) {
                v.text(k + "program", h.program(), Shapes.MAX_TEXT, false);
                if (!Shapes.isProgram(h.program())) v.add(k + "program", Shapes.PROGRAM_RULE);
            }
        } else {
            v.absent(k + "program", h.program(), "program" + of + "program only");
        }
        if (h.timeoutSeconds() != null && h.intervalSeconds() != null && h.timeoutSeconds() > h.intervalSeconds() * 10) {
            v.add(k + "timeoutSeconds", "a timeout of " + h.timeoutSeconds() + " s against an interval of " + h.intervalSeconds() + " s would pile up checks");
        }
    }

    /**
     * A real server's health-check override is checked as what it makes: the check that will run on that server,
     * its virtual server's with the override laid over it, under the same rules as a virtual server's check. A
     * problem with a value the override did not give says where that value comes from.
     */
    private static void healthCheckOverride(Violations v, VirtualServerSpec vs, HealthCheck override) {
        if (override == null) return;
        HealthCheck effective = HealthCheck.effective(vs.healthCheck(), override);
        Violations own = new Violations();
        healthCheck(own, effective);
        String k = "/healthCheck/";
        for (ApiProblem.FieldError e : own.errors()) {
            String field = e.pointer().startsWith(k) ? e.pointer().substring(k.length()) : "";
            String detail = e.detail();
            boolean inherited = field(override, field) == null && (!PROBE_FIELDS.contains(field) || override.kind() == null);
            if (inherited && !field.isEmpty()) {
                detail += " (the value of virtual server " + vs.name() + "'s check, which this override leaves as it is)";
            } else if (override.kind() == null && PROBE_FIELDS.contains(field)) {
                detail += " (the override names no kind, so it adjusts virtual server " + vs.name() + "'s " + effective.kind()
                        + " check; name a kind to give this server a probe of its own)";
            }
            v.add(e.pointer(), detail);
        }
    }

    private static final List<String> PROBE_FIELDS = List.of("path", "expectStatus", "send", "expect", "useRegex", "program");

    private static Object field(HealthCheck h, String name) {
        return switch (name) {
            case "kind" -> h.kind();
            case "path" -> h.path();
            case "expectStatus" -> h.expectStatus();
            case "send" -> h.send();
            case "expect" -> h.expect();
            case "useRegex" -> h.useRegex();
            case "program" -> h.program();
            case "intervalSeconds" -> h.intervalSeconds();
            case "timeoutSeconds" -> h.timeoutSeconds();
            case "reentrySeconds" -> h.reentrySeconds();
            case "rise" -> h.rise();
            case "fall" -> h.fall();
            default -> null;
        };
    }

    /**
     * A virtual server's new check must leave each of its real servers' overrides valid (an override without a
     * kind of its own adjusts whatever the virtual server's check is): 409, naming the real server, when one would not.
     */
    static void overridesStillHold(VirtualServerSpec vs, Iterable<RealServer> realServers) {
        for (RealServer rs : realServers) {
            if (rs.healthCheck() == null) continue;
            Violations v = new Violations();
            healthCheckOverride(v, vs, rs.healthCheck());
            if (!v.isEmpty()) {
                ApiProblem.FieldError e = v.errors().get(0);
                throw ApiProblem.conflict("/healthCheck", "real server " + rs.name() + " overrides this check, and with the new check its own"
                        + " would not be valid: " + e.pointer() + " " + e.detail() + "; change or remove that real server's healthCheck first");
            }
        }
    }

    static void realServer(ClusterState c, VirtualServerSpec vs, Map<String, RealServer> siblings, RealServer r) {
        Violations v = new Violations();
        v.name("/name", r.name());
        Optional<InetAddress> a = v.address("/address", r.address(), true);
        v.port("/port", r.port(), vs.firewallMark() == null);
        v.range("/weight", r.weight(), 0, RealServer.MAX_WEIGHT, true);
        thresholds(v, r.upperThreshold(), r.lowerThreshold());
        v.required("/forwarding", r.forwarding());
        v.required("/state", r.state());
        healthCheckOverride(v, vs, r.healthCheck());
        if (a.isPresent()) {
            Optional<InetAddress> vip = io.lvscp.api.model.IpAddresses.parse(vs.address());
            if (vip.isPresent() && vip.get().equals(a.get())) {
                v.add("/address", "is the VIP of virtual server " + vs.name() + "; a real server is a host behind it");
            } else if (vip.isPresent() && (vip.get() instanceof Inet6Address) != (a.get() instanceof Inet6Address)
                    && r.forwarding() != ForwardingMethod.ipip) {
                v.add("/address", "is of another address family than the VIP " + vs.address() + "; only ipip forwarding can cross families");
            }
        }
        if ((r.forwarding() == ForwardingMethod.gate || r.forwarding() == ForwardingMethod.ipip) && vs.firewallMark() == null
                && r.port() != null && !r.port().equals(vs.port())) {
            v.add("/port", "a real server reached by " + r.forwarding() + " receives packets unchanged, so it serves the virtual server's port "
                    + vs.port() + ", not " + r.port() + "; only masq can map ports");
        }
        v.throwIfAny();
        for (RealServer o : siblings.values()) {
            if (!o.name().equals(r.name()) && sameAddress(o.address(), r.address()) && Objects.equals(o.port(), r.port())) {
                throw ApiProblem.conflict("/address", "real server " + r.address() + (r.port() == null ? "" : ":" + r.port())
                        + " is already in virtual server " + vs.name() + " as " + o.name());
            }
        }
    }

    /** The kernel refuses both relations checked here (ERANGE); saying why here spares the operator a nack. */
    private static void thresholds(Violations v, Integer upper, Integer lower) {
        v.range("/upperThreshold", upper, 0, RealServer.MAX_THRESHOLD, true);
        v.range("/lowerThreshold", lower, 0, RealServer.MAX_THRESHOLD, true);
        if (!isThreshold(upper) || !isThreshold(lower) || lower == RealServer.NO_THRESHOLD) return;
        if (upper == RealServer.NO_THRESHOLD) {
            v.add("/lowerThreshold", "a lower threshold (" + lower + ") needs an upper threshold: the server stops taking new connections"
                    + " when it reaches upperThreshold and takes them again below lowerThreshold, and with upperThreshold 0 (none)"
                    + " it never stops; set upperThreshold too, or leave lowerThreshold out");
        } else if (lower > upper) {
            v.add("/lowerThreshold", "lower threshold " + lower + " is above the upper threshold " + upper + ": the server takes new"
                    + " connections again below lowerThreshold after stopping at upperThreshold, so it must be at most " + upper);
        }
    }

    private static boolean isThreshold(Integer value) {
        return value != null && value >= 0 && value <= RealServer.MAX_THRESHOLD;
    }

    /** Port ranges as [from, to] pairs; records problems for the ones it cannot read. */
    static List<int[]> portRanges(Violations v, List<String> ports) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            String p = ports.get(i);
            String ptr = "/ports/" + i;
            Optional<String> problem = Shapes.portsProblem(p);
            if (problem.isPresent()) v.add(ptr, problem.get());
            else out.add(Shapes.portRange(p).orElseThrow());
        }
        return out;
    }

    static void firewallMark(ClusterState c, FirewallMark m) {
        Violations v = new Violations();
        v.range("/mark", m.mark(), Shapes.MIN_MARK, Shapes.MAX_MARK, true);
        v.address("/address", m.address(), true);
        if (m.ports().isEmpty()) v.add("/ports", "a firewall mark gathers at least one port or port range");
        if (m.ports().size() > 1000) v.add("/ports", "at most 1000 port ranges");
        List<int[]> mine = v.isEmpty() ? portRanges(v, m.ports()) : List.of();
        for (int i = 0; i < mine.size(); i++) {
            for (int j = i + 1; j < mine.size(); j++) {
                if (overlap(mine.get(i), mine.get(j))) v.add("/ports/" + j, "overlaps " + m.ports().get(i) + " in the same mark");
            }
        }
        v.throwIfAny();
        for (FirewallMark o : c.firewallMarks().values()) {
            if (o.mark().equals(m.mark()) || !sameAddress(o.address(), m.address()) || o.protocol() != m.protocol()) continue;
            for (int[] theirs : portRanges(new Violations(), o.ports())) {
                for (int[] ours : mine) {
                    if (overlap(ours, theirs)) {
                        throw ApiProblem.conflict("/ports", "ports " + ours[0] + "-" + ours[1] + " of " + m.address() + "/" + m.protocol()
                                + " are already gathered by firewall mark " + o.mark());
                    }
                }
            }
        }
        for (VirtualServerState vs : c.virtualServers().values()) {
            VirtualServerSpec s = vs.spec();
            if (m.mark().equals(s.firewallMark()) && (!sameAddress(s.address(), m.address()) || s.protocol() != m.protocol())) {
                throw ApiProblem.conflict("/address", "virtual server " + s.name() + " serves mark " + m.mark() + " on "
                        + s.address() + "/" + s.protocol() + "; the mark must gather traffic to that VIP and protocol");
            }
        }
    }

    private static boolean overlap(int[] a, int[] b) {
        return a[0] <= b[1] && b[0] <= a[1];
    }

    static boolean sameAddress(String a, String b) {
        if (a == null || b == null) return false;
        Optional<InetAddress> x = io.lvscp.api.model.IpAddresses.parse(a);
        Optional<InetAddress> y = io.lvscp.api.model.IpAddresses.parse(b);
        return x.isPresent() && x.equals(y);
    }

    private static boolean samePrefix(String a, String b, InetAddress family) {
        boolean v6 = family instanceof Inet6Address;
        return io.lvscp.api.model.IpAddresses.prefixLength(a, v6).equals(io.lvscp.api.model.IpAddresses.prefixLength(b, v6));
    }
}
