package io.lvscp.agent.e2e;

import io.lvscp.agent.vm.QemuVm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The seed chapter's NAT topology around a real IPVS router: the router is a qemu VM with Debian's kernel (this
 * host's has no IPVS), its eth0 on the public segment (192.168.26.0/24, the VIP .10 as eth0:1) and its eth1 on the
 * private one (10.11.12.0/24, the real servers' gateway .10 as eth1:1), forwarding on. Both NICs are taps that qemu
 * opens in a "switch" namespace, bridged there to the veths of two client namespaces (.100 and .101, one /24 for
 * persistence netmasks) and of one namespace per
 * real server (10.11.12.i, each answering HTTP on port 80 with its name "rsi").
 * <p>
 * Why tap NICs into host namespaces rather than namespaces inside the VM: the clients and real servers are then
 * the same JVM programs the nftables end-to-end tests use (NameServer, HttpProbe), counted from the host, and only
 * the router's kernel is emulated, so TCG's slowness costs one hop instead of every host. No address outside these
 * namespaces and the VM is ever a target.
 * {@link #close()}, or a shutdown hook if the JVM dies first, stops the VM and every process and removes the
 * namespaces.
 */
public final class IpvsNatLab implements AutoCloseable {
    public static final String VIP = "192.168.26.10";
    public static final String GATEWAY = "10.11.12.10";
    /** The router's eth0: the MAC the client must learn for the VIP. */
    public static final String ROUTER_PUBLIC_MAC = "52:54:00:1c:00:01";
    private static final Path BUILD_SCRIPT = Path.of("src/test/vm/build-ipvs-vm.sh");
    private static final Path IMAGE_DIR = Path.of("target/ipvs-vm");

    public final String client;
    /** A second client, 192.168.26.101: in the first one's /24, another /32. */
    public final String neighbour;
    public final List<String> servers = new ArrayList<>();
    /** The namespace whose bridges "pub" and "priv" are the two segments, and where qemu opens its taps. */
    public final String sw;
    private final String id;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Thread cleanup = new Thread(this::teardown);
    private QemuVm.Image image;
    private QemuVm router;

    public IpvsNatLab(int realServers) throws Exception {
        this(realServers, null);
    }

    /** The lab, the router's image with {@code archive} (an extra initramfs archive, see QemuVm.Image#with) unless null. */
    public IpvsNatLab(int realServers, String archive) throws Exception {
        NetnsLab.requireRootAndTools();
        id = Long.toString(ProcessHandle.current().pid() % 10000, 36) + Long.toString(System.nanoTime() % 1000, 36);
        sw = "lvscp-vsw-" + id;
        client = "lvscp-vc-" + id;
        neighbour = "lvscp-vn-" + id;
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            ns(sw);
            for (String bridge : List.of("pub", "priv")) {
                Netns.run(sw, "ip", "link", "add", bridge, "type", "bridge");
                Netns.run(sw, "ip", "link", "set", bridge, "up");
                Netns.run(sw, "ip", "tuntap", "add", "t" + bridge, "mode", "tap");
                Netns.run(sw, "ip", "link", "set", "t" + bridge, "master", bridge, "up");
            }
            ns(client);
            plug(client, "pub", "c");
            Netns.run(client, "ip", "addr", "add", "192.168.26.100/24", "dev", "eth0");
            ns(neighbour);
            plug(neighbour, "pub", "n");
            Netns.run(neighbour, "ip", "addr", "add", "192.168.26.101/24", "dev", "eth0");
            for (int i = 1; i <= realServers; i++) {
                String s = "lvscp-vs" + i + "-" + id;
                ns(s);
                servers.add(s);
                plug(s, "priv", "s" + i);
                Netns.run(s, "ip", "addr", "add", "10.11.12." + i + "/24", "dev", "eth0");
                Netns.run(s, "ip", "route", "add", "default", "via", GATEWAY);
                processes.add(Netns.start(s, NameServer.class, "10.11.12." + i, "80", "rs" + i));
            }
            QemuVm.Image built = QemuVm.buildImage(BUILD_SCRIPT, IMAGE_DIR, Duration.ofMinutes(15));
            image = archive == null ? built : built.with(archive);
            router = QemuVm.boot(image, Duration.ofMinutes(3), Duration.ofMinutes(2), sw,
                    List.of(new QemuVm.Nic("tpub", ROUTER_PUBLIC_MAC), new QemuVm.Nic("tpriv", "52:54:00:1c:00:02")));
            for (List<String> argv : List.of(
                    List.of("ip", "link", "set", "eth0", "up"),
                    List.of("ip", "link", "set", "eth1", "up"),
                    List.of("ip", "addr", "add", VIP + "/24", "dev", "eth0", "label", "eth0:1"),
                    List.of("ip", "addr", "add", GATEWAY + "/24", "dev", "eth1", "label", "eth1:1"),
                    List.of("sysctl", "-w", "net.ipv4.ip_forward=1"))) {
                router.run(argv).orThrow();
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** The router VM: a {@link io.lvscp.agent.exec.CommandRunner} for its kernel. */
    public QemuVm router() {
        return router;
    }

    /** The image the router booted, for another VM on the same segments (a tunnelled real server). */
    public QemuVm.Image image() {
        return image;
    }

    /** {@code count} HTTP requests from the client to host:port, each on a new connection: answers by name, plus "failed". */
    public Map<String, Integer> probe(String host, int port, int count) throws Exception {
        return Netns.probe(client, host, port, count);
    }

    /** The same from another client namespace ({@link #neighbour}). */
    public Map<String, Integer> probeFrom(String ns, String host, int port, int count) throws Exception {
        return Netns.probe(ns, host, port, count);
    }

    private void ns(String name) throws Exception {
        NetnsLab.sh("ip", "netns", "add", name);
        namespaces.add(name);
        Netns.run(name, "ip", "link", "set", "lo", "up");
    }

    private void plug(String ns, String bridge, String tag) throws Exception {
        plug(ns, bridge, tag, "eth0");
    }

    /**
     * A veth named {@code name} in {@code ns}, its other end a port of {@code bridge} ("pub" or "priv") in the
     * switch namespace; {@code tag} keeps the host-side names apart. Removed with the namespace.
     */
    public void plug(String ns, String bridge, String tag, String name) throws Exception {
        String a = "a" + tag + id;
        String b = "b" + tag + id;
        NetnsLab.sh("ip", "link", "add", a, "netns", ns, "type", "veth", "peer", "name", b, "netns", sw);
        Netns.run(ns, "ip", "link", "set", a, "name", name);
        Netns.run(ns, "ip", "link", "set", name, "up");
        Netns.run(sw, "ip", "link", "set", b, "master", bridge, "up");
    }

    /** Starts {@code main} in {@code ns} (it prints "ready"), stopped with the lab. */
    public Process start(String ns, Class<?> main, String... args) throws Exception {
        Process p = Netns.start(ns, main, args);
        processes.add(p);
        return p;
    }

    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook runs teardown
        }
    }

    private synchronized void teardown() {
        if (router != null) router.close();
        router = null;
        for (Process p : processes) p.destroyForcibly();
        processes.clear();
        for (String n : namespaces) {
            try {
                NetnsLab.sh("ip", "netns", "del", n);
            } catch (Exception ignored) {
                // best effort: the namespace may be gone already
            }
        }
        namespaces.clear();
    }
}
