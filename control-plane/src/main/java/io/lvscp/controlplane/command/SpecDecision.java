package io.lvscp.controlplane.command;

import io.lvscp.api.model.*;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * PUT /v1/clusters/{cluster}/spec: the cluster becomes the document. The document is built into the state it
 * describes with the same rules every single-resource write checks, each resource in the context of what the
 * document holds before it (marks before the virtual servers that use them, routers before the VIPs that must not be
 * theirs). Unlike a single write, which stops at its first clash, every problem is collected, each under its JSON
 * Pointer into the document, and the whole document is refused (422) if there is any: half a cluster is never
 * written. The events are then the diff from the current state, as for a rollback ({@link ClusterCommands}).
 */
final class SpecDecision implements Decision {
    private final ClusterSpec doc;
    private final List<ApiProblem.FieldError> errors = new ArrayList<>();

    private SpecDecision(ClusterSpec doc) {
        this.doc = doc;
    }

    static Decision of(ClusterSpec doc) {
        // A fresh collector per decision: a retry after a version conflict decides again from the start.
        return (current, drivers) -> new SpecDecision(doc).decide(current, drivers);
    }

    @Override
    public ClusterState decide(ClusterState current, RouterDrivers drivers) {
        String cluster = current.name();
        if (doc.name() != null && !doc.name().equals(cluster)) {
            errors.add(new ApiProblem.FieldError("/name", "the document names '" + Violations.printable(doc.name())
                    + "' but the path names '" + cluster + "'; clusters cannot be renamed"));
        }
        ClusterSettings settings = new ClusterSettings(cluster, doc.routingMethod(), doc.natRouter(), doc.heartbeat(),
                doc.connectionSync()).withDefaults(cluster);
        check("", () -> Rules.clusterSettings(settings));
        ClusterState target = ClusterState.absent(cluster).atRevision(current.revision()).withSettings(settings);
        target = firewallMarks(target);
        target = routers(target);
        target = virtualServers(target, drivers);
        if (!errors.isEmpty()) throw ApiProblem.invalid(errors);
        return target;
    }

    private ClusterState firewallMarks(ClusterState t) {
        List<FirewallMark> marks = ClusterSpec.orEmpty(doc.firewallMarks());
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < marks.size(); i++) {
            String at = "/firewallMarks/" + i;
            if (!present(at, marks.get(i))) continue;
            FirewallMark m = marks.get(i).withDefaults(null);
            if (m.mark() == null) {
                errors.add(new ApiProblem.FieldError(at + "/mark", "is required"));
                continue;
            }
            if (!seen.add(m.mark())) {
                errors.add(new ApiProblem.FieldError(at + "/mark", "firewall mark " + m.mark() + " is in the document twice"));
                continue;
            }
            ClusterState in = t;
            if (check(at, () -> Rules.firewallMark(in, m))) t = t.withFirewallMark(m);
        }
        return t;
    }

    private ClusterState routers(ClusterState t) {
        List<Router> routers = ClusterSpec.orEmpty(doc.routers());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < routers.size(); i++) {
            String at = "/routers/" + i;
            if (!present(at, routers.get(i))) continue;
            Router r = routers.get(i).withDefaults(routers.get(i).name());
            if (!uniqueName(at, r.name(), seen, "router")) continue;
            ClusterState in = t;
            if (check(at, () -> Rules.router(in, r))) t = t.withRouter(r);
        }
        return t;
    }

    private ClusterState virtualServers(ClusterState t, RouterDrivers drivers) {
        List<ClusterSpec.VirtualServer> vss = ClusterSpec.orEmpty(doc.virtualServers());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < vss.size(); i++) {
            String at = "/virtualServers/" + i;
            if (!present(at, vss.get(i))) continue;
            // Without a scheduler: decided by the drivers of the routers the document holds, as a single write decides it.
            VirtualServerSpec s = vss.get(i).spec().withDefaults(vss.get(i).name(), drivers.defaultScheduler(t));
            if (!uniqueName(at, s.name(), seen, "virtual server")) continue;
            ClusterState in = t;
            // The real servers are checked against their virtual server; one that is itself wrong gives them nothing to be checked against.
            if (!check(at, () -> Rules.virtualServer(in, s))) continue;
            VirtualServerState vs = VirtualServerState.of(s);
            List<RealServer> rss = ClusterSpec.orEmpty(vss.get(i).realServers());
            Set<String> seenHere = new HashSet<>();
            for (int j = 0; j < rss.size(); j++) {
                String rsAt = at + "/realServers/" + j;
                if (!present(rsAt, rss.get(j))) continue;
                RealServer r = rss.get(j).withDefaults(rss.get(j).name(), s.port(), t.settings().routingMethod());
                if (!uniqueName(rsAt, r.name(), seenHere, "real server")) continue;
                if (r.forwarding() == ForwardingMethod.masq && t.settings().routingMethod() != RoutingMethod.nat) {
                    // As PUT /v1/clusters/{cluster} refuses to leave nat under a masq server, a document cannot hold both.
                    errors.add(new ApiProblem.FieldError(rsAt + "/forwarding", "masq needs the NAT router, and this cluster routes by "
                            + t.settings().routingMethod()));
                    continue;
                }
                VirtualServerState siblings = vs;
                if (check(rsAt, () -> Rules.realServer(in, s, siblings.realServers(), r))) vs = vs.withRealServer(r);
            }
            t = t.withVirtualServer(vs);
        }
        return t;
    }

    private boolean present(String at, Object element) {
        if (element != null) return true;
        errors.add(new ApiProblem.FieldError(at, "must be an object, not null"));
        return false;
    }

    /**
     * Names key the resources, so one that is missing, invalid or already in the list is reported here and the resource
     * skipped. {@code seen} holds every name of the list so far, including those of resources that were refused.
     */
    private boolean uniqueName(String at, String name, Set<String> seen, String what) {
        Violations v = new Violations();
        v.name(at + "/name", name);
        if (!v.isEmpty()) {
            errors.addAll(v.errors());
            return false;
        }
        if (!seen.add(name)) {
            errors.add(new ApiProblem.FieldError(at + "/name", what + " " + name + " is in the document twice"));
            return false;
        }
        return true;
    }

    /**
     * Runs one resource's rules, keeping what they refuse under {@code at}: field errors with their pointers made
     * document pointers, and a clash (which points at nothing, or at a field) as an error of the document too.
     */
    private boolean check(String at, Runnable rules) {
        try {
            rules.run();
            return true;
        } catch (ApiProblem p) {
            if (p.errors().isEmpty()) errors.add(new ApiProblem.FieldError(at, p.getMessage()));
            for (ApiProblem.FieldError e : p.errors()) errors.add(new ApiProblem.FieldError(at + e.pointer(), e.detail()));
            return false;
        }
    }
}
