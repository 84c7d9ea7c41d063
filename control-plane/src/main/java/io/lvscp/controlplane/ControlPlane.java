package io.lvscp.controlplane;

import io.lvscp.controlplane.agents.AgentGateway;
import io.lvscp.controlplane.agents.RouterStatusStore;
import io.lvscp.controlplane.auth.TokenStore;
import io.lvscp.controlplane.command.ClusterCommands;
import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.db.Database;
import io.lvscp.controlplane.eventstore.EventStore;
import io.lvscp.controlplane.feed.EventFeed;
import io.lvscp.controlplane.http.ApiServer;
import io.lvscp.controlplane.metrics.ControlPlaneMetrics;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.lvscp.controlplane.projection.EventNotifications;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * The running control plane: database, Vert.x and the API verticle, started in that order and stopped in the
 * reverse one. Everything of the verticle runs on its one event loop, so projections and command
 * sequencing need no locks; the database work is asynchronous and never blocks it.
 */
public final class ControlPlane implements AutoCloseable {
    private final Database database;
    private final Vertx vertx;
    private final ApiVerticle verticle;

    private ControlPlane(Database database, Vertx vertx, ApiVerticle verticle) {
        this.database = database;
        this.vertx = vertx;
        this.verticle = verticle;
    }

    /** Opens and migrates the database, then serves. Blocks until it listens; for main threads and tests. */
    public static ControlPlane start(ControlPlaneConfig config) throws Exception {
        Database db = Database.open(config.database());
        try {
            db.migrate();
            ControlPlaneMetrics metrics = new ControlPlaneMetrics();
            Vertx vertx = Vertx.builder()
                    .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
                            .addLabels(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE)
                            .addDisabledMetricsCategory(MetricsDomain.NAMED_POOLS)
                            // Vert.x registers each TCP client's and each SQL client's gauges (vertx_net_client_active_connections,
                            // vertx_sql_processing_pending) under the same name and tags; the PostgreSQL pool and the LISTEN
                            // connection are two, so Micrometer warned at every start and counted only the first.
                            // No dashboard or alert of ours reads them.
                            .addDisabledMetricsCategory("sql")
                            .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)))
                    .withMetrics(new MicrometerMetricsFactory(metrics.registry()))
                    .build();
            ApiVerticle verticle = new ApiVerticle(config, db, metrics);
            try {
                verticle.wire(vertx);
                vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                throw e;
            }
            return new ControlPlane(db, vertx, verticle);
        } catch (Exception e) {
            db.close();
            throw e;
        }
    }

    public int port() {
        return verticle.server.actualPort();
    }

    public String databaseDescription() {
        return database.description();
    }

    public ClusterProjections projections() {
        return verticle.projections;
    }

    @Override
    public void close() throws Exception {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            database.close();
        }
    }

    /** How long a query may take before the database counts as away (BoundedPool): far above any query of ours. */
    static final int QUERY_DEADLINE_SECONDS = 20;

    static final class ApiVerticle extends VerticleBase {
        private final ControlPlaneConfig config;
        private final Database db;
        private final ControlPlaneMetrics metrics;
        private volatile boolean started;
        private Pool pool;
        private EventNotifications notifications;
        ClusterProjections projections;
        AgentGateway gateway;
        HttpServer server;

        ApiVerticle(ControlPlaneConfig config, Database db, ControlPlaneMetrics metrics) {
            this.config = config;
            this.db = db;
            this.metrics = metrics;
        }

        private TokenStore tokens;
        private io.vertx.ext.web.Router router;

        /**
         * Makes the pool, the stores, the projections and the routes: plain construction, but it loads most of the
         * program's classes, which on a starved machine took the event loop past Vert.x's 2 s warning at first start.
         * So it runs on the thread that deploys the verticle; {@link #start()} then only starts things (asynchronously).
         */
        void wire(Vertx vertx) {
            pool = io.lvscp.controlplane.db.BoundedPool.of(PgBuilder.pool()
                    .with(new PoolOptions().setMaxSize(config.database().poolSize()).setName("lvscp-events")
                            // Waiting for a connection is bounded too: a request gets its 503 instead of hanging.
                            .setConnectionTimeout(5).setConnectionTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS))
                    // A database that is away answers within seconds, not the socket's minute.
                    .with(new io.vertx.core.net.NetClientOptions().setConnectTimeout(3000))
                    .connectingTo(db.connectOptions())
                    .using(vertx)
                    .build(), QUERY_DEADLINE_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            EventStore store = new EventStore(pool);
            projections = new ClusterProjections(store);
            metrics.bind(projections);
            RouterStatusStore status = new RouterStatusStore(pool);
            ClusterCommands commands = new ClusterCommands(store, projections, metrics, status::drivers);
            notifications = new EventNotifications(vertx, db.connectOptions(), projections);
            tokens = new TokenStore(pool);
            EventFeed feed = new EventFeed(vertx, store, config.feedKeepAliveMillis(), config.feedMaxQueuedBytes());
            notifications.onAppended(feed::wake);
            metrics.bind(feed);
            gateway = new AgentGateway(vertx, projections, store, status, metrics, config.agentHeartbeatMillis(), tokens);
            notifications.onRouterStream(gateway::streamOpened);
            router = ApiServer.router(vertx, pool, store, projections, commands, status, gateway, metrics, () -> started,
                    tokens, config.auth(), feed);
        }

        @Override
        public Future<?> start() {
            return tokens.bootstrapAdmin(config.auth().adminToken())
                    .onSuccess(made -> made.ifPresent(token -> System.out.println("""

                            lvscp: first start: an admin API token was made. It is shown this once; keep it now:

                                %s

                            Send it as 'Authorization: Bearer <token>'; make other tokens with POST /v1/tokens.
                            """.formatted(token))))
                    .compose(v -> projections.catchUpAll())
                    .compose(v -> notifications.start(5_000))
                    .compose(v -> ApiServer.listen(vertx, router, config.http().host(), config.http().port(), config.tls()))
                    .onSuccess(s -> {
                        server = s;
                        started = true;
                    });
        }

        @Override
        public Future<?> stop() {
            return notifications.stop().eventually(() -> pool.close());
        }
    }
}
