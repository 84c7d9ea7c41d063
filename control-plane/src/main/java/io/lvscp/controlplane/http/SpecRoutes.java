package io.lvscp.controlplane.http;

import io.lvscp.api.model.ClusterState;
import io.lvscp.controlplane.auth.AccessControl;
import io.lvscp.controlplane.auth.Principal;
import io.lvscp.controlplane.auth.Unauthorized;
import io.lvscp.controlplane.command.ApiProblem;
import io.lvscp.api.model.ClusterSpec;
import io.lvscp.controlplane.command.Decisions;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** A cluster as one declarative document: read it whole, and make the cluster exactly a document. */
final class SpecRoutes {
    private static final String SPEC = "/v1/clusters/:cluster/spec";

    private final ClusterProjections projections;
    private final Handlers h;

    SpecRoutes(ClusterProjections projections, Handlers handlers) {
        this.projections = projections;
        this.h = handlers;
    }

    void mount(Router r) {
        r.get(SPEC).handler(ctx -> Handlers.run(ctx, () -> read(ctx)));
        r.put(SPEC).handler(ctx -> Handlers.run(ctx, () -> apply(ctx)));
    }

    private Future<?> read(RoutingContext ctx) {
        String name = Handlers.name(ctx, "cluster", "cluster");
        ClusterState c = projections.get(name);
        if (!c.exists()) throw ApiProblem.notFound("cluster " + name + " does not exist");
        return Handlers.json(ctx, 200, ClusterSpec.of(c), c.revision());
    }

    private Future<?> apply(RoutingContext ctx) {
        String name = Handlers.name(ctx, "cluster", "cluster");
        Principal who = AccessControl.principal(ctx);
        // Creating a cluster is not about a cluster a token is scoped to (POST /v1/clusters needs an unscoped token);
        // a PUT that would create one is held to that too.
        if (who != null && !who.unscoped() && !projections.get(name).exists()) {
            throw Unauthorized.forbidden("cluster " + name + " does not exist, and only a token not scoped to clusters may create one");
        }
        ClusterSpec doc = Bodies.read(ctx, ClusterSpec.class);
        return h.write(ctx, name, Decisions.applySpec(doc), 200, ClusterSpec::of)
                .recover(f -> Future.failedFuture(f instanceof ApiProblem p ? locate(p, name, doc) : f));
    }

    /**
     * What a router cannot program names the resource it is in by its API path; in a document, that resource is an
     * element of a list, so the error's pointer is made the pointer to the field in the document.
     */
    private static ApiProblem locate(ApiProblem p, String cluster, ClusterSpec doc) {
        if (!ApiProblem.UNPROGRAMMABLE.equals(p.type())) return p;
        List<ApiProblem.FieldError> located = p.errors().stream().map(e -> {
            String at = pointerOf(e.resource(), cluster, doc);
            return at == null || e.field() == null ? e
                    : new ApiProblem.FieldError(at + e.field(), e.detail(), e.router(), e.driver(), e.resource(), e.field());
        }).toList();
        return new ApiProblem(p.status(), p.type(), p.title(), p.getMessage(), located);
    }

    private static String pointerOf(String resource, String cluster, ClusterSpec doc) {
        if (resource == null) return null;
        String prefix = "/v1/clusters/" + cluster;
        if (resource.equals(prefix)) return "";
        String[] seg = resource.substring(prefix.length()).split("/"); // "", "virtual-servers", vs[, "real-servers", rs]
        if (seg.length < 3 || !seg[1].equals("virtual-servers") || doc.virtualServers() == null) return null;
        List<ClusterSpec.VirtualServer> vss = doc.virtualServers();
        for (int i = 0; i < vss.size(); i++) {
            ClusterSpec.VirtualServer vs = vss.get(i);
            if (vs == null || !seg[2].equals(vs.name())) continue;
            String at = "/virtualServers/" + i;
            if (seg.length == 3) return at;
            if (seg.length != 5 || vs.realServers() == null) return null;
            for (int j = 0; j < vs.realServers().size(); j++) {
                var rs = vs.realServers().get(j);
                if (rs != null && seg[4].equals(rs.name())) return at + "/realServers/" + j;
            }
        }
        return null;
    }
}
