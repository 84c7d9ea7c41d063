package io.lvscp.controlplane.auth;

import io.lvscp.controlplane.command.ApiProblem;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Who may do what, decided once for every request before any route runs: deny by default, the rules in one
 * place rather than scattered over handlers (where a forgotten check is a hole). Reads need {@code viewer}; the
 * day-to-day moves of a real server or virtual server (drain, enable, weight, activate, deactivate) need
 * {@code operator}; every other write, and tokens, need {@code admin}. A token scoped to clusters reaches those
 * only; what is not about one cluster (creating clusters, tokens) needs an unscoped token. Agent credentials
 * reach nothing but the agent stream, where the gateway holds them to their own router.
 */
public final class AccessControl {
    public static final String PRINCIPAL_KEY = "lvscp.principal";
    private static final Set<String> OPERATOR_ACTIONS = Set.of("drain", "enable", "activate", "deactivate");

    private final TokenStore tokens;
    private final WriteRateLimiter limiter;
    private final boolean protectMetrics;
    private final BiConsumer<RoutingContext, ApiProblem> refuse;

    public AccessControl(TokenStore tokens, WriteRateLimiter limiter, boolean protectMetrics, BiConsumer<RoutingContext, ApiProblem> refuse) {
        this.tokens = tokens;
        this.limiter = limiter;
        this.protectMetrics = protectMetrics;
        this.refuse = refuse;
    }

    public static Principal principal(RoutingContext ctx) {
        return ctx.get(PRINCIPAL_KEY);
    }

    /** A route handler: the request goes on to its route only if allowed. */
    public void handle(RoutingContext ctx) {
        check(ctx, ctx::next);
    }

    /** Runs {@code allowed} (on the request's context) if the request may go on; otherwise answers the refusal. */
    public void check(RoutingContext ctx, Runnable allowed) {
        // The path as the router will match it (dot segments resolved, escapes of unreserved characters decoded):
        // deciding on the raw path would let "/v1/clusters/mine/../yours" past a cluster scope.
        String path = ctx.normalizedPath();
        // The web console's files are public (they hold no data, and a browser fetches them before it has a token);
        // everything they show comes from the API, with the token the user gives on its login page.
        boolean console = path.equals("/ui") || path.startsWith("/ui/");
        if (console || path.equals("/healthz") || path.equals("/readyz") || (path.equals("/metrics") && !protectMetrics)) {
            allowed.run();
            return;
        }
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            deny(ctx, Unauthorized.because(header == null ? "this request needs an API token: Authorization: Bearer lvscp_..."
                    : "only bearer tokens are accepted: Authorization: Bearer lvscp_..."));
            return;
        }
        // Runs after the body handler: the body (at most 1 MiB) is already read, and nothing of it is used here.
        tokens.authenticate(header.substring(7).trim()).onComplete(ar -> {
            if (ar.failed()) {
                // Fail closed, but say why: a token that cannot be checked (the database is away) is not a bad token,
                // and a revoked one must not pass because the table that says so cannot be read.
                java.util.Optional<String> away = io.lvscp.controlplane.db.DatabaseUnavailable.why(ar.cause());
                if (away.isPresent()) {
                    deny(ctx, ApiProblem.databaseUnavailable(away.get() + " (the token cannot be checked)"));
                    return;
                }
                deny(ctx, ar.cause() instanceof ApiProblem p ? p : Unauthorized.because("the token cannot be checked now"));
                return;
            }
            Principal who = ar.result();
            ctx.put(PRINCIPAL_KEY, who);
            ApiProblem refusal = authorise(ctx.request().method(), path, who);
            if (refusal != null) {
                deny(ctx, refusal);
                return;
            }
            if (isWrite(ctx.request().method())) {
                long wait = limiter.tryAcquire(who.tokenId());
                if (wait > 0) {
                    ctx.response().putHeader("Retry-After", Long.toString(wait));
                    deny(ctx, new ApiProblem(429, "too-many-requests", "Too many requests",
                            "this token has used its writes for now; retry after " + wait + " s", List.of()));
                    return;
                }
            }
            allowed.run();
        });
    }

    private void deny(RoutingContext ctx, ApiProblem p) {
        if (p.status() == 401) ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"lvscp\"");
        refuse.accept(ctx, p);
    }

    static boolean isWrite(HttpMethod m) {
        return !(m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS));
    }

    /** Null if {@code who} may; otherwise the 403 that says why. */
    static ApiProblem authorise(HttpMethod method, String path, Principal who) {
        String[] seg = path.split("/", -1); // "", "v1", ...
        if (path.equals("/v1/agents/stream")) {
            return who.role() == Role.agent ? null : Unauthorized.forbidden("the agent stream takes agent credentials only");
        }
        if (who.role() == Role.agent) return Unauthorized.forbidden("agent credentials are for the agent stream only");
        if (path.equals("/metrics")) return null; // any person's token, when /metrics is protected
        if (seg.length >= 3 && seg[1].equals("v1") && seg[2].equals("tokens")) {
            return who.role() == Role.admin && who.unscoped() ? null : Unauthorized.forbidden("tokens are managed by admin tokens that are not scoped to clusters");
        }
        boolean clusterPath = seg.length >= 4 && seg[1].equals("v1") && seg[2].equals("clusters");
        if (clusterPath && !who.mayAccess(seg[3])) {
            return Unauthorized.forbidden("this token is scoped to clusters " + who.clusters() + ", not " + safe(seg[3]));
        }
        if (!isWrite(method)) return null; // viewer is the least role; lists and the log filter by scope themselves
        Role needed = operatorAction(method, seg) ? Role.operator : Role.admin;
        if (!who.role().atLeast(needed)) return Unauthorized.forbidden("this needs the " + needed + " role; the token has " + who.role());
        if (!clusterPath && !who.unscoped()) return Unauthorized.forbidden("only a token not scoped to clusters may do this");
        return null;
    }

    private static boolean operatorAction(HttpMethod method, String[] seg) {
        String last = seg[seg.length - 1];
        if (seg.length < 7 || !seg[1].equals("v1") || !seg[2].equals("clusters") || !seg[4].equals("virtual-servers")) return false;
        // .../virtual-servers/{vs}/activate|deactivate, .../real-servers/{rs}/drain|enable, PUT .../real-servers/{rs}/weight
        if (method.equals(HttpMethod.POST) && OPERATOR_ACTIONS.contains(last) && (seg.length == 7 || (seg.length == 9 && seg[6].equals("real-servers")))) {
            return seg.length == 7 ? last.endsWith("activate") : !last.endsWith("activate");
        }
        return method.equals(HttpMethod.PUT) && last.equals("weight") && seg.length == 9 && seg[6].equals("real-servers");
    }

    private static String safe(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s.replaceAll("[^A-Za-z0-9._-]", "?");
    }
}
