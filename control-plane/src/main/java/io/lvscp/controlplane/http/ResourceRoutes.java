package io.lvscp.controlplane.http;

import io.lvscp.api.model.*;
import io.lvscp.api.model.Router;
import io.lvscp.controlplane.agents.RouterStatusStore;
import io.lvscp.controlplane.command.ApiProblem;
import io.lvscp.controlplane.command.Decisions;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Clusters and what they hold: routers, virtual servers, real servers, firewall marks. */
final class ResourceRoutes {
    private static final String C = "/v1/clusters/:cluster";
    private static final String VS = C + "/virtual-servers/:vs";
    private static final String RS = VS + "/real-servers/:rs";
    private static final long MAX_MARK = io.lvscp.api.model.Shapes.MAX_MARK;

    private final ClusterProjections projections;
    private final RouterStatusStore status;
    private final Handlers h;

    ResourceRoutes(ClusterProjections projections, RouterStatusStore status, Handlers handlers) {
        this.projections = projections;
        this.status = status;
        this.h = handlers;
    }

    void mount(io.vertx.ext.web.Router r) {
        r.get("/v1/clusters").handler(ctx -> Handlers.run(ctx, () -> listClusters(ctx)));
        r.post("/v1/clusters").handler(ctx -> Handlers.run(ctx, () -> {
            ClusterSettings body = Bodies.read(ctx, ClusterSettings.class);
            String name = requiredName(body.name());
            return h.write(ctx, name, Decisions.createCluster(body), 201, Views::cluster, "/v1/clusters/" + name);
        }));
        r.get(C).handler(ctx -> Handlers.run(ctx, () -> {
            ClusterState c = cluster(ctx);
            return Future.all(status.forCluster(c.name()), status.healthFor(c.name()))
                    .compose(both -> Handlers.json(ctx, 200, Views.cluster(c, both.resultAt(0), both.resultAt(1)), c.revision()));
        }));
        r.put(C).handler(ctx -> Handlers.run(ctx, () ->
                h.write(ctx, clusterName(ctx), Decisions.replaceCluster(Bodies.read(ctx, ClusterSettings.class)), 200, Views::cluster)));
        r.delete(C).handler(ctx -> Handlers.run(ctx, () -> h.write(ctx, clusterName(ctx), Decisions.deleteCluster(), 204, c -> null)));

        // Routers
        r.get(C + "/routers").handler(ctx -> Handlers.run(ctx, () -> {
            ClusterState c = cluster(ctx);
            return status.forCluster(c.name()).compose(s -> {
                List<Object> items = new ArrayList<>();
                c.routers().values().forEach(router -> items.add(Views.router(router, s)));
                return Handlers.json(ctx, 200, Views.items(items), c.revision());
            });
        }));
        r.post(C + "/routers").handler(ctx -> Handlers.run(ctx, () -> {
            String cluster = clusterName(ctx);
            Router body = Bodies.read(ctx, Router.class);
            String name = requiredName(body.name());
            return h.write(ctx, cluster, Decisions.putRouter(name, body, true), 201, c -> c.routers().get(name),
                    "/v1/clusters/" + cluster + "/routers/" + name);
        }));
        r.get(C + "/routers/:router").handler(ctx -> Handlers.run(ctx, () -> {
            ClusterState c = cluster(ctx);
            String name = Handlers.name(ctx, "router", "router");
            Router router = c.routers().get(name);
            if (router == null) throw ApiProblem.notFound("router " + name + " does not exist in cluster " + c.name());
            return status.forCluster(c.name()).compose(s -> Handlers.json(ctx, 200, Views.router(router, s), c.revision()));
        }));
        r.put(C + "/routers/:router").handler(ctx -> Handlers.run(ctx, () -> {
            String name = Handlers.name(ctx, "router", "router");
            return h.write(ctx, clusterName(ctx), Decisions.putRouter(name, Bodies.read(ctx, Router.class), false), 200,
                    c -> c.routers().get(name));
        }));
        r.delete(C + "/routers/:router").handler(ctx -> Handlers.run(ctx, () ->
                h.write(ctx, clusterName(ctx), Decisions.deleteRouter(Handlers.name(ctx, "router", "router")), 204, c -> null)));

        // Virtual servers
        r.get(C + "/virtual-servers").handler(ctx -> Handlers.run(ctx, () -> {
            ClusterState c = cluster(ctx);
            return status.healthFor(c.name()).compose(health -> {
                List<Object> items = new ArrayList<>();
                c.virtualServers().values().forEach(vs -> items.add(Views.virtualServer(vs, health)));
                return Handlers.json(ctx, 200, Views.items(items), c.revision());
            });
        }));
        r.post(C + "/virtual-servers").handler(ctx -> Handlers.run(ctx, () -> {
            String cluster = clusterName(ctx);
            VirtualServerSpec body = Bodies.read(ctx, VirtualServerSpec.class);
            String name = requiredName(body.name());
            return h.write(ctx, cluster, Decisions.putVirtualServer(name, body, true), 201,
                    c -> Views.virtualServer(c.virtualServers().get(name)), "/v1/clusters/" + cluster + "/virtual-servers/" + name);
        }));
        r.get(VS).handler(ctx -> Handlers.run(ctx, () -> {
            ClusterState c = cluster(ctx);
            VirtualServerState vs = virtualServer(ctx, c);
            return status.healthFor(c.name()).compose(health -> Handlers.json(ctx, 200, Views.virtualServer(vs, health), c.revision()));
        }));
        r.put(VS).handler(ctx -> Handlers.run(ctx, () -> {
            String name = Handlers.name(ctx, "vs", "virtual server");
            return h.write(ctx, clusterName(ctx), Decisions.putVirtualServer(name, Bodies.read(ctx, VirtualServerSpec.class), false), 200,
                    c -> Views.virtualServer(c.virtualServers().get(name)));
        }));
        r.delete(VS).handler(ctx -> Handlers.run(ctx, () ->
                h.write(ctx, clusterName(ctx), Decisions.deleteVirtualServer(Handlers.name(ctx, "vs", "virtual server")), 204, c -> null)));
        r.post(VS + "/activate").handler(ctx -> Handlers.run(ctx, () -> setActive(ctx, true)));
        r.post(VS + "/deactivate").handler(ctx -> Handlers.run(ctx, () -> setActive(ctx, false)));

        // Real servers
        r.get(VS + "/real-servers").handler(ctx -> Handlers.run(ctx, () -> {
            ClusterState c = cluster(ctx);
            VirtualServerState vs = virtualServer(ctx, c);
            return status.healthFor(c.name()).compose(health -> {
                List<Object> items = new ArrayList<>();
                vs.realServers().values().forEach(rs -> items.add(Views.realServer(vs.spec(), rs, health)));
                return Handlers.json(ctx, 200, Views.items(items), c.revision());
            });
        }));
        r.post(VS + "/real-servers").handler(ctx -> Handlers.run(ctx, () -> {
            String cluster = clusterName(ctx);
            String vs = Handlers.name(ctx, "vs", "virtual server");
            RealServer body = Bodies.read(ctx, RealServer.class);
            String name = requiredName(body.name());
            return h.write(ctx, cluster, Decisions.putRealServer(vs, name, body, true), 201,
                    c -> Views.realServer(c.virtualServers().get(vs), name),
                    "/v1/clusters/" + cluster + "/virtual-servers/" + vs + "/real-servers/" + name);
        }));
        r.get(RS).handler(ctx -> Handlers.run(ctx, () -> {
            ClusterState c = cluster(ctx);
            VirtualServerState vs = virtualServer(ctx, c);
            String name = Handlers.name(ctx, "rs", "real server");
            RealServer rs = vs.realServers().get(name);
            if (rs == null) throw ApiProblem.notFound("real server " + name + " does not exist in virtual server " + vs.spec().name());
            return status.healthFor(c.name()).compose(health -> Handlers.json(ctx, 200, Views.realServer(vs.spec(), rs, health), c.revision()));
        }));
        r.put(RS).handler(ctx -> Handlers.run(ctx, () -> {
            String vs = Handlers.name(ctx, "vs", "virtual server");
            String name = Handlers.name(ctx, "rs", "real server");
            return h.write(ctx, clusterName(ctx), Decisions.putRealServer(vs, name, Bodies.read(ctx, RealServer.class), false), 200,
                    c -> Views.realServer(c.virtualServers().get(vs), name));
        }));
        r.delete(RS).handler(ctx -> Handlers.run(ctx, () -> h.write(ctx, clusterName(ctx),
                Decisions.deleteRealServer(Handlers.name(ctx, "vs", "virtual server"), Handlers.name(ctx, "rs", "real server")), 204, c -> null)));
        r.post(RS + "/drain").handler(ctx -> Handlers.run(ctx, () -> setState(ctx, RealServerState.drained)));
        r.post(RS + "/enable").handler(ctx -> Handlers.run(ctx, () -> setState(ctx, RealServerState.active)));
        r.put(RS + "/weight").handler(ctx -> Handlers.run(ctx, () -> {
            String vs = Handlers.name(ctx, "vs", "virtual server");
            String name = Handlers.name(ctx, "rs", "real server");
            WeightBody body = Bodies.read(ctx, WeightBody.class);
            return h.write(ctx, clusterName(ctx), Decisions.setWeight(vs, name, body.weight()), 200,
                    c -> Views.realServer(c.virtualServers().get(vs), name));
        }));

        // Firewall marks
        r.get(C + "/firewall-marks").handler(ctx -> Handlers.run(ctx, () -> {
            ClusterState c = cluster(ctx);
            return Handlers.json(ctx, 200, Views.items(new ArrayList<>(c.firewallMarks().values())), c.revision());
        }));
        r.post(C + "/firewall-marks").handler(ctx -> Handlers.run(ctx, () -> {
            String cluster = clusterName(ctx);
            FirewallMark body = Bodies.read(ctx, FirewallMark.class);
            if (body.mark() == null) throw ApiProblem.invalid("/mark", "is required");
            long mark = body.mark();
            return h.write(ctx, cluster, Decisions.putFirewallMark(mark, body, true), 201, c -> c.firewallMarks().get(mark),
                    "/v1/clusters/" + cluster + "/firewall-marks/" + mark);
        }));
        r.get(C + "/firewall-marks/:mark").handler(ctx -> Handlers.run(ctx, () -> {
            ClusterState c = cluster(ctx);
            long mark = Handlers.number(ctx, "mark", 1, MAX_MARK);
            FirewallMark m = c.firewallMarks().get(mark);
            if (m == null) throw ApiProblem.notFound("firewall mark " + mark + " does not exist in cluster " + c.name());
            return Handlers.json(ctx, 200, m, c.revision());
        }));
        r.put(C + "/firewall-marks/:mark").handler(ctx -> Handlers.run(ctx, () -> {
            long mark = Handlers.number(ctx, "mark", 1, MAX_MARK);
            return h.write(ctx, clusterName(ctx), Decisions.putFirewallMark(mark, Bodies.read(ctx, FirewallMark.class), false), 200,
                    c -> c.firewallMarks().get(mark));
        }));
        r.delete(C + "/firewall-marks/:mark").handler(ctx -> Handlers.run(ctx, () -> h.write(ctx, clusterName(ctx),
                Decisions.deleteFirewallMark(Handlers.number(ctx, "mark", 1, MAX_MARK)), 204, c -> null)));
    }

    /** The body of PUT .../weight. */
    record WeightBody(Integer weight) {}

    private Future<?> listClusters(RoutingContext ctx) {
        List<Object> items = new ArrayList<>();
        var who = io.lvscp.controlplane.auth.AccessControl.principal(ctx);
        projections.all().stream().filter(ClusterState::exists).filter(c -> who == null || who.mayAccess(c.name()))
                .sorted(Comparator.comparing(ClusterState::name))
                .forEach(c -> items.add(Views.clusterSummary(c)));
        return Handlers.json(ctx, 200, Views.items(items), null);
    }

    private Future<?> setActive(RoutingContext ctx, boolean active) {
        String vs = Handlers.name(ctx, "vs", "virtual server");
        return h.write(ctx, clusterName(ctx), Decisions.setVirtualServerActive(vs, active), 200,
                c -> Views.virtualServer(c.virtualServers().get(vs)));
    }

    private Future<?> setState(RoutingContext ctx, RealServerState state) {
        String vs = Handlers.name(ctx, "vs", "virtual server");
        String rs = Handlers.name(ctx, "rs", "real server");
        return h.write(ctx, clusterName(ctx), Decisions.setRealServerState(vs, rs, state), 200,
                c -> Views.realServer(c.virtualServers().get(vs), rs));
    }

    private static String clusterName(RoutingContext ctx) {
        return Handlers.name(ctx, "cluster", "cluster");
    }

    private ClusterState cluster(RoutingContext ctx) {
        String name = clusterName(ctx);
        ClusterState c = projections.get(name);
        if (!c.exists()) throw ApiProblem.notFound("cluster " + name + " does not exist");
        return c;
    }

    private static VirtualServerState virtualServer(RoutingContext ctx, ClusterState c) {
        String name = Handlers.name(ctx, "vs", "virtual server");
        VirtualServerState vs = c.virtualServers().get(name);
        if (vs == null) throw ApiProblem.notFound("virtual server " + name + " does not exist in cluster " + c.name());
        return vs;
    }

    /** A name from a POST body must be valid before it can name the stream or resource it creates. */
    private static String requiredName(String name) {
        if (name == null) throw ApiProblem.invalid("/name", "is required");
        if (!Names.isValid(name)) {
            throw ApiProblem.invalid("/name", "'" + name.replaceAll("\\p{Cntrl}", "?") + "' is not a valid name: " + Names.RULE);
        }
        return name;
    }
}
