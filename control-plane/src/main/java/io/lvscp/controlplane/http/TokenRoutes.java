package io.lvscp.controlplane.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.Names;
import io.lvscp.controlplane.auth.AccessControl;
import io.lvscp.controlplane.auth.Role;
import io.lvscp.controlplane.auth.TokenStore;
import io.lvscp.controlplane.command.ApiProblem;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** API tokens and agent credentials: made (the secret shown once), listed without secrets, revoked. */
final class TokenRoutes {
    private static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Pattern TOKEN_ID = Pattern.compile("[a-z0-9]{16}");
    static final int MAX_SCOPE = 100;

    private final TokenStore tokens;
    private final ClusterProjections projections;

    TokenRoutes(TokenStore tokens, ClusterProjections projections) {
        this.tokens = tokens;
        this.projections = projections;
    }

    record TokenRequest(String name, Role role, List<String> clusters, String router, OffsetDateTime expiresAt) {}

    void mount(Router r) {
        // Any person's token may ask who it is: a client (the web console) offers only the actions its role and scope allow.
        r.get("/v1/whoami").handler(ctx -> Handlers.run(ctx, () -> {
            var who = AccessControl.principal(ctx);
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("name", who.name()).put("role", who.role().name());
            if (who.tokenId() != null) o.put("tokenId", who.tokenId());
            if (who.clusters() != null) o.set("clusters", Json.mapper().valueToTree(who.clusters()));
            ctx.response().putHeader("Cache-Control", "no-store");
            return Handlers.json(ctx, 200, o, null);
        }));
        r.get("/v1/tokens").handler(ctx -> Handlers.run(ctx, () -> tokens.list().compose(list -> {
            OffsetDateTime now = OffsetDateTime.now();
            List<Object> items = new ArrayList<>();
            list.forEach(t -> items.add(view(t, now)));
            return Handlers.json(ctx, 200, Views.items(items), null);
        })));
        r.post("/v1/tokens").handler(ctx -> Handlers.run(ctx, () -> create(noDryRun(ctx))));
        r.get("/v1/tokens/:id").handler(ctx -> Handlers.run(ctx, () -> tokens.get(id(ctx)).compose(t -> Handlers.json(ctx, 200,
                view(t.orElseThrow(() -> ApiProblem.notFound("no token has the id " + ctx.pathParam("id"))), OffsetDateTime.now()), null))));
        r.delete("/v1/tokens/:id").handler(ctx -> Handlers.run(ctx, () -> tokens.revoke(id(noDryRun(ctx)), AccessControl.principal(ctx).name())
                .compose(t -> {
                    if (t.isEmpty()) throw ApiProblem.notFound("no token has the id " + ctx.pathParam("id"));
                    return Handlers.json(ctx, 200, view(t.get(), OffsetDateTime.now()), null);
                })));
    }

    /**
     * Token writes are not cluster writes and have no dry run; a client that asks for one must not get a real token
     * made or revoked instead.
     */
    private static RoutingContext noDryRun(RoutingContext ctx) {
        if (RequestMeta.dryRun(ctx)) {
            throw ApiProblem.badRequest(null, "token writes have no dry run: without dryRun this request would make or revoke a token");
        }
        return ctx;
    }

    private static String id(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (id == null || !TOKEN_ID.matcher(id).matches()) throw ApiProblem.notFound("token ids are 16 of a-z and 0-9");
        return id;
    }

    private Future<?> create(RoutingContext ctx) {
        TokenRequest body = Bodies.read(ctx, TokenRequest.class);
        List<ApiProblem.FieldError> errors = new ArrayList<>();
        if (body.name() == null) errors.add(new ApiProblem.FieldError("/name", "name is required"));
        else if (!TOKEN_NAME.matcher(body.name()).matches()) {
            errors.add(new ApiProblem.FieldError("/name", "name must be 1-64 of A-Za-z0-9._@-, starting with a letter or digit"));
        }
        if (body.role() == null) errors.add(new ApiProblem.FieldError("/role", "role is required: viewer, operator, admin or agent"));
        List<String> clusters = null;
        if (body.clusters() != null) {
            int missing = body.clusters().indexOf(null);
            if (missing >= 0) errors.add(new ApiProblem.FieldError("/clusters/" + missing, "not a cluster name"));
            clusters = body.clusters().stream().filter(java.util.Objects::nonNull).distinct().toList();
            if (clusters.size() > MAX_SCOPE) errors.add(new ApiProblem.FieldError("/clusters", "at most " + MAX_SCOPE + " clusters"));
            for (int i = 0; i < clusters.size() && i < MAX_SCOPE; i++) {
                if (!Names.isValid(clusters.get(i))) errors.add(new ApiProblem.FieldError("/clusters/" + i, "not a cluster name"));
            }
            // Generated clients send an unset list as [], so [] means what leaving it out means: every cluster.
            if (clusters.isEmpty() && missing < 0) clusters = null;
        }
        if (body.role() == Role.agent) {
            if (clusters == null || clusters.size() != 1) errors.add(new ApiProblem.FieldError("/clusters", "an agent credential names exactly one cluster"));
            if (body.router() == null || !Names.isValid(body.router())) errors.add(new ApiProblem.FieldError("/router", "an agent credential names its router"));
        } else if (body.router() != null) {
            errors.add(new ApiProblem.FieldError("/router", "only agent credentials name a router"));
        }
        if (body.expiresAt() != null && !body.expiresAt().isAfter(OffsetDateTime.now())) {
            errors.add(new ApiProblem.FieldError("/expiresAt", "expiresAt must be in the future"));
        }
        if (!errors.isEmpty()) throw ApiProblem.invalid(errors);
        if (body.role() == Role.agent) {
            ClusterState c = projections.get(clusters.get(0));
            if (!c.exists() || !c.routers().containsKey(body.router())) {
                throw ApiProblem.invalid("/router", "router " + body.router() + " is not enrolled in cluster " + clusters.get(0) + "; enrol it first");
            }
        }
        return tokens.create(body.name(), body.role(), clusters, body.router(), body.expiresAt(), AccessControl.principal(ctx).name())
                .compose(created -> {
                    ObjectNode o = view(created.token(), OffsetDateTime.now());
                    o.put("token", created.secret());
                    ctx.response().putHeader("Location", "/v1/tokens/" + created.token().id()).putHeader("Cache-Control", "no-store");
                    return Handlers.json(ctx, 201, o, null);
                });
    }

    private static ObjectNode view(TokenStore.TokenView t, OffsetDateTime now) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("id", t.id()).put("name", t.name()).put("role", t.role().name());
        if (t.clusters() != null) o.set("clusters", Json.mapper().valueToTree(t.clusters()));
        if (t.router() != null) o.put("router", t.router());
        o.put("state", t.state(now)).put("createdAt", t.createdAt().toString()).put("createdBy", t.createdBy());
        if (t.expiresAt() != null) o.put("expiresAt", t.expiresAt().toString());
        if (t.revokedAt() != null) o.put("revokedAt", t.revokedAt().toString()).put("revokedBy", t.revokedBy());
        return o;
    }
}
