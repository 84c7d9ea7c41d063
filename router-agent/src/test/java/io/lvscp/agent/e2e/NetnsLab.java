package io.lvscp.agent.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The seed chapter's NAT topology in network namespaces on this machine: a client on the public segment
 * (192.168.26.0/24), an LVS router with eth0 on it and eth1 (a bridge) on the private segment (10.11.12.0/24),
 * and real servers on the private segment whose gateway is the NAT router's floating address 10.11.12.10.
 * Every address lives inside namespaces this class made; {@link #close()} removes them and every process it
 * started, and a shutdown hook does so too if the JVM dies first.
 */
public final class NetnsLab implements AutoCloseable {
    public final String client;
    public final String router;
    public final List<String> servers = new ArrayList<>();
    private final String id;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, Process> serverProcesses = new HashMap<>();
    private final Thread cleanup = new Thread(this::teardown);

    public NetnsLab(int realServers) throws Exception {
        requireRootAndTools();
        id = Long.toString(ProcessHandle.current().pid() % 100000, 36) + Long.toString(System.nanoTime() % 10000, 36);
        client = "lvscp-c-" + id;
        router = "lvscp-r-" + id;
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            ns(client);
            ns(router);
            // public segment: client eth0 <-> router eth0
            sh("ip", "link", "add", "c" + id, "netns", client, "type", "veth", "peer", "name", "r" + id, "netns", router);
            in(client, "ip", "link", "set", "c" + id, "name", "eth0");
            in(router, "ip", "link", "set", "r" + id, "name", "eth0");
            in(client, "ip", "addr", "add", "192.168.26.100/24", "dev", "eth0");
            in(router, "ip", "addr", "add", "192.168.26.9/24", "dev", "eth0");
            // private segment: a bridge named eth1 in the router, one veth per real server
            in(router, "ip", "link", "add", "eth1", "type", "bridge");
            in(router, "ip", "addr", "add", "10.11.12.9/24", "dev", "eth1");
            for (int i = 1; i <= realServers; i++) {
                String s = "lvscp-s" + i + "-" + id;
                servers.add(s);
                ns(s);
                sh("ip", "link", "add", "s" + i + id, "netns", s, "type", "veth", "peer", "name", "b" + i + id, "netns", router);
                in(s, "ip", "link", "set", "s" + i + id, "name", "eth0");
                in(s, "ip", "addr", "add", "10.11.12." + i + "/24", "dev", "eth0");
                in(s, "ip", "link", "set", "eth0", "up");
                in(router, "ip", "link", "set", "b" + i + id, "master", "eth1", "up");
                // The seed's rule: the real servers' gateway is the NAT router's floating address.
                in(s, "ip", "route", "add", "default", "via", "10.11.12.10");
            }
            for (String n : List.of(client, router)) in(n, "ip", "link", "set", "eth0", "up");
            in(router, "ip", "link", "set", "eth1", "up");
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** Starts a real server answering with its name on 10.11.12.i:port. */
    public void startServer(int i, int port) throws Exception {
        Process p = Netns.start(servers.get(i - 1), NameServer.class, "10.11.12." + i, String.valueOf(port), "rs" + i);
        processes.add(p);
        serverProcesses.put("rs" + i, p);
    }

    // Health-check tests: real servers that take commands on stdin (answer 503, answer slowly) and can be stopped.
    private final Map<String, java.io.Writer> serverInputs = new HashMap<>();
    private final Map<String, BufferedReader> serverOutputs = new HashMap<>();

    /**
     * Starts real server i (10.11.12.i:port) running {@code main} with arguments address, port and {@code name}; it
     * must print "ready" when it listens. Its stdin stays open for {@link #tellServer}.
     */
    public synchronized void startServer(int i, int port, Class<?> main, String name) throws Exception {
        String ns = servers.get(i - 1);
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, javaBin(), "-cp", System.getProperty("java.class.path"),
                main.getName(), "10.11.12." + i, String.valueOf(port), name).redirectErrorStream(true).start();
        processes.add(p);
        serverProcesses.put("rs" + i, p);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (!"ready".equals(line)) throw new IllegalStateException("real server " + i + " did not start: " + line);
        serverInputs.put("rs" + i, new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        serverOutputs.put("rs" + i, r);
    }

    /** Sends one command line to real server i (started with a main that reads them) and returns its one-line answer. */
    public synchronized String tellServer(int i, String command) throws Exception {
        java.io.Writer w = serverInputs.get("rs" + i);
        if (w == null) throw new IllegalStateException("real server " + i + " takes no commands");
        w.write(command + "\n");
        w.flush();
        String answer = serverOutputs.get("rs" + i).readLine();
        if (answer == null) throw new IllegalStateException("real server " + i + " exited");
        return answer;
    }

    /** Kills real server i's process and waits until it is gone: its port refuses connections from then on. */
    public synchronized void stopServer(int i) throws Exception {
        Process p = serverProcesses.remove("rs" + i);
        if (p == null) throw new IllegalStateException("real server " + i + " is not running");
        serverInputs.remove("rs" + i);
        serverOutputs.remove("rs" + i);
        p.destroyForcibly();
        if (!p.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("real server " + i + " did not stop");
        processes.remove(p);
    }

    /** N requests from the client namespace to host:port; answers by server name, plus "failed". */
    public Map<String, Integer> probe(String host, int port, int count) throws Exception {
        return Netns.probe(client, host, port, count);
    }

    /** Runs a command in a namespace and returns its output; fails on a non-zero exit. */
    public String in(String ns, String... argv) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(argv));
        return sh(full.toArray(new String[0]));
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

    /** These tests need root, iproute2 and nftables; without them they fail, never skip. */
    static void requireRootAndTools() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!"0".equals(uid)) throw new IllegalStateException("network-namespace tests need root (uid 0), not uid " + uid);
        for (String tool : List.of("ip", "nft")) {
            try {
                sh(tool, "-V");
            } catch (IOException e) {
                throw new IllegalStateException(tool + " is not installed: apt-get install iproute2 nftables (.ci/run does)", e);
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
        processes.clear();
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
