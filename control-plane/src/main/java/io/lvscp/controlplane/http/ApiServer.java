package io.lvscp.controlplane.http;

import io.lvscp.api.stream.StreamMessage;
import io.lvscp.controlplane.agents.AgentGateway;
import io.lvscp.controlplane.auth.AccessControl;
import io.lvscp.controlplane.auth.TokenStore;
import io.lvscp.controlplane.auth.WriteRateLimiter;
import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.agents.RouterStatusStore;
import io.lvscp.controlplane.command.ApiProblem;
import io.lvscp.controlplane.command.ClusterCommands;
import io.lvscp.controlplane.eventstore.EventStore;
import io.lvscp.controlplane.metrics.ControlPlaneMetrics;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP face of the control plane: routes, limits, and the error handling every route shares. */
public final class ApiServer {
    public static final long MAX_BODY_BYTES = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private ApiServer() {}

    public static Router router(Vertx vertx, Pool pool, EventStore store, ClusterProjections projections, ClusterCommands commands,
                                RouterStatusStore status, AgentGateway gateway, ControlPlaneMetrics metrics, Supplier<Boolean> started,
                                TokenStore tokens, ControlPlaneConfig.Auth auth, io.lvscp.controlplane.feed.EventFeed feed) {
        Router router = Router.router(vertx);
        // Path-less routes, so that the HTTP metrics' route label is the API route alone ("/v1/clusters/:cluster").
        router.route().handler(RequestMeta::assignRequestId);
        AccessControl access = new AccessControl(tokens, new WriteRateLimiter(auth.writesPerSecond(), auth.writeBurst(), System::nanoTime),
                Boolean.TRUE.equals(auth.protectMetrics()), Problems::send);
        // The stream comes before the body handler: a WebSocket upgrade must find its request unread, and the
        // credential check in between is asynchronous. Paused, the request keeps until the upgrade.
        router.get("/v1/agents/stream").handler(ctx -> {
            ctx.request().pause();
            access.check(ctx, () -> {
                if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
                    Problems.send(ctx, ApiProblem.badRequest(null, "this is the agents' WebSocket stream; connect with a WebSocket upgrade"));
                    return;
                }
                // What Vert.x's handshake would refuse with a bare 400 is refused here with a problem document.
                String connection = ctx.request().getHeader("Connection");
                String key = ctx.request().getHeader("Sec-WebSocket-Key");
                if (connection == null || !connection.toLowerCase(java.util.Locale.ROOT).contains("upgrade")
                        || !"13".equals(ctx.request().getHeader("Sec-WebSocket-Version")) || key == null || !key.matches("[A-Za-z0-9+/]{22}==")) {
                    Problems.send(ctx, ApiProblem.badRequest(null, "a WebSocket handshake (RFC 6455) needs Connection: Upgrade, "
                            + "Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key"));
                    return;
                }
                var agent = AccessControl.principal(ctx);
                // A handshake Vert.x refuses (a version it does not speak, a missing key, an upgrade request with a body)
                // is the client's: 400, not a fault of ours. Some it refuses by throwing.
                Future<io.vertx.core.http.ServerWebSocket> upgrade;
                try {
                    upgrade = ctx.request().toWebSocket();
                } catch (RuntimeException e) {
                    upgrade = Future.failedFuture(e);
                }
                upgrade.onSuccess(ws -> gateway.handle(ws, agent)).onFailure(f -> Problems.send(ctx,
                        ApiProblem.badRequest(null, "the WebSocket handshake failed: " + String.valueOf(f.getMessage()).replaceAll("\\p{Cntrl}", "?"))));
            });
        });
        router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
        router.route().handler(access::handle);

        router.get("/healthz").handler(ctx -> Handlers.json(ctx, 200, java.util.Map.of("status", "up"), null));
        router.get("/readyz").handler(ctx -> Handlers.run(ctx, () -> readiness(ctx, pool, projections, started)));
        router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));

        Handlers handlers = new Handlers(commands);
        new ResourceRoutes(projections, status, handlers).mount(router);
        new AuditRoutes(store, projections, handlers, feed).mount(router);
        new SpecRoutes(projections, handlers).mount(router);
        new TokenRoutes(tokens, projections).mount(router);
        ConsoleRoutes.mount(router);

        router.errorHandler(404, ctx -> Problems.send(ctx, ApiProblem.notFound("no resource at " + ctx.request().path())));
        router.errorHandler(405, ctx -> Problems.send(ctx, new ApiProblem(405, "method-not-allowed", "Method not allowed",
                ctx.request().method() + " is not allowed on " + ctx.request().path(), List.of())));
        router.errorHandler(413, ctx -> Problems.send(ctx, new ApiProblem(413, "too-large", "Request body too large",
                "request bodies are limited to " + MAX_BODY_BYTES + " bytes", List.of())));
        router.errorHandler(400, ctx -> Problems.fail(ctx, ctx.failure() != null ? ctx.failure()
                : ApiProblem.badRequest(null, "the request cannot be read")));
        // The body handler fails a request whose body breaks off or cannot be decoded (a bad chunk size or trailer, the
        // client gone) with status 200: nothing of ours failed, and the connection is usually closed already.
        router.errorHandler(200, ctx -> Problems.send(ctx, ApiProblem.badRequest(null, "the request body cannot be read")));
        router.errorHandler(500, ctx -> Problems.fail(ctx, ctx.failure() != null ? ctx.failure() : new IllegalStateException("unknown failure")));
        return router;
    }

    private static Future<?> readiness(io.vertx.ext.web.RoutingContext ctx, Pool pool, ClusterProjections projections, Supplier<Boolean> started) {
        if (!started.get()) return notReady(ctx, "projections are still loading");
        return pool.query("SELECT 1").execute()
                .compose(ok -> projections.isCurrent())
                .compose(current -> current ? Handlers.json(ctx, 200, java.util.Map.of("status", "ready"), null)
                        : notReady(ctx, "projections are behind the event store"))
                .recover(f -> notReady(ctx, "database unreachable: " + f.getClass().getSimpleName()));
    }

    private static Future<Void> notReady(io.vertx.ext.web.RoutingContext ctx, String why) {
        return Handlers.json(ctx, 503, java.util.Map.of("status", "not ready", "reason", why), null);
    }

    public static Future<HttpServer> listen(Vertx vertx, Router router, String host, int port) {
        return listen(vertx, router, host, port, null);
    }

    /**
     * Serves plain HTTP, or HTTPS when {@code tls} names a certificate and key. With a client CA every connection
     * must present a certificate it signed ({@link ClientAuth#REQUIRED}): the REST API and the agent stream share
     * the port, and REQUEST would let a client without a certificate through to every route unchecked.
     */
    public static Future<HttpServer> listen(Vertx vertx, Router router, String host, int port, ControlPlaneConfig.Tls tls) {
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
                .setMaxInitialLineLength(8192).setMaxHeaderSize(16384).setCompressionSupported(true)
                // Agents' reports are capped well below this; a snapshot (to agents) is limited on their side.
                .setMaxWebSocketMessageSize(StreamMessage.MAX_FROM_AGENT_BYTES)
                // JSON snapshots shrink about tenfold; the fastest level keeps the event loop's share small.
                .setPerMessageWebSocketCompressionSupported(true).setWebSocketCompressionLevel(1)
                // HTTP/1.1 only: no cleartext upgrade to HTTP/2 (h2c), which proxies in front may pass unchecked.
                .setHttp2ClearTextEnabled(false)
                // A connection on which nothing moves for two minutes is closed: an abandoned or deliberately slow
                // client (a request trickled in a byte at a time) holds no connection for ever. Agents' streams carry
                // heartbeats every few seconds and never come near it.
                .setIdleTimeout(120).setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
        if (tls != null && (tls.enabled() || tls.clientCaFile() != null)) {
            List<String> problems = tls.problems();
            if (!problems.isEmpty()) return Future.failedFuture(new IllegalArgumentException(String.join("; ", problems)));
            options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certFile()).setKeyPath(tls.keyFile()));
            if (tls.clientCaFile() != null) {
                options.setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCaFile())).setClientAuth(ClientAuth.REQUIRED);
            }
        }
        return vertx.createHttpServer(options)
                // What the HTTP decoder cannot read is answered with a problem document too (Vert.x would answer some
                // with a bare status and drop the connection on others).
                .invalidRequestHandler(Problems::invalidRequest)
                .requestHandler(req -> {
                    ApiProblem unreadable = RequestMeta.unreadable(req);
                    if (unreadable == null) router.handle(req);
                    else Problems.send(req, unreadable);
                })
                // Failed handshakes (a plain-HTTP client, an unknown client certificate) end up here, one per connection.
                .exceptionHandler(e -> LOG.debug("connection failed: {}", e.toString()))
                .listen();
    }
}
