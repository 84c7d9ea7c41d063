package io.lvscp.controlplane.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import io.lvscp.controlplane.command.ApiProblem;
import io.lvscp.controlplane.command.ClusterDiff;
import io.lvscp.controlplane.command.Decisions;
import io.lvscp.controlplane.eventstore.EventStore;
import io.lvscp.controlplane.eventstore.LogCursor;
import io.lvscp.controlplane.eventstore.LogQuery;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Who changed what and when; what a cluster looked like then; how two revisions differ; going back. */
final class AuditRoutes {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final EventStore store;
    private final ClusterProjections projections;
    private final Handlers h;
    private final io.lvscp.controlplane.feed.EventFeed feed;

    AuditRoutes(EventStore store, ClusterProjections projections, Handlers handlers, io.lvscp.controlplane.feed.EventFeed feed) {
        this.store = store;
        this.projections = projections;
        this.h = handlers;
        this.feed = feed;
    }

    void mount(Router r) {
        r.get("/v1/events").handler(ctx -> Handlers.run(ctx, () -> events(ctx)));
        r.get("/v1/clusters/:cluster/state").handler(ctx -> Handlers.run(ctx, () -> stateAt(ctx)));
        r.get("/v1/clusters/:cluster/diff").handler(ctx -> Handlers.run(ctx, () -> diff(ctx)));
        r.post("/v1/clusters/:cluster/rollback").handler(ctx -> Handlers.run(ctx, () -> rollback(ctx)));
    }

    record RollbackBody(Long revision) {}

    private Future<?> events(RoutingContext ctx) {
        String followParam = ctx.request().getParam("follow");
        if (followParam != null && !followParam.equals("true") && !followParam.equals("false")) {
            throw ApiProblem.badRequest(null, "follow must be true or false, not '" + followParam.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        boolean follow = "true".equals(followParam);
        LogCursor cursor = null;
        String c = ctx.request().getParam("cursor");
        if (c != null) {
            cursor = LogCursor.decode(c).orElseThrow(() -> ApiProblem.badRequest(null, "cursor is not one this API gave out"));
        }
        // A reconnecting EventSource sends the last id it received: that is where it resumes, whatever its URL says.
        String lastEventId = follow ? ctx.request().getHeader("Last-Event-ID") : null;
        if (lastEventId != null) {
            cursor = LogCursor.decode(lastEventId.trim())
                    .orElseThrow(() -> ApiProblem.badRequest(null, "Last-Event-ID is not an event id this API gave out"));
        }
        Long after = longParam(ctx, "after", 0, Long.MAX_VALUE);
        String cluster = ctx.request().getParam("cluster");
        if (cluster != null && !io.lvscp.api.model.Names.isValid(cluster)) {
            throw ApiProblem.badRequest(null, "cluster must be a cluster name");
        }
        var who = io.lvscp.controlplane.auth.AccessControl.principal(ctx);
        if (who != null && !who.unscoped() && (cluster == null || !who.mayAccess(cluster))) {
            throw io.lvscp.controlplane.auth.Unauthorized.forbidden("this token is scoped to clusters " + who.clusters()
                    + ": name one of them with ?cluster=");
        }
        // A cluster's log is its desired-state stream and the observations of its routers.
        List<String> stream = cluster == null ? null : List.of(ClusterProjections.streamId(cluster), observationStream(cluster));
        String type = ctx.request().getParam("type");
        if (type != null && !type.matches("[A-Za-z]{1,64}")) throw ApiProblem.badRequest(null, "type must be an event type name such as RealServerDrained");
        String actor = ctx.request().getParam("actor");
        if (actor != null && actor.length() > 128) throw ApiProblem.badRequest(null, "actor is longer than 128 characters");
        // PostgreSQL text cannot hold NUL, and no actor name holds a control character.
        if (actor != null && actor.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) throw ApiProblem.badRequest(null, "actor contains a control character");
        OffsetDateTime since = timeParam(ctx, "since");
        OffsetDateTime until = timeParam(ctx, "until");
        Long limit = longParam(ctx, "limit", 1, MAX_LIMIT);
        int n = limit == null ? DEFAULT_LIMIT : limit.intValue();
        if (follow) {
            if (limit != null) throw ApiProblem.badRequest(null, "limit does not apply to follow=true: the feed sends every event");
            LogQuery filter = new LogQuery(null, null, stream, type, actor, since, until, 1);
            // Without a place to start, the feed starts at the end of the log: only what is appended from now on.
            Future<LogCursor> from = cursor != null ? Future.succeededFuture(cursor) : after != null ? store.cursorOf(after) : store.headCursor();
            String follower = (who == null ? "anonymous" : who.name()) + " from " + ctx.request().remoteAddress()
                    + " (request id " + ctx.get(RequestMeta.REQUEST_ID_KEY) + ")";
            return from.onSuccess(at -> feed.follow(ctx.response(), ctx.request().connection(), at, filter, e -> Views.recorded(e).toString(), follower));
        }
        // "after" becomes a cursor first, so that even an empty page hands back a place to continue from.
        Future<LogCursor> start = cursor != null || after == null ? Future.succeededFuture(cursor) : store.cursorOf(after);
        return start.compose(from -> store.readLog(new LogQuery(from, null, stream, type, actor, since, until, n)).compose(events -> {
            ObjectNode o = Json.mapper().createObjectNode();
            ArrayNode items = o.putArray("items");
            events.forEach(e -> items.add(Views.recorded(e)));
            // The cursor to continue from: after the last event read, or where the reader already was.
            LogCursor next = events.isEmpty() ? from : events.get(events.size() - 1).cursor();
            if (next != null) o.put("nextCursor", next.encode());
            return Handlers.json(ctx, 200, o, null);
        }));
    }

    private Future<?> stateAt(RoutingContext ctx) {
        String cluster = Handlers.name(ctx, "cluster", "cluster");
        ClusterState head = known(cluster);
        Long revision = longParam(ctx, "revision", 1, Long.MAX_VALUE);
        OffsetDateTime at = timeParam(ctx, "at");
        if ((revision == null) == (at == null)) throw ApiProblem.badRequest(null, "give exactly one of revision and at");
        Future<Long> rev = revision != null ? Future.succeededFuture(revision) : store.versionAt(ClusterProjections.streamId(cluster), at);
        return rev.compose(n -> {
            if (n > head.revision()) throw ApiProblem.notFound("cluster " + cluster + " is at revision " + head.revision() + "; revision " + n + " does not exist yet");
            if (n == 0) throw ApiProblem.notFound("cluster " + cluster + " did not exist at " + at);
            return projections.stateAt(cluster, n);
        }).compose(s -> {
            if (!s.exists()) throw ApiProblem.notFound("cluster " + cluster + " did not exist at revision " + s.revision() + " (it was deleted)");
            return Handlers.json(ctx, 200, Views.cluster(s), s.revision());
        });
    }

    private Future<?> diff(RoutingContext ctx) {
        String cluster = Handlers.name(ctx, "cluster", "cluster");
        ClusterState head = known(cluster);
        Long from = longParam(ctx, "from", 0, Long.MAX_VALUE);
        Long to = longParam(ctx, "to", 0, Long.MAX_VALUE);
        if (from == null) throw ApiProblem.badRequest(null, "from is required: the revision to compare from");
        long toRevision = to == null ? head.revision() : to;
        for (long n : List.of(from, toRevision)) {
            if (n > head.revision()) throw ApiProblem.notFound("cluster " + cluster + " is at revision " + head.revision() + "; revision " + n + " does not exist yet");
        }
        return Future.all(projections.stateAt(cluster, from), projections.stateAt(cluster, toRevision)).compose(both -> {
            ClusterState a = both.resultAt(0);
            ClusterState b = both.resultAt(1);
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("cluster", cluster);
            o.put("from", from);
            o.put("to", toRevision);
            o.set("changes", Views.events(ClusterDiff.between(a, b)));
            return Handlers.json(ctx, 200, o, head.revision());
        });
    }

    private Future<?> rollback(RoutingContext ctx) {
        String cluster = Handlers.name(ctx, "cluster", "cluster");
        ClusterState head = known(cluster);
        RollbackBody body = Bodies.read(ctx, RollbackBody.class);
        if (body.revision() == null) throw ApiProblem.invalid("/revision", "is required");
        if (body.revision() < 1 || body.revision() > head.revision()) {
            throw ApiProblem.invalid("/revision", "revision " + body.revision() + " is not in this cluster's history (1-" + head.revision() + ")");
        }
        return projections.stateAt(cluster, body.revision())
                .compose(target -> h.write(ctx, cluster, Decisions.rollbackTo(target), 200, Views::cluster));
    }

    static String observationStream(String cluster) {
        return io.lvscp.controlplane.agents.AgentGateway.observationStream(cluster);
    }

    private ClusterState known(String cluster) {
        ClusterState head = projections.get(cluster);
        if (head.revision() == 0) throw ApiProblem.notFound("cluster " + cluster + " has no history");
        return head;
    }

    private static Long longParam(RoutingContext ctx, String name, long min, long max) {
        String v = ctx.request().getParam(name);
        if (v == null) return null;
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiProblem.badRequest(null, name + " must be an integer from " + min + " to " + max + ", not '" + v.replaceAll("\\p{Cntrl}", "?") + "'");
    }

    private static OffsetDateTime timeParam(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        if (v == null) return null;
        try {
            return OffsetDateTime.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiProblem.badRequest(null, name + " must be an RFC 3339 time such as 2026-11-27T10:15:00Z, not '" + v.replaceAll("\\p{Cntrl}", "?") + "'");
        }
    }
}
