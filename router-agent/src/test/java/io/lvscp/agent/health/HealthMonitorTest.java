package io.lvscp.agent.health;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.dataplane.DesiredTable;
import io.lvscp.agent.dataplane.HealthView;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.metrics.AgentMetrics;
import io.lvscp.api.model.*;
import io.lvscp.api.stream.StreamMessage;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The monitor with a scripted prober, on a fast clock: a "second" of the health-check settings lasts 50 ms here.
 * Waits are bounded awaits on what the monitor does, never sleeps.
 */
class HealthMonitorTest {
    static final long SECOND = 50;
    final Map<String, CheckResult> script = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();
    final AtomicReference<ClusterState> desired = new AtomicReference<>();
    final List<StreamMessage.HealthChanged> reports = new CopyOnWriteArrayList<>();
    final AtomicReference<HealthView> view = new AtomicReference<>(HealthView.ALL_HEALTHY);
    volatile boolean connected = true;
    final AgentMetrics metrics = new AgentMetrics("web", "lvs1", "test");
    HealthMonitor monitor;

    final Prober prober = spec -> {
        probes.computeIfAbsent(spec.address(), a -> new AtomicInteger()).incrementAndGet();
        return CompletableFuture.completedFuture(script.getOrDefault(spec.address(), CheckResult.up("connected", 1_000_000)));
    };

    final HealthMonitor.Listener listener = new HealthMonitor.Listener() {
        @Override
        public void healthChanged(HealthView v) {
            view.set(v);
        }

        @Override
        public void report(StreamMessage.HealthChanged change) {
            reports.add(change);
        }

        @Override
        public boolean connected() {
            return connected;
        }
    };

    @AfterEach
    void close() {
        if (monitor != null) monitor.close();
    }

    static HealthCheck check(int rise, int fall, int reentry) {
        return new HealthCheck(HealthCheckKind.tcp, null, null, null, null, null, null, 1, 1, reentry, rise, fall);
    }

    static ClusterState cluster(HealthCheck hc, boolean quiesce, SorryServer sorry, RealServer... servers) {
        VirtualServerSpec spec = new VirtualServerSpec("http", "192.168.26.10", "255.255.255.0", "eth0:1", 80, Protocol.tcp, null, null, null,
                hc, quiesce, sorry, true, null).withDefaults("http");
        VirtualServerState vs = VirtualServerState.of(spec);
        for (RealServer rs : servers) vs = vs.withRealServer(rs);
        return ClusterState.absent("web").withSettings(new ClusterSettings("web", RoutingMethod.nat, null, null))
                .withVirtualServer(vs).atRevision(1);
    }

    static RealServer rs(int i) {
        return new RealServer("rs" + i, "10.11.12." + i, null, 1, null, null, null, null, null).withDefaults("rs" + i, 80, RoutingMethod.nat);
    }

    void start(ClusterState state) {
        desired.set(state);
        monitor = new HealthMonitor(desired::get, listener, prober, metrics, SECOND).start();
    }

    int probesOf(int i) {
        AtomicInteger n = probes.get("10.11.12." + i);
        return n == null ? 0 : n.get();
    }

    void awaitProbes(int i, int atLeast) {
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> probesOf(i) >= atLeast);
    }

    @Test
    void aServerLeavesAfterFallFailuresAndReturnsAfterRiseSuccesses() {
        start(cluster(check(3, 2, 0), false, null, rs(1), rs(2)));
        awaitProbes(1, 2);
        assertTrue(reports.isEmpty(), "servers start healthy and passing checks change nothing: " + reports);

        script.put("10.11.12.1", CheckResult.down("expected 200, got 503", 1_000_000));
        int before = probesOf(1);
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> !view.get().healthy("http", "rs1"));
        assertTrue(probesOf(1) - before >= 2, "fall is 2: it took " + (probesOf(1) - before) + " failed checks");
        assertTrue(view.get().healthy("http", "rs2"));
        assertEquals(List.of(new StreamMessage.HealthChanged("http", "rs1", false, "expected 200, got 503")), reports);
        ServiceTable t = DesiredTable.from(desired.get(), view.get());
        assertEquals(1, t.services().values().iterator().next().destinations().size(), "a failed server is removed");

        script.remove("10.11.12.1");
        before = probesOf(1);
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> view.get().healthy("http", "rs1"));
        assertTrue(probesOf(1) - before >= 3, "rise is 3");
        assertEquals(new StreamMessage.HealthChanged("http", "rs1", true, "connected"), reports.get(1));

        String scrape = metrics.registry().scrape();
        assertTrue(scrape.contains("lvscp_agent_real_server_healthy{cluster=\"web\",real_server=\"rs1\",router=\"lvs1\",virtual_server=\"http\"} 1.0"), scrape);
        assertTrue(scrape.contains("lvscp_agent_check_seconds_count{cluster=\"web\",outcome=\"unhealthy\",router=\"lvs1\",virtual_server=\"http\"}"), scrape);
    }

    @Test
    void checksFollowTheInterval() {
        start(cluster(check(1, 1, 0), false, null, rs(1)));
        awaitProbes(1, 1);
        long t0 = System.nanoTime();
        int from = probesOf(1);
        awaitProbes(1, from + 10);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 9 * SECOND && ms < 20 * SECOND, "10 checks at an interval of " + SECOND + " ms took " + ms + " ms");
    }

    @Test
    void reentryKeepsAReturningServerOutForThatLong() {
        start(cluster(check(1, 1, 10), false, null, rs(1)));
        script.put("10.11.12.1", CheckResult.down("connect refused", 1));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !view.get().healthy("http", "rs1"));
        script.remove("10.11.12.1");
        int from = probesOf(1);
        long t0 = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> view.get().healthy("http", "rs1"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 9 * SECOND, "back after " + ms + " ms, before its reentry of 10 s (" + 10 * SECOND + " ms)");
        assertTrue(probesOf(1) - from >= 10, "it kept answering all that time");
    }

    @Test
    void quiesceKeepsAFailedServerWithWeightZeroAndTheSorryServerTakesOverWhenNoneIsLeft() {
        start(cluster(check(1, 1, 0), true, new SorryServer("10.11.12.99", null), rs(1), rs(2)));
        script.put("10.11.12.1", CheckResult.down("connect refused", 1));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !view.get().healthy("http", "rs1"));
        var dests = DesiredTable.from(desired.get(), view.get()).services().values().iterator().next().destinations();
        assertEquals(0, dests.get("10.11.12.1:80").weight(), "quiesced: " + dests);
        assertFalse(dests.containsKey("10.11.12.99:80"), "rs2 still serves: " + dests);
        script.put("10.11.12.2", CheckResult.down("timeout after 1 s", 1));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !view.get().healthy("http", "rs2"));
        dests = DesiredTable.from(desired.get(), view.get()).services().values().iterator().next().destinations();
        assertEquals(1, dests.get("10.11.12.99:80").weight(), "the sorry server: " + dests);
    }

    @Test
    void drainedServersAreNotCheckedAndRemovedOnesAreForgotten() {
        start(cluster(check(1, 1, 0), false, null, rs(1), rs(2).withState(RealServerState.drained)));
        awaitProbes(1, 3);
        assertEquals(0, probesOf(2), "a drained server is not checked");
        script.put("10.11.12.1", CheckResult.down("connect refused", 1));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !view.get().healthy("http", "rs1"));

        desired.set(cluster(check(1, 1, 0), false, null, rs(2).withState(RealServerState.drained)));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> view.get().healthy("http", "rs1"));
        assertEquals(0, monitor.checked());
        int after = probesOf(1);
        Awaitility.await().during(Duration.ofMillis(5 * SECOND)).atMost(Duration.ofSeconds(2)).until(() -> probesOf(1) == after);
        assertFalse(metrics.registry().scrape().contains("real_server=\"rs1\""), "its series went with it");

        // enabled again: checked again
        desired.set(cluster(check(1, 1, 0), false, null, rs(2)));
        awaitProbes(2, 2);
    }

    @Test
    void aChangedCheckKeepsTheVerdictUntilTheNewCheckDecides() {
        start(cluster(check(2, 1, 0), false, null, rs(1)));
        script.put("10.11.12.1", CheckResult.down("connect refused", 1));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !view.get().healthy("http", "rs1"));
        // a new port: a new check, but the server stays out until it passes rise (2) times
        script.put("10.11.12.1", CheckResult.up("connected", 1));
        HealthCheck http = new HealthCheck(HealthCheckKind.http, "/health", 200, null, null, null, null, 1, 1, 0, 2, 1);
        int from = probesOf(1);
        desired.set(cluster(http, false, null, rs(1)));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> view.get().healthy("http", "rs1"));
        assertTrue(probesOf(1) - from >= 2);
    }

    @Test
    void unknownResultsChangeNothing() {
        start(cluster(check(1, 1, 0), false, null, rs(1)));
        script.put("10.11.12.1", CheckResult.unknown("health-check worker exited"));
        awaitProbes(1, 5);
        assertTrue(view.get().healthy("http", "rs1"));
        assertTrue(reports.isEmpty());
    }

    @Test
    void aTransitionWhileTheStreamIsDownIsReportedWhenItIsBack() {
        connected = false;
        start(cluster(check(1, 1, 0), false, null, rs(1)));
        script.put("10.11.12.1", CheckResult.down("connect refused", 1));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !view.get().healthy("http", "rs1"));
        assertTrue(reports.isEmpty(), "health acted locally without the control plane");
        connected = true;
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> reports.size() == 1);
        assertEquals(new StreamMessage.HealthChanged("http", "rs1", false, "connect refused"), reports.get(0));
    }

    @Test
    void inactiveVirtualServersAndChecksOfKindNoneAreNotRun() {
        HealthCheck none = new HealthCheck(HealthCheckKind.none, null, null, null, null, null, null, null, null, null, null, null);
        start(cluster(none, false, null, rs(1)));
        VirtualServerSpec other = new VirtualServerSpec("other", "192.168.26.11", "255.255.255.0", "eth0:2", 80, Protocol.tcp, null, null, null,
                check(1, 1, 0), false, null, false, null).withDefaults("other");
        desired.set(cluster(none, false, null, rs(1)).withVirtualServer(VirtualServerState.of(other).withRealServer(rs(2))));
        Awaitility.await().during(Duration.ofMillis(6 * SECOND)).atMost(Duration.ofSeconds(2)).until(() -> probes.isEmpty());
        assertEquals(0, monitor.checked());
    }

    /** An HTTP server on loopback answering each path with the status in {@code statuses} (404 otherwise), recording what was asked. */
    static HttpServer httpServer(Map<String, Integer> statuses, List<String> asked) throws java.io.IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            asked.add(path);
            exchange.sendResponseHeaders(statuses.getOrDefault(path, 404), -1);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
        return server;
    }

    @Test
    void twoRealServersOfOneVirtualServerAreCheckedEachWithItsOwnEffectiveCheck() throws Exception {
        Map<String, Integer> one = new ConcurrentHashMap<>(Map.of("/a", 200, "/b", 500));
        Map<String, Integer> two = new ConcurrentHashMap<>(Map.of("/a", 503, "/b", 200));
        List<String> askedOne = new CopyOnWriteArrayList<>();
        List<String> askedTwo = new CopyOnWriteArrayList<>();
        HttpServer s1 = httpServer(one, askedOne);
        HttpServer s2 = httpServer(two, askedTwo);
        try {
            // The virtual server checks /a for 200; rs2 overrides the path alone. A "second" is 50 ms, the timeout 1 s.
            HealthCheck vsCheck = new HealthCheck(HealthCheckKind.http, "/a", 200, null, null, null, null, 1, 20, 0, 1, 1);
            RealServer rs1 = new RealServer("rs1", "127.0.0.1", s1.getAddress().getPort(), 1, null, null, null, null, null)
                    .withDefaults("rs1", 80, RoutingMethod.nat);
            RealServer rs2 = new RealServer("rs2", "127.0.0.1", s2.getAddress().getPort(), 1, null, null, null, null,
                    new HealthCheck(null, "/b", null, null, null, null, null, null, null, null, null, null))
                    .withDefaults("rs2", 80, RoutingMethod.nat);
            desired.set(cluster(vsCheck, false, null, rs1, rs2));
            monitor = new HealthMonitor(desired::get, listener, LocalProber.network(), metrics, SECOND).start();
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> askedOne.size() >= 3 && askedTwo.size() >= 3);
            assertEquals(Set.of("/a"), Set.copyOf(askedOne), "rs1 gets the virtual server's check");
            assertEquals(Set.of("/b"), Set.copyOf(askedTwo), "rs2 gets its override's path");
            assertTrue(view.get().healthy("http", "rs1") && view.get().healthy("http", "rs2"));
            assertTrue(reports.isEmpty(), "each passes its own check (rs2 would fail the virtual server's): " + reports);

            // rs2's override now also expects 204: its /b answers 200, so rs2 alone fails, with the override's words.
            RealServer strict = rs2.withHealthCheck(new HealthCheck(null, "/b", 204, null, null, null, null, null, null, null, null, null));
            desired.set(cluster(vsCheck, false, null, rs1, strict));
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> !view.get().healthy("http", "rs2"));
            assertTrue(view.get().healthy("http", "rs1"));
            assertEquals("http", reports.get(0).virtualServer());
            assertEquals("rs2", reports.get(0).realServer());
            assertTrue(reports.get(0).reason().contains("204") && reports.get(0).reason().contains("200"), reports.get(0).reason());

            // Without the override rs2 gets the virtual server's check, /a, which its server fails too.
            askedTwo.clear();
            desired.set(cluster(vsCheck, false, null, rs1, rs2.withHealthCheck(null)));
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> askedTwo.contains("/a"));
            assertFalse(view.get().healthy("http", "rs2"));
        } finally {
            s1.stop(0);
            s2.stop(0);
        }
    }

    @Test
    void aRealServerWhoseOverrideIsKindNoneIsNotChecked() {
        RealServer off = rs(2).withHealthCheck(new HealthCheck(HealthCheckKind.none, null, null, null, null, null, null, null, null, null, null, null));
        start(cluster(check(1, 1, 0), false, null, rs(1), off));
        script.put("10.11.12.2", CheckResult.down("connect refused", 1));
        awaitProbes(1, 5);
        assertEquals(0, probesOf(2));
        assertEquals(1, monitor.checked());
        assertTrue(view.get().healthy("http", "rs2"), "an unchecked server counts as healthy");
    }
}
