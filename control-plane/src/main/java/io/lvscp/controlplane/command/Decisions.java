package io.lvscp.controlplane.command;

import io.lvscp.api.model.*;

/** One {@link Decision} per write the API offers. Each applies defaults, checks the rules, and says what it wants. */
public final class Decisions {
    private Decisions() {}

    static ClusterState existing(ClusterState c) {
        if (!c.exists()) throw ApiProblem.notFound("cluster " + c.name() + " does not exist");
        return c;
    }

    static VirtualServerState virtualServerOf(ClusterState c, String vs) {
        VirtualServerState s = existing(c).virtualServers().get(vs);
        if (s == null) throw ApiProblem.notFound("virtual server " + vs + " does not exist in cluster " + c.name());
        return s;
    }

    static RealServer realServerOf(ClusterState c, String vs, String rs) {
        RealServer r = virtualServerOf(c, vs).realServers().get(rs);
        if (r == null) throw ApiProblem.notFound("real server " + rs + " does not exist in virtual server " + vs + " of cluster " + c.name());
        return r;
    }

    private static void nameMatches(String bodyName, String pathName) {
        if (bodyName != null && !bodyName.equals(pathName)) {
            throw ApiProblem.invalid("/name", "the body names '" + Violations.printable(bodyName) + "' but the path names '" + pathName
                    + "'; resources cannot be renamed, create the new one and delete the old");
        }
    }

    // --- clusters ---

    public static Decision createCluster(ClusterSettings body) {
        return (c, drivers) -> {
            ClusterSettings s = body.withDefaults(c.name());
            Rules.clusterSettings(s);
            if (c.exists()) throw ApiProblem.conflict("/name", "cluster " + c.name() + " already exists");
            return c.withSettings(s);
        };
    }

    public static Decision replaceCluster(ClusterSettings body) {
        return (c, drivers) -> {
            existing(c);
            nameMatches(body.name(), c.name());
            ClusterSettings s = body.withDefaults(c.name());
            Rules.clusterSettings(s);
            if (s.routingMethod() != RoutingMethod.nat) {
                for (VirtualServerState vs : c.virtualServers().values()) {
                    for (RealServer rs : vs.realServers().values()) {
                        if (rs.forwarding() == ForwardingMethod.masq) {
                            throw ApiProblem.conflict("/routingMethod", "real server " + rs.name() + " of virtual server " + vs.spec().name()
                                    + " forwards by masq, which needs the NAT router; change its forwarding first");
                        }
                    }
                }
            }
            return c.withSettings(s);
        };
    }

    public static Decision deleteCluster() {
        return (c, drivers) -> {
            existing(c);
            if (!c.virtualServers().isEmpty() || !c.routers().isEmpty() || !c.firewallMarks().isEmpty()) {
                throw ApiProblem.conflict("cluster " + c.name() + " still has " + c.virtualServers().size() + " virtual servers, "
                        + c.routers().size() + " routers and " + c.firewallMarks().size() + " firewall marks; delete them first");
            }
            return ClusterState.absent(c.name()).atRevision(c.revision());
        };
    }

    // --- routers ---

    public static Decision putRouter(String name, Router body, boolean create) {
        return (c, drivers) -> {
            existing(c);
            if (!create) nameMatches(body.name(), name);
            Router r = body.withDefaults(name);
            boolean exists = c.routers().containsKey(r.name());
            if (create && exists) {
                Rules.router(c, r);
                throw ApiProblem.conflict("/name", "router " + r.name() + " already exists in cluster " + c.name());
            }
            if (!create && !exists) throw ApiProblem.notFound("router " + name + " does not exist in cluster " + c.name());
            Rules.router(c, r);
            return c.withRouter(r);
        };
    }

    public static Decision deleteRouter(String name) {
        return (c, drivers) -> {
            if (!existing(c).routers().containsKey(name)) throw ApiProblem.notFound("router " + name + " does not exist in cluster " + c.name());
            return c.withoutRouter(name);
        };
    }

    // --- virtual servers ---

    public static Decision putVirtualServer(String name, VirtualServerSpec body, boolean create) {
        return (c, drivers) -> {
            existing(c);
            if (!create) nameMatches(body.name(), name);
            // Without a scheduler: wlc if every router whose driver is known runs it, else wrr, which all do.
            VirtualServerSpec s = body.withDefaults(name, drivers.defaultScheduler(c));
            VirtualServerState current = c.virtualServers().get(s.name());
            Rules.virtualServer(c, s);
            if (create && current != null) throw ApiProblem.conflict("/name", "virtual server " + s.name() + " already exists in cluster " + c.name());
            if (!create && current == null) throw ApiProblem.notFound("virtual server " + name + " does not exist in cluster " + c.name());
            if (current != null) Rules.overridesStillHold(s, current.realServers().values());
            if (current != null && s.firewallMark() == null) {
                for (RealServer rs : current.realServers().values()) {
                    if (rs.port() == null) {
                        throw ApiProblem.conflict("/port", "real server " + rs.name() + " has no port of its own (it served a firewall mark);"
                                + " give it one before this virtual server serves a single port");
                    }
                }
            }
            return c.withVirtualServer(current == null ? VirtualServerState.of(s) : current.withSpec(s));
        };
    }

    public static Decision setVirtualServerActive(String name, boolean active) {
        return (c, drivers) -> {
            VirtualServerState vs = virtualServerOf(c, name);
            return c.withVirtualServer(vs.withSpec(vs.spec().withActive(active)));
        };
    }

    public static Decision deleteVirtualServer(String name) {
        return (c, drivers) -> {
            virtualServerOf(c, name);
            return c.withoutVirtualServer(name);
        };
    }

    // --- real servers ---

    public static Decision putRealServer(String vsName, String name, RealServer body, boolean create) {
        return (c, drivers) -> {
            VirtualServerState vs = virtualServerOf(c, vsName);
            if (!create) nameMatches(body.name(), name);
            RealServer r = body.withDefaults(name, vs.spec().port(), c.settings().routingMethod());
            RealServer current = vs.realServers().get(r.name());
            Rules.realServer(c, vs.spec(), vs.realServers(), r);
            if (create && current != null) throw ApiProblem.conflict("/name", "real server " + r.name() + " already exists in virtual server " + vsName);
            if (!create && current == null) throw ApiProblem.notFound("real server " + name + " does not exist in virtual server " + vsName + " of cluster " + c.name());
            return c.withVirtualServer(vs.withRealServer(r));
        };
    }

    public static Decision setWeight(String vsName, String name, Integer weight) {
        return (c, drivers) -> {
            RealServer r = realServerOf(c, vsName, name);
            Violations v = new Violations();
            v.range("/weight", weight, 0, RealServer.MAX_WEIGHT, true);
            v.throwIfAny();
            return c.withVirtualServer(c.virtualServers().get(vsName).withRealServer(r.withWeight(weight)));
        };
    }

    public static Decision setRealServerState(String vsName, String name, RealServerState state) {
        return (c, drivers) -> {
            RealServer r = realServerOf(c, vsName, name);
            return c.withVirtualServer(c.virtualServers().get(vsName).withRealServer(r.withState(state)));
        };
    }

    public static Decision deleteRealServer(String vsName, String name) {
        return (c, drivers) -> {
            realServerOf(c, vsName, name);
            return c.withVirtualServer(c.virtualServers().get(vsName).withoutRealServer(name));
        };
    }

    // --- firewall marks ---

    public static Decision putFirewallMark(Long mark, FirewallMark body, boolean create) {
        return (c, drivers) -> {
            existing(c);
            if (!create && body.mark() != null && !body.mark().equals(mark)) {
                throw ApiProblem.invalid("/mark", "the body names mark " + body.mark() + " but the path names " + mark);
            }
            FirewallMark m = body.withDefaults(mark);
            boolean exists = m.mark() != null && c.firewallMarks().containsKey(m.mark());
            Rules.firewallMark(c, m);
            if (create && exists) throw ApiProblem.conflict("/mark", "firewall mark " + m.mark() + " already exists in cluster " + c.name());
            if (!create && !exists) throw ApiProblem.notFound("firewall mark " + mark + " does not exist in cluster " + c.name());
            return c.withFirewallMark(m);
        };
    }

    public static Decision deleteFirewallMark(long mark) {
        return (c, drivers) -> {
            if (!existing(c).firewallMarks().containsKey(mark)) throw ApiProblem.notFound("firewall mark " + mark + " does not exist in cluster " + c.name());
            for (VirtualServerState vs : c.virtualServers().values()) {
                if (Long.valueOf(mark).equals(vs.spec().firewallMark())) {
                    throw ApiProblem.conflict("firewall mark " + mark + " is the service of virtual server " + vs.spec().name() + "; delete or change that first");
                }
            }
            return c.withoutFirewallMark(mark);
        };
    }

    // --- the whole cluster ---

    /** The cluster becomes {@code document}, created if it does not exist; see {@link SpecDecision}. */
    public static Decision applySpec(ClusterSpec document) {
        return SpecDecision.of(document);
    }

    // --- history ---

    /** Back to the desired state of an earlier revision, as new events: history is never rewritten. */
    public static Decision rollbackTo(ClusterState target) {
        return (c, drivers) -> {
            existing(c);
            if (!target.exists()) {
                throw ApiProblem.invalid("/revision", "cluster " + c.name() + " did not exist at revision " + target.revision()
                        + "; delete it instead of rolling back");
            }
            return target.atRevision(c.revision());
        };
    }
}
