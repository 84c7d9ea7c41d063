package io.lvscp.agent.bench;

import io.lvscp.agent.e2e.ClientRecording;
import io.lvscp.agent.e2e.ConnectionHolder;
import io.lvscp.agent.e2e.EchoServer;
import io.lvscp.agent.e2e.FailoverLab;
import io.lvscp.agent.vm.QemuVm;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How many established connections survive a router failover, and how long the client is without service, per
 * driver, with the cluster's connectionSync on and off (docs/benchmarks-failover.md, "Connections across a
 * failover"). For each combination: the seed's router pair ({@link FailoverLab}; for ipvs each router's kernel a VM
 * with Debian's kernel), N idle connections through the VIP to echo servers, a client starting a new HTTP request
 * every 50 ms; then the active router's links are cut and its agent killed. Figures: the connections still alive
 * when each is used again after the takeover, and the client-seen gap (fault to the first good request after the
 * last failed one). The dead router then comes back as a backup, and the next run starts from the other side.
 * <p>
 * A separate command, not a test: {@code ./mvnw -q -pl router-agent -am process-test-classes
 * -Dbench.main=ConnectionSurvivalBenchmark}. Properties: {@code bench.runs} (5), {@code bench.connections} (50),
 * {@code bench.drivers} (nftables,ipvs), {@code bench.sync} (off,on). Needs root, iproute2, nftables,
 * iputils-arping, qemu-system-x86 and what build-ipvs-vm.sh needs.
 */
public final class ConnectionSurvivalBenchmark {
    static final int RUNS = Integer.getInteger("bench.runs", 5);
    static final int CONNECTIONS = Integer.getInteger("bench.connections", 50);
    static final List<String> DRIVERS = List.of(System.getProperty("bench.drivers", "nftables,ipvs").split(","));
    static final List<String> SYNC = List.of(System.getProperty("bench.sync", "off,on").split(","));
    static final String VIP = FailoverLab.VIP;

    private ConnectionSurvivalBenchmark() {}

    public static void main(String[] args) throws Exception {
        String module = System.getProperty("bench.moduleDir", Files.isDirectory(Path.of("router-agent")) ? "router-agent" : ".");
        FailureDetectionBenchmark.outDir = Files.createDirectories(Path.of(module, "target", "survival-bench"));
        FailureDetectionBenchmark.useTestClassPathForChildren();
        System.out.println("connections across a router failover");
        System.out.println(FailureDetectionBenchmark.machine());
        List<String> summary = new ArrayList<>();
        for (String driver : DRIVERS) {
            for (String sync : SYNC) summary.add(combination(module, driver, sync.equals("on")));
        }
        System.out.println("---- summary (" + CONNECTIONS + " idle connections per run; gap: fault -> first good request after the last failure)");
        System.out.println("| driver | connectionSync | runs | connections surviving, median (worst) | client-seen gap ms, median (worst) |");
        System.out.println("|---|---|---|---|---|");
        summary.forEach(System.out::println);
        System.exit(0);
    }

    static String combination(String module, String driver, boolean sync) throws Exception {
        System.out.printf("---- %s, connectionSync %s; load average %s%n", driver, sync ? "on" : "off", FailureDetectionBenchmark.loadavg());
        QemuVm.Image image = driver.equals("ipvs")
                ? QemuVm.buildImage(Path.of(module, "src/test/vm/build-ipvs-vm.sh"), Path.of(module, "target/ipvs-vm"), Duration.ofMinutes(15))
                : null;
        List<Long> survived = new ArrayList<>();
        List<Long> gaps = new ArrayList<>();
        try (FailoverLab lab = new FailoverLab(3, image)) {
            for (int i = 1; i <= 3; i++) {
                lab.startServer(i, 80);
                lab.startServer(i, 7001, EchoServer.class);
            }
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (RunningControlPlane cp = RunningControlPlane.on(TestPostgres.newDatabase(), port)) {
                lab.bridgeTo(port);
                Response cluster = send(cp, "POST", "/v1/clusters", "{\"name\":\"web\",\"routingMethod\":\"nat\",\"natRouter\":{\"address\":\"10.11.12.10\","
                        + "\"netmask\":\"255.255.255.0\",\"device\":\"eth1:1\"},\"heartbeat\":{\"port\":539,\"keepaliveSeconds\":1,\"deadtimeSeconds\":3}"
                        + (sync ? ",\"connectionSync\":{\"device\":\"eth1\",\"syncId\":26}" : "") + "}");
                if (cluster.statusCode() != 201) throw new IllegalStateException("cluster: " + cluster.asString());
                for (String r : List.of("lvs1", "lvs2")) {
                    String host = r.equals("lvs1") ? "9" : "8";
                    send(cp, "POST", "/v1/clusters/web/routers", "{\"name\":\"" + r + "\",\"publicAddress\":\"192.168.26." + host
                            + "\",\"privateAddress\":\"10.11.12." + host + "\",\"rolePreference\":\"" + (r.equals("lvs1") ? "primary" : "backup") + "\"}");
                    lab.credential(r, cp.agentToken("web", r));
                }
                for (String vs : List.of("http", "echo")) {
                    int p = vs.equals("http") ? 80 : 7001;
                    send(cp, "POST", "/v1/clusters/web/virtual-servers", "{\"name\":\"" + vs + "\",\"address\":\"" + VIP + "\",\"netmask\":\"255.255.255.0\","
                            + "\"device\":\"eth0:1\",\"port\":" + p + ",\"scheduler\":\"rr\"}");
                    for (int i = 1; i <= 3; i++) {
                        send(cp, "POST", "/v1/clusters/web/virtual-servers/" + vs + "/real-servers",
                                "{\"name\":\"rs" + i + "\",\"address\":\"10.11.12." + i + "\",\"weight\":1}");
                    }
                }
                lab.startAgent("lvs1", false);
                await("lvs1 holds the VIPs", 90, () -> lab.holdsVips("lvs1"), lab);
                lab.startAgent("lvs2", false);
                awaitHearing(lab, "lvs2", "lvs1", 0);
                String refused = nacked(cp);
                if (refused != null) {
                    System.out.println("refused by the routers: " + refused);
                    return String.format("| %s | %s | - | refused: %s | - |", driver, sync ? "on" : "off", refused);
                }
                for (int run = 1; run <= RUNS; run++) {
                    long[] r = run(lab, driver, sync, run);
                    survived.add(r[0]);
                    gaps.add(r[1]);
                }
            }
        }
        return String.format("| %s | %s | %d | %d of %d (%d) | %d (%d) |", driver, sync ? "on" : "off", RUNS, median(survived), CONNECTIONS,
                Collections.min(survived), median(gaps), Collections.max(gaps));
    }

    /** One failover: {connections alive after it, client-seen gap in ms}. */
    static long[] run(FailoverLab lab, String driver, boolean sync, int run) throws Exception {
        String dead = lab.holdsVips("lvs1") ? "lvs1" : "lvs2";
        String survivor = dead.equals("lvs1") ? "lvs2" : "lvs1";
        Process held = lab.startClient(ConnectionHolder.class, VIP, "7001", String.valueOf(CONNECTIONS), "3000");
        BufferedReader heldOut = new BufferedReader(new InputStreamReader(held.getInputStream(), StandardCharsets.UTF_8));
        String open = heldOut.readLine();
        if (open == null || !open.startsWith("open ")) throw new IllegalStateException("connections did not open: " + open);
        long known = -1;
        if (driver.equals("ipvs") && sync) {
            // The sync daemon sends each connection once established: measured, not the daemon's batching.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((known = synced(lab, survivor)) < CONNECTIONS && System.nanoTime() < deadline) Thread.sleep(100);
        }
        try (ClientRecording client = new ClientRecording(lab, VIP, 80, 50, 500)) {
            client.awaitServed(Duration.ofSeconds(20));
            Thread.sleep(ThreadLocalRandom.current().nextLong(1000)); // a random phase against the 1 s heartbeats
            Instant fault = Instant.now();
            lab.link(dead, "eth0", false);
            lab.link(dead, "eth1", false);
            lab.killAgent(dead);
            await(survivor + " holds the VIPs", 30, () -> lab.holdsVips(survivor), lab);
            await("the client is served again", 30, () -> lab.probe(VIP, 80, 3).getOrDefault("failed", 0) == 0, lab);
            List<String> lines = client.stop();
            long gap = ClientRecording.recoveryMillis(lines, fault);
            send(held, "ping");
            String alive = heldOut.readLine();
            held.destroyForcibly();
            long survived = Long.parseLong(alive.substring("alive=".length(), alive.indexOf(' ')));
            System.out.printf("run %d: %s dies, %s takes over; %d of %d connections alive after it%s; client-seen gap %d ms (%d requests failed); load %s%n",
                    run, dead, survivor, survived, CONNECTIONS, known >= 0 ? " (the backup knew " + known + " before the fault)" : "", gap,
                    ClientRecording.failures(lines), FailureDetectionBenchmark.loadavg());
            // The dead router comes back as after a reboot: no floating addresses, links up, its agent started as backup.
            lab.dropVips(dead);
            lab.link(dead, "eth0", true);
            lab.link(dead, "eth1", true);
            int from = lab.log(dead).length();
            lab.startAgent(dead, false);
            awaitHearing(lab, dead, survivor, from);
            return new long[] {survived, gap};
        }
    }

    /** Connections to the echo service in the router's IPVS connection table. */
    static long synced(FailoverLab lab, String router) {
        String out = lab.kernel(router).run(List.of("ipvsadm", "-Lnc")).orThrow().stdout();
        return out.lines().filter(l -> l.contains("ESTABLISHED") && l.contains(VIP + ":7001")).count();
    }

    /** The routers' last error, when either refused the state (a driver that cannot do connectionSync). */
    static String nacked(RunningControlPlane cp) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long revision = send(cp, "GET", "/v1/clusters/web", null).jsonPath().getLong("revision");
        while (System.nanoTime() < deadline) {
            boolean applied = true;
            for (String r : List.of("lvs1", "lvs2")) {
                Response status = send(cp, "GET", "/v1/clusters/web/routers/" + r, null);
                String error = status.jsonPath().getString("status.lastError");
                if (error != null && !error.isEmpty()) return error;
                Long at = status.jsonPath().getObject("status.appliedRevision", Long.class);
                applied &= at != null && at >= revision;
            }
            if (applied) return null;
            Thread.sleep(100);
        }
        throw new IllegalStateException("the routers neither applied nor refused revision " + revision);
    }

    static void awaitHearing(FailoverLab lab, String router, String peer, int from) throws Exception {
        await(router + " hears " + peer, 60, () -> lab.log(router).indexOf("hearing peer " + peer, from) >= 0, lab);
    }

    static void await(String what, int seconds, Callable<Boolean> condition, FailoverLab lab) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not happen within " + seconds + " s\n--- lvs1:\n" + tail(lab.log("lvs1"))
                        + "\n--- lvs2:\n" + tail(lab.log("lvs2")));
            }
            Thread.sleep(50);
        }
    }

    static String tail(String log) {
        return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
    }

    static Response send(RunningControlPlane cp, String method, String path, String body) {
        var spec = RestAssured.given().baseUri(cp.baseUrl()).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN)
                .contentType("application/json");
        if (body != null) spec = spec.body(body);
        return spec.request(method, path);
    }

    static void send(Process p, String line) throws Exception {
        OutputStream out = p.getOutputStream();
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
