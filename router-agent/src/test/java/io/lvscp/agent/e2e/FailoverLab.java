package io.lvscp.agent.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.agent.vm.QemuVm;
import io.lvscp.agent.vm.VmRelay;
import io.lvscp.api.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The seed chapter's NAT cluster with both LVS routers, in network namespaces: a "switch" namespace holds two
 * bridges, the public segment (192.168.26.0/24: the client at .100, lvs1 at .9, lvs2 at .8, the VIP .10) and the
 * private one (10.11.12.0/24: lvs1 .9, lvs2 .8, real servers .1.., their gateway the floating .10). Each router's
 * agent runs as a process INSIDE its namespace (so its heartbeat socket is there, and kill -9 is a real crash); it
 * reaches the control plane on the host's loopback through a {@link LoopbackBridge} (a Unix socket file), so no
 * traffic ever targets an address outside the namespaces made here. {@link #close()} (or a shutdown hook) removes
 * the namespaces and every process started.
 */
public final class FailoverLab implements AutoCloseable {
    public static final String VIP = "192.168.26.10";
    public static final String NAT_VIP = "10.11.12.10";
    public final String sw;
    public final String client;
    public final Map<String, String> routers = new HashMap<>(); // router name -> namespace
    public final List<String> servers = new ArrayList<>();
    public final Path dir;
    /** The pair's heartbeat key (a 0600 file both agents name in failover.heartbeatKeyFile). */
    public final Path heartbeatKey;
    private final String id;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, Process> agents = new HashMap<>();
    private final Thread cleanup = new Thread(this::teardown);
    private LoopbackBridge.HostEnd bridge;
    private int controlPlanePort;
    private final Map<String, Path> credentials = new java.util.HashMap<>();
    /** With a router image: each router's kernel is a VM (IPVS), its agent's commands relayed to it. */
    private final QemuVm.Image routerImage;
    private final Map<String, QemuVm> vms = new HashMap<>();
    private final Map<String, VmRelay> relays = new HashMap<>();

    public FailoverLab(int realServers) throws Exception {
        this(realServers, null);
    }

    /**
     * The lab, and with {@code routerImage} (build-ipvs-vm.sh's) each router's kernel a qemu VM with Debian's kernel,
     * for the ipvs driver: this host's kernel has no IPVS. A router is then split in two. Its kernel (IPVS, the
     * floating addresses, forwarding, gratuitous ARP) is the VM, whose eth0 and eth1 are taps on the two segments
     * with addresses of their own (.19 for lvs1, .18 for lvs2). Its agent is the same process in the router's
     * namespace as with nftables, whose sockets (heartbeats from .9/.8, health checks) are there, and whose every
     * kernel command goes to the VM through a {@link VmRelay} ({@code commandPrefix}). A JVM does not fit in the
     * VM's initramfs, and under TCG would be too slow to keep a heartbeat.
     */
    public FailoverLab(int realServers, QemuVm.Image routerImage) throws Exception {
        this.routerImage = routerImage;
        requireRootAndTools();
        id = Long.toString(ProcessHandle.current().pid() % 10000, 36) + Long.toString(System.nanoTime() % 1000, 36);
        sw = "lvscp-fsw-" + id;
        client = "lvscp-fc-" + id;
        routers.put("lvs1", "lvscp-f1-" + id);
        routers.put("lvs2", "lvscp-f2-" + id);
        dir = Files.createTempDirectory("lvscp-failover-");
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        heartbeatKey = Files.createFile(dir.resolve("heartbeat.key"),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(heartbeatKey, java.util.HexFormat.of().formatHex(key) + "\n");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            ns(sw);
            ns(client);
            in(sw, "ip", "link", "add", "pub", "type", "bridge");
            in(sw, "ip", "link", "add", "priv", "type", "bridge");
            in(sw, "ip", "link", "set", "pub", "up");
            in(sw, "ip", "link", "set", "priv", "up");
            plug(client, "eth0", "pub", "c");
            in(client, "ip", "addr", "add", "192.168.26.100/24", "dev", "eth0");
            in(client, "ip", "link", "set", "eth0", "up");
            for (var r : List.of("lvs1", "lvs2")) {
                String n = routers.get(r);
                String host = r.equals("lvs1") ? "9" : "8";
                ns(n);
                plug(n, "eth0", "pub", r + "p");
                plug(n, "eth1", "priv", r + "v");
                in(n, "ip", "addr", "add", "192.168.26." + host + "/24", "dev", "eth0");
                in(n, "ip", "addr", "add", "10.11.12." + host + "/24", "dev", "eth1");
                in(n, "ip", "link", "set", "eth0", "up");
                in(n, "ip", "link", "set", "eth1", "up");
            }
            for (int i = 1; i <= realServers; i++) {
                String s = "lvscp-fs" + i + "-" + id;
                servers.add(s);
                ns(s);
                plug(s, "eth0", "priv", "s" + i);
                in(s, "ip", "addr", "add", "10.11.12." + i + "/24", "dev", "eth0");
                in(s, "ip", "link", "set", "eth0", "up");
                in(s, "ip", "route", "add", "default", "via", NAT_VIP);
            }
            if (routerImage != null) {
                for (var r : List.of("lvs1", "lvs2")) bootKernel(r);
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private void bootKernel(String router) throws Exception {
        String n = router.substring(3); // 1 or 2
        List<QemuVm.Nic> nics = new ArrayList<>();
        for (String bridge : List.of("pub", "priv")) {
            String tap = tap(router, bridge.equals("pub") ? "eth0" : "eth1");
            in(sw, "ip", "tuntap", "add", tap, "mode", "tap");
            in(sw, "ip", "link", "set", tap, "master", bridge, "up");
            nics.add(new QemuVm.Nic(tap, "52:54:00:1b:0" + n + ":0" + (bridge.equals("pub") ? 1 : 2)));
        }
        QemuVm vm = QemuVm.boot(routerImage, java.time.Duration.ofMinutes(3), java.time.Duration.ofMinutes(2), sw, nics);
        vms.put(router, vm);
        String host = router.equals("lvs1") ? "19" : "18";
        for (List<String> argv : List.of(
                List.of("ip", "link", "set", "eth0", "up"),
                List.of("ip", "link", "set", "eth1", "up"),
                List.of("ip", "addr", "add", "192.168.26." + host + "/24", "dev", "eth0"),
                List.of("ip", "addr", "add", "10.11.12." + host + "/24", "dev", "eth1"))) {
            vm.run(argv).orThrow();
        }
        relays.put(router, new VmRelay(vm, dir.resolve("kernel-" + router + ".sock")));
    }

    private static String tap(String router, String dev) {
        return "t" + router + dev;
    }

    /** Where router {@code router}'s kernel commands run: its VM, or its namespace. */
    public CommandRunner kernel(String router) {
        QemuVm vm = vms.get(router);
        return vm != null ? vm : ProcessRunner.inNetns(routers.get(router));
    }

    private String inKernel(String router, String... argv) {
        return kernel(router).run(List.of(argv)).orThrow().stdout();
    }

    /** A veth from {@code ns} (named {@code name} there) to a port of bridge {@code bridge} in the switch namespace. */
    private void plug(String ns, String name, String bridge, String tag) throws Exception {
        String a = "a" + tag + id;
        String b = "b" + tag + id;
        sh("ip", "link", "add", a, "netns", ns, "type", "veth", "peer", "name", b, "netns", sw);
        in(ns, "ip", "link", "set", a, "name", name);
        in(sw, "ip", "link", "set", b, "master", bridge, "up");
    }

    /** The bridge to the control plane: its host end, and a forwarder on 127.0.0.1:port in each router namespace. */
    public void bridgeTo(int port) throws Exception {
        controlPlanePort = port;
        bridge = new LoopbackBridge.HostEnd(dir.resolve("cp.sock"), port);
        for (String n : routers.values()) {
            Process p = java(n, LoopbackBridge.class.getName(), String.valueOf(port), bridge.socket().toString()).start();
            processes.add(p);
            String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (!"ready".equals(line)) throw new IllegalStateException("loopback bridge in " + n + " did not start: " + line);
        }
    }

    /** Starts a real server answering with its name on 10.11.12.i:port. */
    public Process startServer(int i, int port) throws Exception {
        return startServer(i, port, NameServer.class);
    }

    /** Starts {@code main} (NameServer, EchoServer: args address, port, name; prints "ready") on real server i. */
    public Process startServer(int i, int port, Class<?> main) throws Exception {
        Process p = java(servers.get(i - 1), main.getName(), "10.11.12." + i, String.valueOf(port), "rs" + i)
                .redirectErrorStream(true).start();
        processes.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(line)) throw new IllegalStateException("real server rs" + i + " did not start: " + line);
        return p;
    }

    /** Starts {@code main} with {@code args} in the client namespace; stopped by {@link #close()} if not before. */
    public Process startClient(Class<?> main, String... args) throws Exception {
        Process p = java(client, main.getName(), args).start();
        processes.add(p);
        return p;
    }

    /**
     * Starts router {@code router}'s agent inside its namespace (nftables driver, its own state directory, kept
     * across restarts), reaching the control plane through the bridge. Its log goes to {@code dir/agent-<router>.log}.
     */
    public void startAgent(String router, boolean preempt) throws Exception {
        if (agents.containsKey(router) && agents.get(router).isAlive()) throw new IllegalStateException(router + " is running");
        Path state = Files.createDirectories(dir.resolve("state-" + router));
        Path config = dir.resolve("agent-" + router + ".yaml");
        Files.writeString(config, String.join("\n",
                "controlPlane: http://127.0.0.1:" + controlPlanePort,
                "cluster: web",
                "router: " + router,
                "driver: " + (routerImage != null ? "ipvs" : "nftables"),
                relays.containsKey(router) ? "commandPrefix: " + Json.mapper().writeValueAsString(relays.get(router).prefix()) : "",
                "stateDir: " + state,
                "metricsPort: 9539",
                "metricsHost: 127.0.0.1",
                // A pass over the VM console costs seconds of emulated CPU: less often there.
                "reconcileSeconds: " + (routerImage != null ? 10 : 5),
                "heartbeatSeconds: 1",
                "preempt: " + preempt,
                credentials.containsKey(router) ? "tokenFile: " + credentials.get(router) : "",
                "failover:",
                "  heartbeatKeyFile: " + heartbeatKey, ""));
        ProcessBuilder pb = java(routers.get(router), "io.lvscp.agent.Main", "--config", config.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("LVSCP_"));
        Path log = dir.resolve("agent-" + router + ".log");
        Files.writeString(log, "---- agent " + router + " starting, preempt " + preempt + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        processes.add(p);
        agents.put(router, p);
    }

    /** The agent credential {@code router}'s agent is started with (written to a 0600 file, as in production). */
    public void credential(String router, String token) throws Exception {
        Path f = dir.resolve("token-" + router);
        Files.writeString(f, token + "\n");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        credentials.put(router, f);
    }

    /**
     * Starts a {@link HeartbeatForger} inside router {@code router}'s namespace (so from its addresses): forged
     * heartbeats of {@code router}, active, to {@code peerAddress}. Stopped by {@link #close()} or by destroying it.
     */
    public Process forgeHeartbeats(String router, String peerAddress, int port) throws Exception {
        Process p = java(routers.get(router), HeartbeatForger.class.getName(), "web", router, peerAddress, String.valueOf(port))
                .redirectErrorStream(true).start();
        processes.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(line)) throw new IllegalStateException("the forger in " + router + " did not start: " + line);
        return p;
    }

    /** Deletes router {@code router}'s saved state (its agent must not run): the next agent started there is brand-new. */
    public void forgetState(String router) throws Exception {
        if (agentAlive(router)) throw new IllegalStateException(router + "'s agent is running");
        Path state = dir.resolve("state-" + router);
        if (!Files.exists(state)) return;
        try (var files = Files.walk(state)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /**
     * Starts {@code ip monitor address} in router {@code router}'s namespace, its output to the returned file, and
     * returns once it is listening (it has seen a marker address come and go on lo): every address added there from
     * now on is in the file, however briefly it stayed. Stopped by {@link #close()}.
     */
    public Path monitorAddresses(String router) throws Exception {
        if (vms.containsKey(router)) throw new UnsupportedOperationException("no ip monitor for a router whose kernel is a VM");
        String ns = routers.get(router);
        Path out = dir.resolve("addresses-" + router + "-" + System.nanoTime() + ".log");
        processes.add(new ProcessBuilder("ip", "netns", "exec", ns, "ip", "monitor", "address").redirectErrorStream(true)
                .redirectOutput(out.toFile()).start());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(out).contains("127.0.0.99")) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("ip monitor in " + ns + " saw nothing: " + Files.readString(out));
            in(ns, "ip", "addr", "add", "127.0.0.99/32", "dev", "lo");
            in(ns, "ip", "addr", "del", "127.0.0.99/32", "dev", "lo");
            Thread.sleep(50);
        }
        return out;
    }

    /** kill -9 of the agent process (the JVM itself: ip netns exec execs it). */
    public void killAgent(String router) throws Exception {
        Process p = agents.remove(router);
        if (p == null) return;
        p.destroyForcibly(); // SIGKILL
        if (!p.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException(router + "'s agent did not die");
    }

    public boolean agentAlive(String router) {
        Process p = agents.get(router);
        return p != null && p.isAlive();
    }

    public long agentPid(String router) {
        return agents.get(router).pid();
    }

    public String log(String router) {
        try {
            return Files.readString(dir.resolve("agent-" + router + ".log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The kernel commands router {@code router}'s agent ran through its VM relay, one line each with its duration. */
    public String relayLog(String router) {
        try {
            return Files.readString(dir.resolve("kernel-" + router + ".sock.log"));
        } catch (IOException e) {
            return "(no relay log: " + e + ")";
        }
    }

    /** The IPv4 addresses on {@code dev} in router {@code router}'s namespace. */
    public Set<String> addresses(String router, String dev) throws Exception {
        Set<String> out = new HashSet<>();
        for (JsonNode link : Json.mapper().readTree(inKernel(router, "ip", "-j", "-4", "addr", "show", "dev", dev))) {
            for (JsonNode a : link.path("addr_info")) out.add(a.path("local").asText());
        }
        return out;
    }

    /** address%device of every IPv4 address in router {@code router}'s namespace (one command). */
    public Set<String> addresses(String router) throws Exception {
        Set<String> out = new HashSet<>();
        for (JsonNode link : Json.mapper().readTree(inKernel(router, "ip", "-j", "-4", "addr", "show"))) {
            for (JsonNode a : link.path("addr_info")) out.add(a.path("local").asText() + "%" + link.path("ifname").asText());
        }
        return out;
    }

    /** Whether router {@code router} holds both floating addresses (the VIP on eth0, the NAT router's on eth1). */
    public boolean holdsVips(String router) throws Exception {
        Set<String> a = addresses(router);
        return a.contains(VIP + "%eth0") && a.contains(NAT_VIP + "%eth1");
    }

    /** Whether router {@code router} holds neither. */
    public boolean holdsNoVip(String router) throws Exception {
        Set<String> a = addresses(router);
        return !a.contains(VIP + "%eth0") && !a.contains(NAT_VIP + "%eth1");
    }

    /** Removes the floating addresses from router {@code router}'s namespace by hand (those present). */
    public void dropVips(String router) throws Exception {
        Set<String> a = addresses(router);
        if (a.contains(VIP + "%eth0")) inKernel(router, "ip", "addr", "del", VIP + "/24", "dev", "eth0");
        if (a.contains(NAT_VIP + "%eth1")) inKernel(router, "ip", "addr", "del", NAT_VIP + "/24", "dev", "eth1");
    }

    public String mac(String router, String dev) throws Exception {
        return Json.mapper().readTree(inKernel(router, "ip", "-j", "link", "show", "dev", dev)).get(0).path("address").asText();
    }

    /** The link-layer address the client's neighbour table has for {@code address} (empty when none). */
    public String clientNeighbour(String address) throws Exception {
        JsonNode n = Json.mapper().readTree(in(client, "ip", "-j", "neigh", "show", address, "dev", "eth0"));
        return n.isEmpty() ? "" : n.get(0).path("lladdr").asText("");
    }

    /** The link-layer address real server {@code i}'s neighbour table has for {@code address} (empty when none). */
    public String serverNeighbour(int i, String address) throws Exception {
        JsonNode n = Json.mapper().readTree(in(servers.get(i - 1), "ip", "-j", "neigh", "show", address));
        return n.isEmpty() ? "" : n.get(0).path("lladdr").asText("");
    }

    /** N requests from the client namespace to host:port; answers by server name, plus "failed". */
    public Map<String, Integer> probe(String host, int port, int count) throws Exception {
        Process p = java(client, HttpProbe.class.getName(), host, String.valueOf(port), String.valueOf(count)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(120, TimeUnit.SECONDS)) throw new IllegalStateException("probe did not finish");
        Map<String, Integer> counts = new HashMap<>();
        String last = out.substring(out.lastIndexOf('\n') + 1);
        for (String part : last.split(" ")) {
            String[] kv = part.split("=");
            if (kv.length != 2) throw new IllegalStateException("probe printed: " + out);
            counts.put(kv[0], Integer.parseInt(kv[1]));
        }
        return counts;
    }

    /** Drops the heartbeats (UDP to or from {@code port}) into and out of router {@code router}'s namespace; nothing else. */
    public void cutHeartbeats(String router, int port) throws Exception {
        String ns = routers.get(router);
        in(ns, "nft", "add", "table", "inet", "lvscp_test_cut");
        for (String hook : List.of("input", "output")) {
            in(ns, "nft", "add", "chain", "inet", "lvscp_test_cut", hook, "{ type filter hook " + hook + " priority -10 ; }");
            in(ns, "nft", "add", "rule", "inet", "lvscp_test_cut", hook, "udp", "dport", String.valueOf(port), "drop");
        }
    }

    public void healHeartbeats(String router) throws Exception {
        in(routers.get(router), "nft", "delete", "table", "inet", "lvscp_test_cut");
    }

    /** Router {@code router}'s link {@code dev} up or down: its namespace's, and its VM's tap where it has one. */
    public void link(String router, String dev, boolean up) throws Exception {
        in(routers.get(router), "ip", "link", "set", dev, up ? "up" : "down");
        if (vms.containsKey(router)) in(sw, "ip", "link", "set", tap(router, dev), up ? "up" : "down");
    }

    /** Runs a command in a namespace and returns its output; fails on a non-zero exit. */
    public String in(String ns, String... argv) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(argv));
        return sh(full.toArray(new String[0]));
    }

    private ProcessBuilder java(String ns, String main, String... args) {
        // Small, quickly started JVMs: the machine runs many of them at once (agents, servers, probes).
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns, javaBin(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xss512k", "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"), main));
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv);
    }

    private void ns(String name) throws Exception {
        sh("ip", "netns", "add", name);
        namespaces.add(name);
        in(name, "ip", "link", "set", "lo", "up");
    }

    static String sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
        return out;
    }

    private static String javaBin() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** These tests need root, iproute2, nftables and iputils-arping; without them they fail, never skip. */
    static void requireRootAndTools() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!"0".equals(uid)) throw new IllegalStateException("network-namespace tests need root (uid 0), not uid " + uid);
        for (String[] tool : List.of(new String[] {"ip", "-V"}, new String[] {"nft", "-V"}, new String[] {"arping", "-V"})) {
            try {
                sh(tool);
            } catch (IOException e) {
                throw new IllegalStateException(tool[0] + " is not installed: apt-get install iproute2 nftables iputils-arping", e);
            }
        }
    }

    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }

    private synchronized void teardown() {
        for (Process p : processes) p.descendants().forEach(ProcessHandle::destroyForcibly);
        for (Process p : processes) p.destroyForcibly();
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        agents.clear();
        for (VmRelay r : relays.values()) r.close();
        relays.clear();
        for (QemuVm vm : vms.values()) vm.close();
        vms.clear();
        if (bridge != null) {
            try {
                bridge.close();
            } catch (IOException ignored) {
                // best effort
            }
            bridge = null;
        }
        for (String n : namespaces) {
            try {
                sh("ip", "netns", "del", n);
            } catch (Exception ignored) {
                // best effort: the namespace may be gone already
            }
        }
        namespaces.clear();
    }
}
