package io.lvscp.controlplane.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import io.lvscp.controlplane.command.ApiProblem;
import io.lvscp.controlplane.command.ClusterCommands;
import io.lvscp.controlplane.command.CommandResult;
import io.lvscp.controlplane.command.Decision;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import java.util.function.Supplier;

/** The plumbing every route shares: running a handler, answering JSON, and turning a decision into a response. */
final class Handlers {
    private final ClusterCommands commands;

    Handlers(ClusterCommands commands) {
        this.commands = commands;
    }

    /** Runs an asynchronous handler; anything it throws or fails with becomes a problem document. */
    static void run(RoutingContext ctx, Supplier<Future<?>> handler) {
        try {
            handler.get().onFailure(f -> Problems.fail(ctx, f));
        } catch (RuntimeException e) {
            Problems.fail(ctx, e);
        }
    }

    static Future<Void> json(RoutingContext ctx, int status, Object body, Long revision) {
        try {
            byte[] bytes = Json.mapper().writeValueAsBytes(body);
            var res = ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json");
            if (revision != null) res.putHeader("ETag", RequestMeta.etag(revision));
            return res.end(io.vertx.core.buffer.Buffer.buffer(bytes));
        } catch (JsonProcessingException e) {
            return Future.failedFuture(e);
        }
    }

    /** A name from the path; one that breaks the naming rule cannot exist, so it is a 404 like any unknown one. */
    static String name(RoutingContext ctx, String param, String what) {
        String v = ctx.pathParam(param);
        if (!io.lvscp.api.model.Names.isValid(v)) {
            throw ApiProblem.notFound("no " + what + " can be named '" + (v == null ? "" : v.replaceAll("\\p{Cntrl}", "?")) + "'");
        }
        return v;
    }

    static long number(RoutingContext ctx, String param, long min, long max) {
        String v = ctx.pathParam(param);
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // fall through to the same answer as out of range
        }
        throw ApiProblem.notFound(param + " must be an integer from " + min + " to " + max + ", not '" + v.replaceAll("\\p{Cntrl}", "?") + "'");
    }

    /**
     * Runs a write. Created resources answer 201, deletions 204, everything else 200 with the resource as it
     * now is. A dry run answers the same (status, body, Location) as the write would, so that a client generated from
     * the contract reads it with the same types; its headers say it was one and which events it would append.
     */
    Future<?> write(RoutingContext ctx, String cluster, Decision decision, int status, Function<ClusterState, Object> view) {
        return write(ctx, cluster, decision, status, view, null);
    }

    Future<?> write(RoutingContext ctx, String cluster, Decision decision, int status, Function<ClusterState, Object> view,
                    String location) {
        boolean dryRun = RequestMeta.dryRun(ctx);
        Long ifMatch = RequestMeta.ifMatch(ctx);
        var metadata = RequestMeta.metadata(ctx);
        // The resource the request body describes: what a router cannot program is pointed at in the body when it is there.
        String bodyResource = location != null ? location : ctx.request().path();
        return commands.execute(cluster, ifMatch, decision, metadata, dryRun)
                .recover(f -> Future.failedFuture(f instanceof ApiProblem p ? p.locatedIn(bodyResource) : f))
                .compose(r -> respond(ctx, r, dryRun, status, view, location));
    }

    private static Future<Void> respond(RoutingContext ctx, CommandResult r, boolean dryRun, int status,
                                        Function<ClusterState, Object> view, String location) {
        int appended = dryRun || r.appended() ? r.events().size() : 0;
        if (dryRun) {
            ctx.response().putHeader("Lvscp-Dry-Run", "true");
            ctx.response().putHeader("Lvscp-Dry-Run-Events", String.join(", ", r.events().stream().map(ClusterEvent::type).toList()));
        }
        // A dry run's ETag is the revision the cluster is still at.
        long etag = dryRun ? r.before().revision() : r.after().revision();
        ctx.response().putHeader("Lvscp-Events-Appended", String.valueOf(appended));
        if (status == 204) {
            return ctx.response().setStatusCode(204).putHeader("ETag", RequestMeta.etag(etag)).end();
        }
        int code = status == 201 && appended == 0 ? 200 : status;
        if (code == 201 && location != null) ctx.response().putHeader("Location", location);
        return json(ctx, code, view.apply(r.after()), etag);
    }
}
