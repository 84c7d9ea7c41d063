package io.lvscp.agent.bench;

import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.dataplane.nft.NftablesDriver;
import io.lvscp.agent.e2e.FailoverLab;
import io.lvscp.agent.e2e.NetnsLab;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.api.stream.StreamMessage;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How long a failure lasts as a client sees it: a client in the client namespace ({@link ClientProbe}) starts an HTTP
 * request to the VIP every {@code bench.periodMs} on a new TCP connection, with short timeouts, and timestamps each
 * result; a fault is injected; the figure is the time from the first failed request to the first good one after the
 * last failure (by the instant each request was started). Two scenarios, each repeated {@code bench.runs} times:
 *
 * <ul>
 *   <li><b>health</b>: {@link NetnsLab}, one router whose agent (nftables driver, commands and check worker in the
 *       router namespace) checks three real servers over HTTP, as {@code HealthCheckEndToEndTest} sets it up. A real
 *       server dies: fault {@code kill} (its process is killed: connections are refused) and fault {@code cut} (its
 *       link goes down: nothing answers, connects time out). The server of each run rotates rs1, rs2, rs3. Beside
 *       the client's view it records when the agent's verdict changed (its {@code HealthMonitor}, polled every 5 ms)
 *       and when the nft transaction without the server returned (a driver wrapper).</li>
 *   <li><b>failover</b>: {@link FailoverLab}, two routers with their agents as processes in their namespaces. The
 *       active router dies: both its links go down (it stops forwarding and answering ARP, and its heartbeats stop)
 *       and its agent is killed with SIGKILL. Its kernel keeps the VIPs, unreachable. Beside the client's view it
 *       records when the survivor's agent logged its takeover, when the survivor held both VIPs, and when the
 *       client's and a real server's neighbour entries moved to the survivor's MACs (netlink events from
 *       {@code ip -n <ns> monitor}, timestamped as they arrive).
 *       Between runs the dead router comes back as after a reboot (no floating addresses, links up, agent started;
 *       preemption is off, so it stays backup) and the next run kills the other one.</li>
 * </ul>
 *
 * Not a test: {@code ./mvnw -q -pl router-agent -am process-test-classes -Dbench.main=FailureDetectionBenchmark}
 * (docs/benchmarks-failover.md). Needs root, iproute2, nftables, iputils-arping. Properties: {@code bench.runs} (5),
 * {@code bench.scenarios} (health,failover), {@code bench.healthFaults} (kill,cut), {@code bench.interval} (1),
 * {@code bench.timeout} (1), {@code bench.fall} (2), {@code bench.rise} (2), {@code bench.keepalive} (1),
 * {@code bench.deadtime} (3), {@code bench.periodMs} (20), {@code bench.requestTimeoutMs} (500),
 * {@code bench.settleMs} (1500), {@code bench.outDir} (router-agent/target/failover-bench: one CSV of requests per run).
 */
public final class FailureDetectionBenchmark {
    static final int RUNS = Integer.getInteger("bench.runs", 5);
    static final Set<String> SCENARIOS = new LinkedHashSet<>(List.of(System.getProperty("bench.scenarios", "health,failover").split(",")));
    static final List<String> HEALTH_FAULTS = List.of(System.getProperty("bench.healthFaults", "kill,cut").split(","));
    static final int INTERVAL = Integer.getInteger("bench.interval", 1);
    static final int TIMEOUT = Integer.getInteger("bench.timeout", 1);
    static final int FALL = Integer.getInteger("bench.fall", 2);
    static final int RISE = Integer.getInteger("bench.rise", 2);
    static final int KEEPALIVE = Integer.getInteger("bench.keepalive", 1);
    static final int DEADTIME = Integer.getInteger("bench.deadtime", 3);
    static final int PERIOD_MS = Integer.getInteger("bench.periodMs", 20);
    static final int REQUEST_TIMEOUT_MS = Integer.getInteger("bench.requestTimeoutMs", 500);
    static final long SETTLE_MS = Long.getLong("bench.settleMs", 1500);
    /** Each run (fault to recovery, and the repair after it) must finish within this, or the benchmark stops. */
    static final long RUN_BOUND_MS = 60_000;
    static final long WARMUP_MS = 5_000;
    static final String VIP = "192.168.26.10";

    static Path outDir;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private FailureDetectionBenchmark() {}

    public static void main(String[] args) throws Exception {
        String module = System.getProperty("bench.moduleDir", Files.isDirectory(Path.of("router-agent")) ? "router-agent" : ".");
        outDir = Files.createDirectories(Path.of(System.getProperty("bench.outDir", module + "/target/failover-bench")));
        useTestClassPathForChildren();
        System.out.println("failure detection and failover, as a client sees them");
        System.out.println(machine());
        System.out.printf("client: one request every %d ms, each a new TCP connection, connect and read timeout %d ms each;"
                + " a run's outcome is settled after %d ms without failure%n", PERIOD_MS, REQUEST_TIMEOUT_MS, SETTLE_MS);
        System.out.printf("runs per scenario: %d; per-request CSVs in %s%n%n", RUNS, outDir.toAbsolutePath());
        Map<String, List<Map<String, Double>>> results = new LinkedHashMap<>();
        if (SCENARIOS.contains("health")) results.putAll(health());
        if (SCENARIOS.contains("failover")) results.put("failover", failover());
        System.out.println();
        System.out.println("==== summary (ms; median, worst, best over the runs) ====");
        for (var e : results.entrySet()) summary(e.getKey(), e.getValue());
        System.out.printf("%nload average at the end: %s%n", loadavg());
    }

    // ---- health: a real server dies ------------------------------------------------------------------------------

    static Map<String, List<Map<String, Double>>> health() throws Exception {
        System.out.printf("---- health: HTTP check every %d s, timeout %d s, fall %d, rise %d, reentry 0 s; failed servers removed;"
                + " 3 real servers, scheduler rr (nftables: random); load average %s%n", INTERVAL, TIMEOUT, FALL, RISE, loadavg());
        Map<String, List<Map<String, Double>>> out = new LinkedHashMap<>();
        try (NetnsLab lab = new NetnsLab(3); RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            for (int i = 1; i <= 3; i++) lab.startServer(i, 80);
            send(cp, "POST", "/v1/clusters", "{\"name\":\"web\",\"routingMethod\":\"nat\",\"natRouter\":{\"address\":\"10.11.12.10\","
                    + "\"netmask\":\"255.255.255.0\",\"device\":\"eth1:1\"}}");
            send(cp, "POST", "/v1/clusters/web/routers", "{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\"}");
            send(cp, "POST", "/v1/clusters/web/virtual-servers", "{\"name\":\"http\",\"address\":\"" + VIP + "\",\"netmask\":\"255.255.255.0\","
                    + "\"device\":\"eth0:1\",\"port\":80,\"scheduler\":\"rr\",\"healthCheck\":{\"kind\":\"http\",\"path\":\"/\",\"expectStatus\":200,"
                    + "\"intervalSeconds\":" + INTERVAL + ",\"timeoutSeconds\":" + TIMEOUT + ",\"fall\":" + FALL + ",\"rise\":" + RISE
                    + ",\"reentrySeconds\":0}}");
            for (int i = 1; i <= 3; i++) {
                send(cp, "POST", "/v1/clusters/web/virtual-servers/http/real-servers",
                        "{\"name\":\"rs" + i + "\",\"address\":\"10.11.12." + i + "\",\"weight\":1}");
            }
            ProcessRunner runner = ProcessRunner.inNetns(lab.router);
            TimedDriver driver = new TimedDriver(new NftablesDriver(runner));
            AgentConfig config = new AgentConfig(cp.baseUrl(), "web", "lvs1", "nftables", Files.createTempDirectory("lvscp-bench-agent").toString(),
                    Map.of(), lab.router, -1, "127.0.0.1", 10.0, 1.0).withDefaults().withToken(cp.agentToken("web", "lvs1"));
            Set<String> all = Set.of("10.11.12.1", "10.11.12.2", "10.11.12.3");
            try (AgentRuntime agent = AgentRuntime.start(config, runner, driver);
                 Probe probe = Probe.start(lab.client, VIP, 80)) {
                awaitTrue("the kernel holds all three real servers", 30_000, () -> all.equals(driver.lastAddresses()));
                Thread.sleep(WARMUP_MS); // the client JVM's first requests are slow (class loading, JIT)
                awaitSteady(probe, Set.of("rs1", "rs2", "rs3"));
                for (String fault : HEALTH_FAULTS) {
                    List<Map<String, Double>> runs = new ArrayList<>();
                    for (int run = 1; run <= RUNS; run++) {
                        int k = (run - 1) % 3 + 1;
                        runs.add(healthRun(lab, agent, driver, probe, fault, run, k));
                        // Repair: the server back, in rotation again after rise successes, and the client content.
                        if (fault.equals("kill")) {
                            lab.startServer(k, 80);
                        } else {
                            String ns = lab.servers.get(k - 1);
                            ip("-n", ns, "link", "set", "eth0", "up");
                            // link down dropped the routes through it: the gateway route comes back by hand
                            ip("-n", ns, "route", "replace", "default", "via", "10.11.12.10");
                        }
                        awaitTrue("rs" + k + " back in the kernel", 30_000, () -> all.equals(driver.lastAddresses()));
                        awaitSteady(probe, Set.of("rs1", "rs2", "rs3"));
                    }
                    out.put("health-" + fault, runs);
                }
            }
        }
        return out;
    }

    static Map<String, Double> healthRun(NetnsLab lab, AgentRuntime agent, TimedDriver driver, Probe probe, String fault, int run, int k)
            throws Exception {
        String address = "10.11.12." + k;
        String rs = "rs" + k;
        Thread.sleep(ThreadLocalRandom.current().nextLong(INTERVAL * 1000L)); // a random phase against the check schedule
        int mark = driver.applyCount();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_BOUND_MS);
        long t0 = ClientProbe.micros();
        if (fault.equals("kill")) {
            lab.stopServer(k); // SIGKILL, and waits until the process is gone
        } else {
            ip("-n", lab.servers.get(k - 1), "link", "set", "eth0", "down");
        }
        long t1 = ClientProbe.micros();
        long detected = 0;
        TimedDriver.Apply removal = null;
        while (detected == 0 || removal == null) {
            if (detected == 0 && !agent.health().healthy("http", rs)) detected = ClientProbe.micros();
            if (removal == null) removal = driver.firstApplyWithout(mark, address);
            if (System.nanoTime() > deadline) throw new IllegalStateException(rs + " was not taken out (verdict at " + detected + ")");
            Thread.sleep(5);
        }
        TimedDriver.Apply applied = removal;
        Window w = awaitRecovery(probe, t0 - REQUEST_TIMEOUT_MS * 1000L, () -> applied.end(), deadline);
        w.stragglers(applied.end(), probe.since(t0 - REQUEST_TIMEOUT_MS * 1000L), probe.since(t0 - 120_000_000L));
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("client: first failed -> first good after the last failure", ms(w.firstGoodAfterLast.start - w.firstFail.start));
        m.put("client: the same, not counting failures after the table changed", w.firstGoodAfterLastBeforeChange == null ? 0
                : ms(w.firstGoodAfterLastBeforeChange.start - w.firstFail.start));
        m.put("client: fault -> first failed request started", ms(w.firstFail.start - t0));
        m.put("client: fault -> last failed request started", ms(w.lastFail.start - t0));
        m.put("fault injected (command took)", ms(t1 - t0));
        m.put("agent: fault -> verdict 'failed' (detection)", ms(detected - t0));
        m.put("agent: verdict -> nft transaction done", ms(applied.end() - detected));
        m.put("agent: nft transaction itself", ms(applied.end() - applied.start()));
        m.put("kernel: fault -> server out of the table", ms(applied.end() - t0));
        m.put("client: last failed start - table changed", ms(w.lastFail.start - applied.end()));
        m.put("requests failed (count)", (double) w.failed);
        m.put("requests in the failure window (count)", (double) w.inWindow);
        m.put("failures started after the table changed (count)", (double) w.late);
        m.put("... of them on the source port of an earlier failure (count)", (double) w.lateReused);
        System.out.printf("health-%s run %d (%s): failures %s; first failed -> first good %.0f ms; detection %.0f ms; table changed %.0f ms"
                        + " after the fault (nft %.0f ms); %d of %d requests in the window failed: %s; %d failed after the table changed,"
                        + " %d of them on a reused source port; load %s%n",
                fault, run, rs, range(w, t0), m.get("client: first failed -> first good after the last failure"),
                m.get("agent: fault -> verdict 'failed' (detection)"), m.get("kernel: fault -> server out of the table"),
                m.get("agent: nft transaction itself"), w.failed, w.inWindow, w.reasons, w.late, w.lateReused, loadavg());
        probe.dump(outDir.resolve("health-" + fault + "-run" + run + ".csv"), t0 - 2_000_000, t0);
        return m;
    }

    // ---- failover: the active router dies ------------------------------------------------------------------------

    static List<Map<String, Double>> failover() throws Exception {
        System.out.printf("---- failover: keepalive %d s, deadtime %d s, preemption off; the active router's links cut and its agent"
                + " killed (SIGKILL); 2 real servers, scheduler rr; load average %s%n", KEEPALIVE, DEADTIME, loadavg());
        List<Map<String, Double>> runs = new ArrayList<>();
        try (FailoverLab lab = new FailoverLab(2)) {
            for (int i = 1; i <= 2; i++) lab.startServer(i, 80);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (RunningControlPlane cp = RunningControlPlane.on(TestPostgres.newDatabase(), port)) {
                lab.bridgeTo(port);
                send(cp, "POST", "/v1/clusters", "{\"name\":\"web\",\"routingMethod\":\"nat\",\"natRouter\":{\"address\":\"10.11.12.10\","
                        + "\"netmask\":\"255.255.255.0\",\"device\":\"eth1:1\"},\"heartbeat\":{\"port\":539,\"keepaliveSeconds\":" + KEEPALIVE
                        + ",\"deadtimeSeconds\":" + DEADTIME + "}}");
                send(cp, "POST", "/v1/clusters/web/routers", "{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.11.12.9\",\"rolePreference\":\"primary\"}");
                send(cp, "POST", "/v1/clusters/web/routers", "{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.11.12.8\",\"rolePreference\":\"backup\"}");
                lab.credential("lvs1", cp.agentToken("web", "lvs1"));
                lab.credential("lvs2", cp.agentToken("web", "lvs2"));
                send(cp, "POST", "/v1/clusters/web/virtual-servers", "{\"name\":\"http\",\"address\":\"" + VIP + "\",\"netmask\":\"255.255.255.0\","
                        + "\"device\":\"eth0:1\",\"port\":80,\"scheduler\":\"rr\"}");
                for (int i = 1; i <= 2; i++) {
                    send(cp, "POST", "/v1/clusters/web/virtual-servers/http/real-servers", "{\"name\":\"rs" + i + "\",\"address\":\"10.11.12." + i + "\",\"weight\":1}");
                }
                // lvs1 first, until it is active (it hears no peer for deadtime), then lvs2, which finds it active.
                lab.startAgent("lvs1", false);
                awaitTrue("lvs1 active with the VIPs", 60_000, () -> lab.holdsVips("lvs1"), lab);
                lab.startAgent("lvs2", false);
                awaitListeningBackup(lab, "lvs2", "lvs1");
                try (Probe probe = Probe.start(lab.client, VIP, 80)) {
                    Thread.sleep(WARMUP_MS); // the client JVM's first requests are slow (class loading, JIT)
                    awaitSteady(probe, Set.of("rs1", "rs2"));
                    for (int run = 1; run <= RUNS; run++) {
                        runs.add(failoverRun(lab, probe, run));
                        awaitSteady(probe, Set.of("rs1", "rs2"));
                    }
                }
            }
        }
        return runs;
    }

    static Map<String, Double> failoverRun(FailoverLab lab, Probe probe, int run) throws Exception {
        String dead = lab.holdsVips("lvs1") ? "lvs1" : "lvs2";
        String survivor = dead.equals("lvs1") ? "lvs2" : "lvs1";
        if (!lab.holdsNoVip(survivor) || !lab.holdsVips(dead)) throw new IllegalStateException("not one active router before run " + run);
        if (segment(lab, survivor).contains("router " + survivor + " is now active")) {
            throw new IllegalStateException(survivor + " became active on its own before run " + run + "\n" + segment(lab, survivor));
        }
        Map<String, Double> m = new LinkedHashMap<>();
        String pubMac = lab.mac(survivor, "eth0");
        String privMac = lab.mac(survivor, "eth1");
        String rsNs = lab.servers.get(0);
        // Netlink events, timestamped as they arrive: the survivor's addresses, the client's and a real server's neighbours.
        try (Monitor addresses = Monitor.start(lab.routers.get(survivor), "address");
             Monitor clientNeigh = Monitor.start(lab.client, "neigh");
             Monitor rsNeigh = Monitor.start(rsNs, "neigh")) {
            Thread.sleep(ThreadLocalRandom.current().nextLong(KEEPALIVE * 1000L)); // a random phase against the heartbeats
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_BOUND_MS);
            long t0 = ClientProbe.micros();
            // Both links at once (one ip process): the router stops forwarding, answering ARP and sending heartbeats.
            ip("-n", lab.routers.get(dead), "-batch", linksDown().toString());
            long t1 = ClientProbe.micros();
            lab.killAgent(dead);
            long t2 = ClientProbe.micros();
            long vips = 0;
            long clientArp = 0;
            long gatewayArp = 0;
            while (vips == 0 || clientArp == 0 || gatewayArp == 0) {
                long pub = addresses.first(t0, l -> l.contains("inet " + VIP + "/"));
                long priv = addresses.first(t0, l -> l.contains("inet " + FailoverLab.NAT_VIP + "/"));
                if (pub > 0 && priv > 0) vips = Math.max(pub, priv);
                clientArp = clientNeigh.first(t0, l -> l.startsWith(VIP + " ") && l.contains("lladdr " + pubMac));
                gatewayArp = rsNeigh.first(t0, l -> l.startsWith(FailoverLab.NAT_VIP + " ") && l.contains("lladdr " + privMac));
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(survivor + " did not take over (vips " + vips + ", arp " + clientArp + "/" + gatewayArp + ")\n"
                            + segment(lab, survivor));
                }
                Thread.sleep(10);
            }
            long moved = Math.max(clientArp, gatewayArp);
            Window w = awaitRecovery(probe, t0 - REQUEST_TIMEOUT_MS * 1000L, () -> moved, deadline);
            w.stragglers(moved, probe.since(t0 - REQUEST_TIMEOUT_MS * 1000L), probe.since(t0 - 120_000_000L));
            String[] took = takeover(lab, survivor, t0);
            long role = Long.parseLong(took[0]);
            m.put("client: first failed -> first good after the last failure", ms(w.firstGoodAfterLast.start - w.firstFail.start));
            m.put("client: fault -> first good request started", ms(w.firstGoodAfterLast.start - t0));
            m.put("client: fault -> first failed request started", ms(w.firstFail.start - t0));
            m.put("fault injected: both links down (ip -batch took)", ms(t1 - t0));
            m.put("fault injected: agent killed (after the links)", ms(t2 - t0));
            m.put("survivor: fault -> 'is now active' logged (detection)", ms(role - t0));
            m.put("survivor: fault -> holds both VIPs (netlink event)", ms(vips - t0));
            m.put("client: fault -> neighbour entry for the VIP moved (netlink event)", ms(clientArp - t0));
            m.put("rs1: fault -> neighbour entry for the gateway moved (netlink event)", ms(gatewayArp - t0));
            m.put("requests failed (count)", (double) w.failed);
            m.put("good requests between failures (count)", (double) w.goodBetween);
            m.put("failures started after both neighbour entries moved (count)", (double) w.late);
            System.out.printf("failover run %d (%s dies, %s takes over: '%s'): failures %s; first failed -> first good %.0f ms;"
                            + " logged active %.0f ms, VIPs held %.0f ms, client ARP %.0f ms, gateway ARP %.0f ms after the fault; %d requests failed: %s; load %s%n",
                    run, dead, survivor, took[1], range(w, t0), m.get("client: first failed -> first good after the last failure"),
                    ms(role - t0), ms(vips - t0), ms(clientArp - t0), ms(gatewayArp - t0), w.failed, w.reasons, loadavg());
            probe.dump(outDir.resolve("failover-run" + run + ".csv"), t0 - 2_000_000, t0);
        }

        // The dead router comes back as after a reboot: no floating addresses, links up, its agent started (as backup).
        lab.dropVips(dead);
        ip("-n", lab.routers.get(dead), "link", "set", "eth0", "up");
        ip("-n", lab.routers.get(dead), "link", "set", "eth1", "up");
        lab.startAgent(dead, false);
        awaitListeningBackup(lab, dead, survivor);
        return m;
    }

    /**
     * Waits until {@code router}'s agent (just started) listens for heartbeats, has received two datagrams on it since
     * (the peer's heartbeats, a keepalive apart: the only UDP in a router namespace), holds no VIP, and stayed backup.
     */
    static void awaitListeningBackup(FailoverLab lab, String router, String peer) throws Exception {
        awaitTrue(router + "'s agent listening for heartbeats", 60_000, () -> segment(lab, router).contains("heartbeats with peer"), lab);
        long pid = lab.agentPid(router);
        long base = udpInDatagrams(pid); // the socket is bound: the agent logs its listening after the bind
        awaitTrue(router + " heard two heartbeats of " + peer, 30_000, () -> udpInDatagrams(pid) >= base + 2, lab);
        awaitTrue(router + " without VIPs, " + peer + " with them", 30_000, () -> lab.holdsNoVip(router) && lab.holdsVips(peer), lab);
        if (segment(lab, router).contains("is now active") || !lab.holdsNoVip(router) || !lab.holdsVips(peer)) {
            throw new IllegalStateException(router + " did not settle as backup\n" + segment(lab, router));
        }
    }

    /** UDP datagrams delivered to sockets in the network namespace of process {@code pid} ({@code /proc/<pid>/net/snmp}). */
    static long udpInDatagrams(long pid) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/net/snmp"));
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (!lines.get(i).startsWith("Udp: ") || !lines.get(i + 1).startsWith("Udp: ")) continue;
            List<String> names = List.of(lines.get(i).trim().split("\\s+"));
            return Long.parseLong(lines.get(i + 1).trim().split("\\s+")[names.indexOf("InDatagrams")]);
        }
        throw new IllegalStateException("no Udp counters in /proc/" + pid + "/net/snmp");
    }

    /** The agent log of {@code router} since its last start. */
    static String segment(FailoverLab lab, String router) {
        String log = lab.log(router);
        int i = log.lastIndexOf("---- agent " + router + " starting");
        return i < 0 ? log : log.substring(i);
    }

    /** When (epoch µs) the survivor's agent logged its takeover after {@code t0}, and the reason it gave. */
    static String[] takeover(FailoverLab lab, String survivor, long t0) {
        String marker = "router " + survivor + " is now active: ";
        for (String line : segment(lab, survivor).split("\n")) {
            int i = line.indexOf(marker);
            if (i < 0 || line.length() < 12) continue;
            long at = logTime(line.substring(0, 12));
            if (at >= t0 - 1_000_000) return new String[] {Long.toString(at), line.substring(i + marker.length()).strip()};
        }
        throw new IllegalStateException("no takeover logged by " + survivor + "\n" + segment(lab, survivor));
    }

    /** A logback time of day (HH:mm:ss.SSS, this machine's zone, today or just before midnight) as epoch µs. */
    static long logTime(String hhmmss) {
        LocalTime t = LocalTime.parse(hhmmss);
        long now = System.currentTimeMillis();
        long ms = LocalDate.now().atTime(t).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        if (ms > now + 12 * 3600_000L) ms -= 24 * 3600_000L;
        return ms * 1000;
    }

    // ---- the client's view -----------------------------------------------------------------------------------------

    record Req(long seq, long start, long end, int port, boolean ok, String what) {}

    /** The failures after a fault: first and last failed request, the first good one after each, counts. */
    static final class Window {
        Req firstFail;
        Req lastFail;
        Req firstGoodAfterLast;
        int failed;
        int inWindow;
        int goodBetween;
        final Map<String, Integer> reasons = new TreeMap<>();
        /** Failures that started after the change that should have ended them, and those of them on a reused source port. */
        int late;
        int lateReused;
        /** The first good request after the last failure that started before that change. */
        Req firstGoodAfterLastBeforeChange;

        /**
         * Looks at the failures that started after {@code changed}: a reused source port whose earlier connection (in
         * {@code history}, failed) is still in the router's conntrack table, in state SYN_SENT, goes where that one went.
         */
        Window stragglers(long changed, List<Req> byStart, List<Req> history) {
            Req lastBefore = null;
            for (Req r : byStart) {
                if (r.ok()) continue;
                if (r.start() <= changed) {
                    lastBefore = r;
                    continue;
                }
                late++;
                for (Req h : history) {
                    if (!h.ok() && h.port() == r.port() && h.start() < r.start() && h.seq() != r.seq()) {
                        lateReused++;
                        break;
                    }
                }
            }
            if (lastBefore != null) {
                for (Req r : byStart) {
                    if (r.ok() && r.start() > lastBefore.start()) {
                        firstGoodAfterLastBeforeChange = r;
                        break;
                    }
                }
            }
            return this;
        }

        static Window of(List<Req> byStart) {
            Window w = new Window();
            for (Req r : byStart) {
                if (!r.ok()) {
                    if (w.firstFail == null) w.firstFail = r;
                    w.lastFail = r;
                    w.failed++;
                    w.reasons.merge(r.what(), 1, Integer::sum);
                }
            }
            if (w.firstFail == null) return w;
            for (Req r : byStart) {
                if (r.start() >= w.firstFail.start() && r.start() <= w.lastFail.start()) {
                    w.inWindow++;
                    if (r.ok()) w.goodBetween++;
                }
                if (r.ok() && r.start() > w.lastFail.start() && w.firstGoodAfterLast == null) w.firstGoodAfterLast = r;
            }
            return w;
        }
    }

    /**
     * Waits until the failures that began at {@code from} or later are over: {@code changed} (epoch µs; 0 while not
     * known) is past by settle, and every request started up to settle after the last failure has come back good.
     */
    static Window awaitRecovery(Probe probe, long from, LongSupplier changed, long deadlineNanos) throws Exception {
        while (true) {
            long now = ClientProbe.micros();
            Window w = Window.of(probe.since(from));
            long c = changed.getAsLong();
            boolean settled = c > 0 && now - c >= SETTLE_MS * 1000 && w.firstFail != null && w.firstGoodAfterLast != null
                    && now - w.lastFail.start() >= (SETTLE_MS + REQUEST_TIMEOUT_MS + 200) * 1000;
            if (settled) return w;
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("the client did not recover: " + (w.firstFail == null ? "no failure seen at all" : "failures " + range(w, from)));
            }
            Thread.sleep(50);
        }
    }

    /** Until the last settle of finished requests all succeeded and every name in {@code names} answered. */
    static void awaitSteady(Probe probe, Set<String> names) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_BOUND_MS);
        while (true) {
            long now = ClientProbe.micros();
            long until = now - (REQUEST_TIMEOUT_MS + 200) * 1000L;
            List<Req> r = probe.since(until - SETTLE_MS * 1000);
            r.removeIf(q -> q.start() > until);
            Set<String> seen = new TreeSet<>();
            boolean allOk = !r.isEmpty();
            for (Req q : r) {
                if (q.ok()) seen.add(q.what());
                else allOk = false;
            }
            if (allOk && seen.containsAll(names)) return;
            if (System.nanoTime() > deadline) throw new IllegalStateException("the client is not steady: " + r.size() + " requests, answered " + seen);
            Thread.sleep(100);
        }
    }

    static String range(Window w, long t0) {
        if (w.firstFail == null) return "none";
        return String.format("%+.0f..%+.0f ms", ms(w.firstFail.start() - t0), ms(w.lastFail.start() - t0));
    }

    /** The client process in a namespace and what it reported. */
    static final class Probe implements AutoCloseable {
        private final Process process;
        private final List<Req> results = Collections.synchronizedList(new ArrayList<>());

        private Probe(Process process) {
            this.process = process;
        }

        static Probe start(String ns, String host, int port) throws Exception {
            List<String> argv = List.of("ip", "netns", "exec", ns, ProcessHandle.current().info().command().orElse("java"),
                    "-XX:+UseSerialGC", "-XX:-UsePerfData", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), ClientProbe.class.getName(),
                    host, String.valueOf(port), String.valueOf(PERIOD_MS), String.valueOf(REQUEST_TIMEOUT_MS));
            Process p = new ProcessBuilder(argv).redirectError(outDir.resolve("client-probe.err").toFile()).start();
            Probe probe = new Probe(p);
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String first = r.readLine();
                if (!"ready".equals(first)) throw new IllegalStateException("client probe did not start: " + first);
                Thread t = new Thread(() -> {
                    try {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            String[] f = line.split(" ", 6);
                            if (f.length < 6) continue;
                            probe.results.add(new Req(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3]),
                                    f[4].equals("ok"), f[5]));
                        }
                    } catch (IOException | RuntimeException e) {
                        // the probe ended
                    }
                }, "client-probe-reader");
                t.setDaemon(true);
                t.start();
                return probe;
            } catch (Exception e) {
                probe.close();
                throw e;
            }
        }

        /** Finished requests started at or after {@code from} (epoch µs), by start. */
        List<Req> since(long from) {
            List<Req> out = new ArrayList<>();
            synchronized (results) {
                for (int i = results.size() - 1; i >= 0; i--) {
                    Req r = results.get(i);
                    if (r.start() >= from) out.add(r);
                    else if (r.start() < from - 10_000_000) break; // completions lag starts by at most the timeouts
                }
            }
            out.sort(Comparator.comparingLong(Req::start));
            return out;
        }

        /** The requests started since {@code from}, times relative to the fault, as CSV. */
        void dump(Path file, long from, long t0) throws IOException {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
                w.println("seq,start_ms_after_fault,end_ms_after_fault,source_port,result,answer_or_reason");
                for (Req r : since(from)) {
                    w.printf("%d,%.1f,%.1f,%d,%s,%s%n", r.seq(), ms(r.start() - t0), ms(r.end() - t0), r.port(), r.ok() ? "ok" : "fail", r.what());
                }
            }
        }

        @Override
        public void close() {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // it is being killed anyway
            }
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the agent's kernel applies, timed ---------------------------------------------------------------------------

    /** The nftables driver, with the time of every apply and the real servers (weight above 0) each one left in the table. */
    static final class TimedDriver implements DataplaneDriver {
        record Apply(long start, long end, Set<String> addresses) {}

        private final DataplaneDriver driver;
        private final List<Apply> applies = Collections.synchronizedList(new ArrayList<>());

        TimedDriver(DataplaneDriver driver) {
            this.driver = driver;
        }

        @Override
        public String name() {
            return driver.name();
        }

        @Override
        public List<String> unsupported(ServiceTable desired) {
            return driver.unsupported(desired);
        }

        @Override
        public ServiceTable read() {
            return driver.read();
        }

        @Override
        public void apply(ServiceTable actual, ServiceTable desired) {
            long start = ClientProbe.micros();
            driver.apply(actual, desired);
            applies.add(new Apply(start, ClientProbe.micros(), addresses(desired)));
        }

        @Override
        public List<StreamMessage.DestinationStats> stats() {
            return driver.stats();
        }

        int applyCount() {
            return applies.size();
        }

        Set<String> lastAddresses() {
            synchronized (applies) {
                return applies.isEmpty() ? Set.of() : applies.get(applies.size() - 1).addresses();
            }
        }

        Apply firstApplyWithout(int from, String address) {
            synchronized (applies) {
                for (int i = from; i < applies.size(); i++) if (!applies.get(i).addresses().contains(address)) return applies.get(i);
            }
            return null;
        }

        private static Set<String> addresses(ServiceTable t) {
            Set<String> out = new TreeSet<>();
            for (Service s : t.services().values()) {
                for (Destination d : s.destinations().values()) if (d.weight() > 0) out.add(d.address());
            }
            return out;
        }
    }

    // ---- plumbing --------------------------------------------------------------------------------------------------

    /** {@code ip} with these arguments (iproute2's -n enters a network namespace without ip netns exec's mount work). */
    static String ip(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        return out;
    }

    /** An ip -batch file that takes both of a router's links down. */
    static Path linksDown() throws IOException {
        Path f = outDir.resolve("links-down.ip");
        if (!Files.exists(f)) Files.writeString(f, "link set eth0 down\nlink set eth1 down\n");
        return f;
    }

    /** {@code ip -n <ns> monitor <what>}: netlink events of a namespace, each line timestamped (epoch µs) when it arrives. */
    static final class Monitor implements AutoCloseable {
        record Line(long at, String text) {}

        private final Process process;
        private final List<Line> lines = Collections.synchronizedList(new ArrayList<>());

        private Monitor(Process process) {
            this.process = process;
        }

        /** Starts the monitor and returns once its netlink socket is subscribed (events from then on are seen). */
        static Monitor start(String ns, String what) throws Exception {
            Process p = new ProcessBuilder("ip", "-n", ns, "monitor", what).redirectErrorStream(true).start();
            Monitor m = new Monitor(p);
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) m.lines.add(new Line(ClientProbe.micros(), line));
                } catch (IOException e) {
                    // the monitor was stopped
                }
            }, "ip-monitor-" + what);
            t.setDaemon(true);
            t.start();
            try {
                awaitTrue("ip monitor " + what + " in " + ns + " subscribed", 30_000, () -> m.subscribed());
            } catch (Exception e) {
                m.close();
                throw e;
            }
            return m;
        }

        /**
         * Whether the process holds a netlink socket bound to multicast groups: one of its fds' inodes in
         * {@code /proc/<pid>/net/netlink} (its namespace's sockets) with a non-zero Groups column.
         */
        private boolean subscribed() throws IOException {
            if (!process.isAlive()) throw new IllegalStateException("ip monitor exited: " + lines);
            Set<String> inodes = new TreeSet<>();
            try (var fds = Files.list(Path.of("/proc/" + process.pid() + "/fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                }
            }
            List<String> table = Files.readAllLines(Path.of("/proc/" + process.pid() + "/net/netlink"));
            List<String> header = List.of(table.get(0).trim().split("\\s+"));
            int groups = header.indexOf("Groups");
            int inode = header.indexOf("Inode");
            for (String row : table.subList(1, table.size())) {
                String[] f = row.trim().split("\\s+");
                if (f.length > Math.max(groups, inode) && inodes.contains(f[inode]) && Long.parseLong(f[groups], 16) != 0) return true;
            }
            return false;
        }

        /** When the first event at or after {@code after} (not a deletion) matching {@code p} arrived; 0 if none yet. */
        long first(long after, java.util.function.Predicate<String> p) {
            synchronized (lines) {
                for (Line l : lines) if (l.at() >= after && !l.text().startsWith("Deleted") && p.test(l.text())) return l.at();
            }
            return 0;
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(String what, long boundMs, Check c) throws Exception {
        awaitTrue(what, boundMs, c, null);
    }

    static void awaitTrue(String what, long boundMs, Check c, FailoverLab lab) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMs);
        while (!c.ok()) {
            if (System.nanoTime() > deadline) {
                String logs = lab == null ? "" : "\n--- lvs1:\n" + tail(lab.log("lvs1")) + "\n--- lvs2:\n" + tail(lab.log("lvs2"));
                throw new IllegalStateException(what + ": not within " + boundMs + " ms" + logs);
            }
            Thread.sleep(25);
        }
    }

    static String tail(String s) {
        return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    }

    static void send(RunningControlPlane cp, String method, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
    }

    static double ms(long micros) {
        return micros / 1000.0;
    }

    static void summary(String scenario, List<Map<String, Double>> runs) {
        if (runs.isEmpty()) return;
        System.out.printf("%n%s (%d runs)%n", scenario, runs.size());
        System.out.printf("  %-62s %9s %9s %9s%n", "", "median", "worst", "best");
        for (String key : runs.get(0).keySet()) {
            List<Double> v = new ArrayList<>();
            for (Map<String, Double> r : runs) v.add(r.get(key));
            Collections.sort(v);
            int n = v.size();
            double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
            System.out.printf("  %-62s %9.0f %9.0f %9.0f%n", key, median, v.get(n - 1), v.get(0));
        }
    }

    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    static String machine() {
        String model = "?";
        String mem = "?";
        String kernel = "?";
        try {
            model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
            mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst()
                    .map(l -> l.replaceAll("\\s+", " ")).orElse("?");
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException ignored) {
            // reported as "?"
        }
        return String.format("machine: %d CPUs (%s), %s, kernel %s, Java %s, load average %s", Runtime.getRuntime().availableProcessors(),
                model, mem, kernel, System.getProperty("java.runtime.version"), loadavg());
    }

    /**
     * The labs start child JVMs (real servers, check worker, agents, the client) with this JVM's {@code java.class.path}.
     * Under exec:java that is Maven's launcher, not the test class path, which lives in the plugin's class loader: use
     * that. Its class directories are copied first (to {@code bench.outDir}/classpath), so that a build running in the
     * same tree meanwhile (which deletes and rewrites target/test-classes) cannot take classes away from the children.
     */
    static void useTestClassPathForChildren() throws Exception {
        List<String> parts = new ArrayList<>();
        String cp = System.getProperty("java.class.path", "");
        if (cp.contains("test-classes")) {
            parts.addAll(List.of(cp.split(File.pathSeparator)));
        } else if (FailureDetectionBenchmark.class.getClassLoader() instanceof URLClassLoader u) {
            for (URL url : u.getURLs()) if ("file".equals(url.getProtocol())) parts.add(Path.of(url.toURI()).toString());
        }
        if (parts.stream().noneMatch(p -> p.contains("test-classes"))) {
            throw new IllegalStateException("cannot find the test class path for the child JVMs (java.class.path is " + cp + ")");
        }
        Path snapshot = outDir.resolve("classpath");
        if (Files.exists(snapshot)) {
            try (var walk = Files.walk(snapshot)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            Path from = Path.of(parts.get(i));
            if (!Files.isDirectory(from)) {
                out.add(parts.get(i));
                continue;
            }
            preload(from);
            Path to = snapshot.resolve(i + "-" + from.getFileName());
            try (var walk = Files.walk(from)) {
                for (Path p : walk.toList()) {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(target);
                    else Files.copy(p, target);
                }
            }
            out.add(to.toString());
        }
        System.setProperty("java.class.path", String.join(File.pathSeparator, out));
    }

    /** Loads (without initialising) every class of a class directory into this JVM now, for the same reason. */
    private static void preload(Path classes) throws IOException {
        ClassLoader loader = FailureDetectionBenchmark.class.getClassLoader();
        try (var walk = Files.walk(classes)) {
            for (Path p : walk.filter(f -> f.toString().endsWith(".class")).toList()) {
                String rel = classes.relativize(p).toString();
                if (rel.endsWith("module-info.class") || rel.endsWith("package-info.class")) continue;
                try {
                    Class.forName(rel.substring(0, rel.length() - 6).replace(File.separatorChar, '.'), false, loader);
                } catch (Throwable ignored) {
                    // a class whose dependencies are not on this class path is not used here either
                }
            }
        }
    }
}
