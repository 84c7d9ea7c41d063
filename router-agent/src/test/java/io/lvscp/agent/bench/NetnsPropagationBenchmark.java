package io.lvscp.agent.bench;

import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.e2e.NetnsLab;
import io.lvscp.controlplane.support.RunningControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Propagation to one real agent: the nftables driver programming a router namespace, from a REST write sent to
 * the agent having the new rules in the kernel (its apply done, before its ack travels back). Needs root.
 * Args: writes (default 300).
 */
public final class NetnsPropagationBenchmark {
    public static void main(String[] args) throws Exception {
        int writes = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        try (NetnsLab lab = new NetnsLab(3); RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            HttpClient http = HttpClient.newHttpClient();
            send(http, cp, "POST", "/v1/clusters", "{\"name\":\"web\",\"routingMethod\":\"nat\",\"natRouter\":{\"address\":\"10.11.12.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth1:1\"}}");
            send(http, cp, "POST", "/v1/clusters/web/routers", "{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\"}");
            send(http, cp, "POST", "/v1/clusters/web/virtual-servers", "{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80,\"scheduler\":\"wrr\"}");
            for (int i = 1; i <= 3; i++) {
                send(http, cp, "POST", "/v1/clusters/web/virtual-servers/http/real-servers", "{\"name\":\"rs" + i + "\",\"address\":\"10.11.12." + i + "\"}");
            }
            AgentConfig cfg = new AgentConfig(cp.baseUrl(), "web", "lvs1", "nftables", Files.createTempDirectory("lvscp-bench").toString(),
                    Map.of(), lab.router, -1, "127.0.0.1", 60.0, 5.0).withDefaults().withToken(cp.agentToken("web", "lvs1"));
            try (AgentRuntime agent = AgentRuntime.start(cfg)) {
                AtomicReference<CountDownLatch> next = new AtomicReference<>();
                AtomicReference<Long> appliedAt = new AtomicReference<>();
                long[] want = {0};
                agent.agent().onApplied(rev -> {
                    if (rev == want[0] && next.get() != null) {
                        appliedAt.set(System.nanoTime());
                        next.get().countDown();
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (agent.agent().appliedRevision() < 6) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("agent did not apply the start state");
                    Thread.sleep(10); // start-up only, not measured
                }
                Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
                int warmup = Math.min(50, writes / 3);
                for (int i = 0; i < writes + warmup; i++) {
                    want[0] = 7 + i;
                    CountDownLatch done = new CountDownLatch(1);
                    next.set(done);
                    long sent = System.nanoTime();
                    send(http, cp, "PUT", "/v1/clusters/web/virtual-servers/http/real-servers/rs1/weight", "{\"weight\":" + (i % 100 + 2) + "}");
                    if (!done.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("revision " + want[0] + " not applied");
                    if (i >= warmup) h.recordValue((appliedAt.get() - sent) / 1000);
                }
                System.out.printf("propagation, 1 agent with the nftables driver in a namespace, %d writes after %d warm-up:%n", writes, warmup);
                System.out.printf("  write sent -> rules in the kernel: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
            }
        }
    }

    private static void send(HttpClient http, RunningControlPlane cp, String method, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
    }
}
