package io.lvscp.agent.stream;

import static org.hamcrest.Matchers.equalTo;

import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A link that dies without closing (a cable pulled, a firewall dropping packets) is found by heartbeats on both
 * sides: the agent reconnects, the control plane marks the router disconnected. The silent link is a TCP proxy
 * between them that stops forwarding while keeping both connections open.
 */
class DeadLinkTest {
    /** Forwards bytes both ways until {@link #blackhole()}; then swallows them, closing nothing. */
    static final class Proxy implements AutoCloseable {
        private final Vertx vertx = Vertx.vertx();
        private final NetServer server;
        private final List<NetSocket> sockets = new CopyOnWriteArrayList<>();
        private volatile boolean silent;
        private volatile boolean cut;

        Proxy(int targetPort) throws Exception {
            var client = vertx.createNetClient();
            server = vertx.createNetServer().connectHandler(in -> {
                in.pause();
                client.connect(targetPort, "127.0.0.1").onSuccess(out -> {
                    sockets.add(in);
                    sockets.add(out);
                    in.handler(b -> {
                        if (!silent) out.write(b);
                    });
                    out.handler(b -> {
                        if (!silent) in.write(b);
                    });
                    in.closeHandler(v -> {
                        if (!cut) out.close();
                    });
                    out.closeHandler(v -> {
                        if (!cut) in.close();
                    });
                    in.resume();
                }).onFailure(f -> in.close());
            }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        int port() {
            return server.actualPort();
        }

        void blackhole() {
            silent = true;
        }

        /**
         * A pulled cable, or the far host gone: not even a close gets through (a blackholed link still passes on the FIN
         * or RST of an end that gives up on it). The connections stay open until the proxy closes.
         */
        void cut() {
            silent = true;
            cut = true;
        }

        void heal() {
            silent = false;
        }

        @Override
        public void close() throws Exception {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void bothSidesNoticeASilentLinkAndTheAgentComesBack() throws Exception {
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase(); Proxy proxy = new Proxy(cp.port())) {
            Api.given(cp).body("{\"name\":\"web\",\"routingMethod\":\"direct\"}").post("/v1/clusters").then().statusCode(201);
            Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\"}").post("/v1/clusters/web/routers").then().statusCode(201);
            // Heartbeats every 500 ms on the agent's side, 1 s on the control plane's (the test harness's setting).
            AgentConfig config = new AgentConfig("http://127.0.0.1:" + proxy.port(), "web", "lvs1", "recording",
                    Files.createTempDirectory("lvscp-deadlink").toString(), Map.of(), null, -1, "127.0.0.1", 60.0, 0.5).withDefaults().withToken(cp.agentToken("web", "lvs1"));
            try (AgentRuntime agent = AgentRuntime.start(config, ProcessRunner.local(), new RecordingDriver())) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> agent.agent().connected() && agent.agent().appliedRevision() == 2);

                proxy.blackhole();
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !agent.agent().connected());
                Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        Api.given(cp).get("/v1/clusters/web/routers/lvs1").then().body("status.connected", equalTo(false)));

                proxy.heal();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> agent.agent().connected());
                Api.given(cp).body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}")
                        .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> agent.agent().appliedRevision() == 3);
                Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        Api.given(cp).get("/v1/clusters/web/routers/lvs1").then().body("status.connected", equalTo(true), "status.appliedRevision", equalTo(3)));
            }
        }
    }
}
