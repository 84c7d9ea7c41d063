package io.lvscp.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.dataplane.ipvs.IpvsDriver;
import io.lvscp.agent.vm.QemuVm;
import io.lvscp.api.model.ConnectionSync;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.Scheduler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The IPVS sync daemon keeps established connections across a router takeover, on real IPVS kernels: two router
 * VMs (Debian's kernel, as in {@link IpvsNatTrafficVmTest}) on the seed's public and private segments, the active
 * one running the sync daemon as master on its private NIC, the backup as backup with the same sync id. The client
 * holds N idle TCP connections through the VIP to echo servers, the active router's links are cut, the backup takes
 * the VIP and the real servers' gateway and announces them, and every connection is used again. Without the daemon
 * the new router knows none of them and its own stack resets each; with it, all of them go on.
 * <p>
 * The addresses move by hand here (ip, arping in the VMs); the daemons are started by the ipvs driver, as the agent
 * does for a cluster's {@code connectionSync}.
 */
class IpvsConnectionSyncVmTest {
    private static final Path BUILD_SCRIPT = Path.of("src/test/vm/build-ipvs-vm.sh");
    private static final Path IMAGE_DIR = Path.of("target/ipvs-vm");
    private static final String VIP = "192.168.26.10";
    private static final String GATEWAY = "10.11.12.10";
    private static final int CONNECTIONS = 20;

    private static final List<String> namespaces = new ArrayList<>();
    private static final List<Process> processes = new ArrayList<>();
    private static String id;
    private static String sw;
    private static String client;
    private static QemuVm active;
    private static QemuVm backup;

    @BeforeAll
    static void lab() throws Exception {
        FailoverLab.requireRootAndTools();
        id = Long.toString(ProcessHandle.current().pid() % 10000, 36);
        sw = "lvscp-ysw-" + id;
        client = "lvscp-yc-" + id;
        ns(sw);
        for (String bridge : List.of("pub", "priv")) {
            in(sw, "ip", "link", "add", bridge, "type", "bridge");
            in(sw, "ip", "link", "set", bridge, "up");
            for (String vm : List.of("1", "2")) {
                in(sw, "ip", "tuntap", "add", "t" + vm + bridge, "mode", "tap");
                in(sw, "ip", "link", "set", "t" + vm + bridge, "master", bridge, "up");
            }
        }
        ns(client);
        plug(client, "pub", "c");
        in(client, "ip", "addr", "add", "192.168.26.100/24", "dev", "eth0");
        for (int i = 1; i <= 3; i++) {
            String s = "lvscp-ys" + i + "-" + id;
            ns(s);
            plug(s, "priv", "s" + i);
            in(s, "ip", "addr", "add", "10.11.12." + i + "/24", "dev", "eth0");
            in(s, "ip", "route", "add", "default", "via", GATEWAY);
            for (String port : List.of("7001", "7002")) start(s, EchoServer.class.getName(), "10.11.12." + i, port, "rs" + i);
        }
        QemuVm.Image image = QemuVm.buildImage(BUILD_SCRIPT, IMAGE_DIR, Duration.ofMinutes(15));
        active = router(image, "1", "10.11.12.9");
        backup = router(image, "2", "10.11.12.8");
        // Both routers hold the same table, as both agents of a pair program it; only the addresses move.
        for (QemuVm vm : List.of(active, backup)) {
            IpvsDriver driver = new IpvsDriver(vm);
            driver.apply(driver.read(), table(7001, 7002));
        }
        takeOver(active);
    }

    private static QemuVm router(QemuVm.Image image, String n, String privateAddress) {
        QemuVm vm = QemuVm.boot(image, Duration.ofMinutes(3), Duration.ofMinutes(2), sw,
                List.of(new QemuVm.Nic("t" + n + "pub", "52:54:00:1b:0" + n + ":01"), new QemuVm.Nic("t" + n + "priv", "52:54:00:1b:0" + n + ":02")));
        // The sync daemon sends from an address of its interface: each router has its own on the private segment.
        for (List<String> argv : List.of(
                List.of("ip", "link", "set", "eth0", "up"),
                List.of("ip", "link", "set", "eth1", "up"),
                List.of("ip", "addr", "add", privateAddress + "/24", "dev", "eth1"),
                List.of("sysctl", "-w", "net.ipv4.ip_forward=1"))) {
            vm.run(argv).orThrow();
        }
        return vm;
    }

    private static void takeOver(QemuVm vm) {
        vm.run(List.of("ip", "addr", "add", VIP + "/24", "dev", "eth0", "label", "eth0:1")).orThrow();
        vm.run(List.of("ip", "addr", "add", GATEWAY + "/24", "dev", "eth1", "label", "eth1:1")).orThrow();
        vm.run(List.of("arping", "-U", "-c", "2", "-I", "eth0", VIP)).orThrow();
        vm.run(List.of("arping", "-U", "-c", "2", "-I", "eth1", GATEWAY)).orThrow();
    }

    private static void giveUp(QemuVm vm) {
        vm.run(List.of("ip", "addr", "del", VIP + "/24", "dev", "eth0")).orThrow();
        vm.run(List.of("ip", "addr", "del", GATEWAY + "/24", "dev", "eth1")).orThrow();
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (QemuVm vm : new QemuVm[] {active, backup}) if (vm != null) vm.close();
        for (Process p : processes) p.destroyForcibly();
        for (String n : namespaces) new ProcessBuilder("ip", "netns", "del", n).start().waitFor();
    }

    @Test
    void withoutSyncEveryConnectionIsResetAtTakeoverAndWithSyncEveryOneSurvives() throws Exception {
        // Sync off: connections on port 7001 through the active router, then the backup takes over.
        Holder off = hold(7001);
        assertEquals("alive=" + CONNECTIONS + " dead=0", off.ping());
        takeOverFrom(active, backup);
        assertEquals("alive=0 dead=" + CONNECTIONS, off.ping());

        // Back to the first router (its links up again), the daemons on, a new set of connections on port 7002.
        takeOverFrom(backup, active);
        // As the agent runs them: master and backup daemons at once on both routers, so no takeover has to switch them.
        for (QemuVm vm : List.of(active, backup)) {
            IpvsDriver driver = new IpvsDriver(vm);
            assertEquals(2, driver.syncConnections(new ConnectionSync("eth1", 7)).size());
            assertEquals(List.of(), driver.syncConnections(new ConnectionSync("eth1", 7)), "already running: nothing to do");
        }
        Holder on = hold(7002);
        assertEquals("alive=" + CONNECTIONS + " dead=0", on.ping());
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertEquals(CONNECTIONS, established(backup, 7002), "connections the backup learnt from the sync daemon"));
        takeOverFrom(active, backup);
        assertEquals("alive=" + CONNECTIONS + " dead=0", on.ping());
        assertEquals("alive=" + CONNECTIONS + " dead=0", on.ping(), "and they go on being used");
        off.close();
        on.close();
    }

    /** The old router dies as a router does: its links go; the new one takes the addresses and announces them. */
    private static void takeOverFrom(QemuVm from, QemuVm to) {
        giveUp(from);
        from.run(List.of("ip", "link", "set", "eth0", "down")).orThrow();
        from.run(List.of("ip", "link", "set", "eth1", "down")).orThrow();
        takeOver(to);
        from.run(List.of("ip", "link", "set", "eth0", "up")).orThrow();
        from.run(List.of("ip", "link", "set", "eth1", "up")).orThrow();
    }

    private static long established(QemuVm vm, int port) {
        String conns = vm.run(List.of("ipvsadm", "-Lnc")).orThrow().stdout();
        return conns.lines().filter(l -> l.contains("ESTABLISHED") && l.contains(VIP + ":" + port)).count();
    }

    private static ServiceTable table(int... ports) {
        TreeMap<ServiceKey, Service> services = new TreeMap<>();
        for (int port : ports) {
            ServiceKey key = ServiceKey.of(Protocol.tcp, VIP, port);
            TreeMap<String, Destination> dests = new TreeMap<>();
            for (int i = 1; i <= 3; i++) {
                Destination d = new Destination("10.11.12." + i, port, ForwardingMethod.masq, 1, 0, 0);
                dests.put(d.key(), d);
            }
            services.put(key, new Service(key, Scheduler.rr, 0, null, dests));
        }
        return new ServiceTable(services);
    }

    /** A ConnectionHolder in the client namespace. */
    private record Holder(Process process, BufferedReader out, OutputStream in) implements AutoCloseable {
        String ping() throws Exception {
            in.write("ping\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            return out.readLine();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static Holder hold(int port) throws Exception {
        Process p = java(client, ConnectionHolder.class.getName(), VIP, String.valueOf(port), String.valueOf(CONNECTIONS), "5000").start();
        processes.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String open = out.readLine();
        // rr over three servers: the connections are spread, so the survival is not one server's.
        if (open == null || !open.matches("open rs1=7 rs2=7 rs3=6|open rs1=7 rs2=6 rs3=7|open rs1=6 rs2=7 rs3=7")) {
            throw new IllegalStateException("the client could not open its connections: " + open);
        }
        return new Holder(p, out, p.getOutputStream());
    }

    private static void ns(String name) throws Exception {
        FailoverLab.sh("ip", "netns", "add", name);
        namespaces.add(name);
        in(name, "ip", "link", "set", "lo", "up");
    }

    /** A veth named eth0 in {@code ns}, its other end a port of {@code bridge} in the switch namespace. */
    private static void plug(String ns, String bridge, String tag) throws Exception {
        String a = "a" + tag + id;
        String b = "b" + tag + id;
        FailoverLab.sh("ip", "link", "add", a, "netns", ns, "type", "veth", "peer", "name", b, "netns", sw);
        in(ns, "ip", "link", "set", a, "name", "eth0");
        in(ns, "ip", "link", "set", "eth0", "up");
        in(sw, "ip", "link", "set", b, "master", bridge, "up");
    }

    private static String in(String ns, String... argv) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(argv));
        return FailoverLab.sh(full.toArray(String[]::new));
    }

    private static void start(String ns, String main, String... args) throws Exception {
        Process p = java(ns, main, args).redirectErrorStream(true).start();
        processes.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(line)) throw new IllegalStateException(main + " in " + ns + " did not start: " + line);
    }

    private static ProcessBuilder java(String ns, String main, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), main));
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv);
    }
}
