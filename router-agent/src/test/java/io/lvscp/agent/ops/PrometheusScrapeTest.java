package io.lvscp.agent.ops;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvscp.controlplane.ops.OpsTools;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (Debian's /usr/bin/prometheus; missing, the test fails) on loopback scrapes a running
 * control plane and agent with the repository's rules loaded, and answers for the series the dashboard and the
 * alerts need; every dashboard query and rule expression is valid PromQL to it. Waits are bounded polls.
 */
class PrometheusScrapeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void prometheusScrapesTheControlPlaneAndTheAgent() throws Exception {
        OpsTools.require(OpsTools.PROMETHEUS);
        Path dir = Files.createTempDirectory("lvscp-prometheus");
        Process prometheus = null;
        try (OpsLab lab = new OpsLab()) {
            int port = freePort();
            String base = "http://127.0.0.1:" + port;
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global: {scrape_interval: 1s, evaluation_interval: 1s}
                    rule_files: ["%s"]
                    scrape_configs:
                      - job_name: lvscp-control-plane
                        static_configs: [{targets: ["127.0.0.1:%d"]}]
                      - job_name: lvscp-router-agent
                        static_configs: [{targets: ["127.0.0.1:%d"]}]
                    """.formatted(AlertRulesTest.rules(), lab.cp.port(), lab.agent.metricsPort()));
            prometheus = new ProcessBuilder(OpsTools.PROMETHEUS.toString(),
                    "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            Process p = prometheus;
            Awaitility.await("Prometheus ready").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!p.isAlive()) fail("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
                        return ready(base);
                    });

            Awaitility.await("both targets up").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> query(base, "sum(up{job=~\"lvscp-.*\"})").path(0).path("value").path(1).asText().equals("2"));

            long rev = lab.revision();
            Map<String, String> expected = Map.of(
                    "lvscp_router_applied_revision{cluster=\"web\",router=\"lvs1\"}", String.valueOf(rev),
                    "lvscp_router_desired_revision{cluster=\"web\",router=\"lvs1\"}", String.valueOf(rev),
                    "lvscp_router_connected{cluster=\"web\",router=\"lvs1\"}", "1",
                    "lvscp_agents_connected", "1",
                    "lvscp_clusters", "1",
                    "lvscp_agent_applied_revision{cluster=\"web\",router=\"lvs1\"}", String.valueOf(rev),
                    "lvscp_agent_connected{router=\"lvs1\"}", "1");
            for (var e : expected.entrySet()) {
                Awaitility.await(e.getKey()).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                        .until(() -> query(base, e.getKey()).path(0).path("value").path(1).asText().equals(e.getValue()));
            }
            for (String present : List.of("lvscp_revision_propagation_seconds_count{cluster=\"web\",router=\"lvs1\"} > 0",
                    "lvscp_events_appended_total{type=\"RealServerAdded\"}", "lvscp_event_append_seconds_bucket",
                    "lvscp_projection_lag_seconds_count", "vertx_http_server_requests_total{route=\"/v1/clusters/:cluster/routers\",code=\"201\"}",
                    "lvscp_agent_reconcile_seconds_count", "lvscp_agent_services", "lvscp_agent_stream_messages_total{type=\"snapshot\"}")) {
                Awaitility.await(present).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                        .until(() -> query(base, present).size() > 0);
            }

            // The rules loaded and evaluate without error; nothing fires for a healthy lab.
            Awaitility.await("rules evaluated").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
                JsonNode groups = api(base, "/api/v1/rules").path("data").path("groups");
                List<String> health = new ArrayList<>();
                for (JsonNode g : groups) for (JsonNode r : g.path("rules")) health.add(r.path("name").asText() + "=" + r.path("health").asText());
                return health.size() == AlertRulesTest.alerts().size() && health.stream().allMatch(h -> h.endsWith("=ok"));
            });
            JsonNode firing = api(base, "/api/v1/alerts").path("data").path("alerts");
            assertEquals(0, firing.size(), "no alert for a healthy cluster: " + firing);

            // Every query of the dashboard and every rule is valid PromQL, as this Prometheus parses it.
            List<String> exprs = new ArrayList<>(AlertRulesTest.alerts().values());
            DeploymentFilesTest.dashboardQueries().values().forEach(exprs::addAll);
            for (String e : exprs) {
                JsonNode r = api(base, "/api/v1/query?query=" + URLEncoder.encode(e.replace("$cluster", ".*"), StandardCharsets.UTF_8));
                assertEquals("success", r.path("status").asText(), e + ": " + r);
            }
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean ready(String base) {
        try {
            OpsTools.get(base + "/-/ready");
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static JsonNode api(String base, String path) throws Exception {
        return JSON.readTree(OpsTools.get(base + path));
    }

    private static JsonNode query(String base, String promql) throws Exception {
        JsonNode r = api(base, "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        assertEquals("success", r.path("status").asText(), promql + ": " + r);
        return r.path("data").path("result");
    }
}
