package io.lvscp.agent.bench;

import io.lvscp.agent.Agent;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.metrics.AgentMetrics;
import io.lvscp.agent.reconcile.OwnedServices;
import io.lvscp.agent.reconcile.Reconciler;
import io.lvscp.agent.state.StateStore;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Propagation: from a REST write sent, to the ack of that revision by both routers of the cluster written (and,
 * beside it, to the REST response), with N agents connected (N/2 router pairs, writes round-robin over the clusters). The agents
 * share one Vert.x and have a driver that only records, so what is measured is the control plane,
 * the event store, NOTIFY, the stream and the agent's own work, not a kernel. Not a test: run it by hand,
 * see docs/benchmarks-agent.md. Args: agents (default 100), writes (default 300).
 */
public final class PropagationBenchmark {
    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int writes = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            HttpClient http = HttpClient.newHttpClient();
            // A fleet of router pairs: agents / 2 clusters, each with two routers and one virtual server.
            int clusters = Math.max(1, agents / 2);
            for (int c = 0; c < clusters; c++) {
                String base = "/v1/clusters/c" + c;
                post(http, cp, "/v1/clusters", "{\"name\":\"c" + c + "\",\"routingMethod\":\"direct\"}");
                post(http, cp, base + "/virtual-servers",
                        "{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}");
                post(http, cp, base + "/virtual-servers/http/real-servers", "{\"name\":\"rs1\",\"address\":\"10.11.12.1\"}");
                post(http, cp, base + "/routers", "{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.8\"}");
                post(http, cp, base + "/routers", "{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.9\"}");
            }

            Vertx vertx = Vertx.vertx();
            Map<String, CountDownLatch> pending = new ConcurrentHashMap<>();
            Map<String, Long> lastAck = new ConcurrentHashMap<>();
            List<Agent> fleet = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                String cluster = "c" + (i / 2 % clusters);
                AgentConfig cfg = new AgentConfig(cp.baseUrl(), cluster, i % 2 == 0 ? "lvs1" : "lvs2", "recording",
                        Files.createTempDirectory("lvscp-bench").toString(), Map.of(), null, -1, "127.0.0.1", 60.0, 5.0).withDefaults().withToken(cp.agentToken(cluster, i % 2 == 0 ? "lvs1" : "lvs2"));
                Agent a = new Agent(vertx, cfg, Reconciler.tableOnly(new RecordingDriver(), new OwnedServices(null)), new StateStore(java.nio.file.Path.of(cfg.stateDir())),
                        new AgentMetrics(cluster, cfg.router(), "recording"));
                a.onApplied(rev -> {
                    CountDownLatch l = pending.get(cluster + "@" + rev);
                    if (l != null) {
                        lastAck.merge(cluster + "@" + rev, System.nanoTime(), Math::max);
                        l.countDown();
                    }
                });
                a.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                fleet.add(a);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (fleet.stream().anyMatch(a -> a.appliedRevision() < 5)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("agents did not catch up");
                Thread.sleep(10); // start-up only, not measured
            }

            // From the request being sent: the agents often apply a revision before the client has read the
            // response, so "after the response" would round to zero.
            Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
            Histogram rest = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
            int warmup = Math.min(100, writes / 3);
            long[] revisions = new long[clusters];
            java.util.Arrays.fill(revisions, 5);
            for (int i = 0; i < writes + warmup; i++) {
                int c = i % clusters;
                long rev = ++revisions[c];
                String key = "c" + c + "@" + rev;
                CountDownLatch both = new CountDownLatch(agents >= 2 ? 2 : 1);
                pending.put(key, both);
                long sent = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/clusters/c" + c + "/virtual-servers/http/real-servers/rs1/weight")).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN)
                        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"weight\":" + (i % 100 + 2) + "}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                long acknowledged = System.nanoTime();
                if (r.statusCode() != 200) throw new IllegalStateException("write failed: " + r.body());
                if (!both.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("revision " + key + " not acked by its routers");
                if (i >= warmup) {
                    h.recordValue((lastAck.get(key) - sent) / 1000);
                    rest.recordValue((acknowledged - sent) / 1000);
                }
                pending.remove(key);
            }
            System.out.printf("propagation, %d agents in %d router pairs (recording driver), %d writes after %d warm-up:%n", agents, clusters, writes, warmup);
            System.out.printf("  write sent -> both routers applied: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
            System.out.printf("  write sent -> REST response:        p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    rest.getValueAtPercentile(50) / 1000.0, rest.getValueAtPercentile(99) / 1000.0, rest.getMaxValue() / 1000.0);
            for (Agent a : fleet) a.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static void post(HttpClient http, RunningControlPlane cp, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
    }
}
