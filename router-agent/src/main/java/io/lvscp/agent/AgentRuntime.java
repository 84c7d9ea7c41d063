package io.lvscp.agent;

import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.HealthView;
import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.dataplane.ipvs.IpvsDriver;
import io.lvscp.agent.dataplane.nft.NftablesDriver;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.agent.failover.FailoverService;
import io.lvscp.agent.health.HealthMonitor;
import io.lvscp.agent.host.FirewallMarkRules;
import io.lvscp.agent.host.HostAddresses;
import io.lvscp.agent.host.HostNetwork;
import io.lvscp.agent.host.MarkRules;
import io.lvscp.agent.metrics.AgentMetrics;
import io.lvscp.agent.reconcile.OwnedServices;
import io.lvscp.agent.reconcile.Reconciler;
import io.lvscp.agent.state.StateStore;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.stream.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A running agent with its Vert.x, its metrics endpoint and its kernel plumbing, built from a config. */
public final class AgentRuntime implements AutoCloseable {
    private final Vertx vertx;
    private final Agent agent;
    private final HttpServer metricsServer;
    // Real-server health checks (io.lvscp.agent.health): only when a kernel is programmed; the recording driver's
    // addresses are fictional.
    private HealthMonitor health;
    // Router failover (io.lvscp.agent.failover): heartbeats with the peer, role, VIPs held only while active;
    // only when a kernel is programmed.
    private FailoverService failover;

    private AgentRuntime(Vertx vertx, Agent agent, HttpServer metricsServer) {
        this.vertx = vertx;
        this.agent = agent;
        this.metricsServer = metricsServer;
    }

    public static AgentRuntime start(AgentConfig config) throws Exception {
        return start(config, runnerFor(config));
    }

    /** Starts with a given runner: tests pass one that records the exact argv of every kernel command. */
    public static AgentRuntime start(AgentConfig config, CommandRunner runner) throws Exception {
        DataplaneDriver driver = switch (config.driver()) {
            case "ipvs" -> new IpvsDriver(runner);
            case "nftables" -> new NftablesDriver(runner);
            default -> new RecordingDriver();
        };
        return start(config, runner, driver);
    }

    /** Starts with a given driver, for tests of the agent itself. */
    public static AgentRuntime start(AgentConfig config, CommandRunner runner, DataplaneDriver driver) throws Exception {
        List<String> problems = config.problems();
        if (!problems.isEmpty()) throw new IllegalArgumentException("invalid agent configuration: " + String.join("; ", problems));
        Path stateDir = Path.of(config.stateDir());
        boolean kernel = !"recording".equals(config.driver());
        MarkRules marks = kernel ? new FirewallMarkRules(runner) : MarkRules.recording();
        HostAddresses host = kernel ? new HostNetwork(runner, config::device, stateDir) : HostAddresses.recording();
        Reconciler reconciler = new Reconciler(driver, marks, host, new OwnedServices(stateDir));
        AgentMetrics metrics = new AgentMetrics(config.cluster(), config.router(), driver.name());
        Vertx vertx = Vertx.vertx();
        try {
            Agent agent = new Agent(vertx, config, reconciler, new StateStore(stateDir), metrics);
            metrics.connectedBy(agent::connected);
            HttpServer server = null;
            if (config.metricsPort() >= 0) {
                Router r = Router.router(vertx);
                r.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));
                r.get("/healthz").handler(ctx -> ctx.json(new io.vertx.core.json.JsonObject().put("status", "up")
                        .put("appliedRevision", agent.appliedRevision()).put("desiredRevision", agent.desiredRevision())
                        .put("connected", agent.connected())
                        // Which replica it streams from (null while it streams from none): the first question after a failover.
                        .put("controlPlane", agent.controlPlane() == null ? null : agent.controlPlane().toString())));
                server = await(vertx.createHttpServer().requestHandler(r).listen(config.metricsPort(), config.metricsHost()));
            }
            FailoverService failover = kernel ? FailoverService.forAgent(failoverHost(agent), config, runner, metrics) : null;
            if (failover != null) failover.prepare();
            await(agent.start());
            AgentRuntime runtime = new AgentRuntime(vertx, agent, server);
            runtime.failover = failover;
            if (failover != null) failover.start();
            if (kernel) runtime.health = HealthMonitor.forAgent(agent::desired, healthListener(agent), config, runner, metrics);
            return runtime;
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
    }

    /** The agent as the failover sees it (the failover package's interface, so that it does not depend on this one). */
    static FailoverService.Host failoverHost(Agent a) {
        return new FailoverService.Host() {
            @Override
            public ClusterState desired() {
                return a.desired();
            }

            @Override
            public CompletionStage<Boolean> holdVips(boolean hold) {
                return a.holdVips(hold);
            }

            @Override
            public void report(StreamMessage m) {
                a.report(m);
            }

            @Override
            public boolean connected() {
                return a.connected();
            }
        };
    }

    /** Where the health checks' verdicts go: the agent (the health package's interface, as for the failover). */
    static HealthMonitor.Listener healthListener(Agent a) {
        return new HealthMonitor.Listener() {
            @Override
            public void healthChanged(HealthView view) {
                a.healthChanged(view);
            }

            @Override
            public void report(StreamMessage.HealthChanged change) {
                a.report(change);
            }

            @Override
            public boolean connected() {
                return a.connected();
            }
        };
    }

    static CommandRunner runnerFor(AgentConfig config) {
        if (config.netns() != null) return ProcessRunner.inNetns(config.netns());
        if (!config.commandPrefix().isEmpty()) return ProcessRunner.behind(config.commandPrefix());
        return ProcessRunner.local();
    }

    public Agent agent() {
        return agent;
    }

    /** The health checks, or null when the agent programs no kernel (driver recording). */
    public HealthMonitor health() {
        return health;
    }

    /** The router failover, or null when the agent programs no kernel (driver recording). */
    public FailoverService failover() {
        return failover;
    }

    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.actualPort();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        try {
            if (health != null) health.close();
            if (failover != null) failover.close();
            await(agent.stop());
        } finally {
            await(vertx.close());
        }
    }
}
