package io.lvscp.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.dataplane.ipvs.IpvsDriver;
import io.lvscp.agent.vm.QemuVm;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Packets through a real IPVS kernel, driven by the ipvs driver alone (no agent): the seed chapter's NAT router is
 * the VM of an {@link IpvsNatLab}, everything around it network namespaces on this host.
 */
class IpvsNatTrafficVmTest {
    private static final String VIP = IpvsNatLab.VIP;

    private static IpvsNatLab lab;
    private static QemuVm vm;
    private static IpvsDriver driver;

    @BeforeAll
    static void lab() throws Exception {
        lab = new IpvsNatLab(3);
        vm = lab.router();
        driver = new IpvsDriver(vm);
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    @Test
    void wrrSpreadsRequestsThroughTheVipByWeightAndFollowsAWeightChange() throws Exception {
        // A service of its own (VIP port 8082 to the servers' 80): the kernel folds per-CPU counters into the ones
        // ipvsadm reads only on its estimator tick, so another test's connections to a shared service could land
        // in the count after it was first read.
        ServiceKey web = ServiceKey.of(Protocol.tcp, VIP, 8082);
        ServiceTable weighted = table(web, 1, 2, 3);
        driver.apply(driver.read(), weighted);
        assertEquals(weighted, driver.read());

        // wrr's order repeats every sum-of-weights connections, so whole cycles give exact counts, but for one
        // thing: on this emulated VM the kernel now and then schedules one connection twice (seen in CI as 10/21/29
        // of 60, and as 112 counted for 110 answered; the client retries nothing; the cause is not established),
        // which moves one answer from one server to another. So each server is held to within one, and a server of
        // weight 0 to exactly none.
        assertSpread(Map.of("rs1", 10, "rs2", 20, "rs3", 30), probe(8082, 60));

        ServiceTable reweighted = table(web, 3, 2, 0);
        driver.apply(driver.read(), reweighted);
        assertSpread(Map.of("rs1", 30, "rs2", 20, "rs3", 0), probe(8082, 50));
        // The kernel counted every connection it forwarded; this kernel folds its per-CPU counters into the ones
        // ipvsadm reads on its 2-second estimator tick, so they are waited for. The service is new, so its count
        // starts at 0; a connection scheduled twice (above) is counted twice, so above there is a small margin;
        // below it is exact, since a forwarded connection the kernel did not count is the failure this looks for.
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            long counted = connectionsCounted(web);
            assertTrue(counted >= 110 && counted <= 113, "the kernel counted " + counted + " connections for 110 requests");
        });
    }

    @Test
    void schedulersBehaveAsNamedAndPersistenceKeepsAClientOnOneServerByItsNetmask() throws Exception {
        ServiceKey web = ServiceKey.of(Protocol.tcp, VIP, 80);
        // Source hashing (sh) and Maglev hashing (mh): one client address, one real server, every time.
        for (Scheduler hashing : List.of(Scheduler.sh, Scheduler.mh)) {
            driver.apply(driver.read(), table(web, hashing, 0, 1, 1, 1));
            Map<String, Integer> answers = probe(30);
            assertEquals(0, answers.remove("failed"), hashing + ": " + answers);
            assertEquals(1, answers.size(), hashing + " sends one client to one server: " + answers);
            assertEquals(30, answers.values().iterator().next());
        }
        // wlc over short connections: each closed one counts as inactive on its server, so the next goes to the
        // least loaded by weight, and sixty spread as 1:2:3 within a connection or two. A service of its own (VIP
        // port 8081 to the servers' 80), so no connection of the runs above counts.
        ServiceKey fresh = ServiceKey.of(Protocol.tcp, VIP, 8081);
        driver.apply(driver.read(), table(fresh, Scheduler.wlc, 0, 1, 2, 3));
        Map<String, Integer> wlc = probe(8081, 60);
        assertEquals(0, wlc.get("failed"), wlc.toString());
        for (int i = 1; i <= 3; i++) {
            int got = wlc.getOrDefault("rs" + i, 0);
            assertTrue(Math.abs(got - 10 * i) <= 2, "wlc gave rs" + i + " " + got + " of 60 at weight " + i + ": " + wlc);
        }
        // rr would alternate; with persistence the first choice holds for the client within the timeout.
        driver.apply(driver.read(), table(web, Scheduler.rr, 300, 1, 1, 1));
        String first = onlyServer(probe(30), "persistence keeps the client on one server");
        // The netmask is the unit persistence keys on: at /32 the neighbour (.101) is another client, and rr gives it
        // the next server; at /24 it is the same client as .100, and follows it to one server.
        String other = onlyServer(lab.probeFrom(lab.neighbour, VIP, 80, 30), "persistence keeps the neighbour on one server");
        assertTrue(!other.equals(first), "at netmask /32 two clients are two templates, and rr gave them two servers: " + first);
        ServiceKey subnet = ServiceKey.of(Protocol.tcp, VIP, 8083);
        driver.apply(driver.read(), withNetmask(table(subnet, Scheduler.rr, 300, 1, 1, 1), subnet, "255.255.255.0"));
        String shared = onlyServer(probe(8083, 30), "persistence keeps the client on one server");
        assertEquals(shared, onlyServer(lab.probeFrom(lab.neighbour, VIP, 8083, 30), "the neighbour"),
                "at netmask /24 the neighbour is the same client: one template, one server");
    }

    /** Every request answered, each server within one of its share, a server expected at 0 at exactly 0. */
    private static void assertSpread(Map<String, Integer> expected, Map<String, Integer> answers) {
        assertEquals(0, answers.getOrDefault("failed", -1), "every request answered: " + answers);
        expected.forEach((server, want) -> {
            int got = answers.getOrDefault(server, 0);
            if (want == 0) assertEquals(0, got, server + " at weight 0 gets no new connection: " + answers);
            else assertTrue(Math.abs(got - want) <= 1, server + " should answer " + want + " (within one): " + answers);
        });
        assertTrue(expected.keySet().containsAll(answers.keySet().stream().filter(k -> !k.equals("failed")).toList()),
                "only the service's servers answer: " + answers);
    }

    /** The one server that answered every request (none failed). */
    private static String onlyServer(Map<String, Integer> answers, String what) {
        assertEquals(0, answers.getOrDefault("failed", 0), what + ": " + answers);
        Map<String, Integer> servers = new TreeMap<>(answers);
        servers.remove("failed");
        assertEquals(1, servers.size(), what + ": " + answers);
        return servers.keySet().iterator().next();
    }

    private static ServiceTable withNetmask(ServiceTable t, ServiceKey key, String netmask) {
        Service s = t.services().get(key);
        TreeMap<ServiceKey, Service> services = new TreeMap<>(t.services());
        services.put(key, new Service(key, s.scheduler(), s.persistenceSeconds(), netmask, s.destinations()));
        return new ServiceTable(services);
    }

    @Test
    void aTableClearedByHandIsReadAsSuchAndTrafficFlowsAgainOnceRestored() throws Exception {
        ServiceKey web = ServiceKey.of(Protocol.tcp, VIP, 80);
        ServiceTable want = table(web, 1, 1, 1);
        driver.apply(driver.read(), want);
        assertEquals(Map.of("rs1", 3, "rs2", 3, "rs3", 3, "failed", 0), probe(9));

        vm.run(List.of("ipvsadm", "-C")).orThrow();
        assertEquals(ServiceTable.EMPTY, driver.read());
        // Without IPVS the VIP is just an address of the router's own: nothing listens there, every request fails.
        assertEquals(Map.of("failed", 3), probe(3));

        driver.apply(driver.read(), want);
        assertEquals(want, driver.read());
        assertEquals(Map.of("rs1", 3, "rs2", 3, "rs3", 3, "failed", 0), probe(9));
    }

    @Test
    void directRoutingCarriesTrafficToRealServersSetUpAsDocsRealServersSays() throws Exception {
        // docs/real-servers.md, direct routing: the router only rewrites the frame's MAC, so the packet reaching a
        // real server is still addressed to the VIP, from the client. The server answers the client directly, not
        // through the router (which would drop a packet from its own VIP as a martian): here each server gets a leg
        // on the public segment, eth1. The VIP goes on lo so the server takes packets addressed to it;
        // arp_ignore=1/arp_announce=2 keep it from answering or announcing the VIP on the wire (the router must own
        // it); rp_filter=2 (loose) since requests come in on eth0 and the route back to the client is eth1.
        List<Process> onVip = new ArrayList<>();
        try {
            for (int i = 0; i < lab.servers.size(); i++) {
                String s = lab.servers.get(i);
                lab.plug(s, "pub", "d" + (i + 1), "eth1");
                Netns.run(s, "ip", "addr", "add", "192.168.26." + (21 + i) + "/24", "dev", "eth1");
                for (List<String> argv : List.of(
                        List.of("ip", "addr", "add", VIP + "/32", "dev", "lo"),
                        List.of("sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1"),
                        List.of("sysctl", "-qw", "net.ipv4.conf.all.arp_announce=2"),
                        List.of("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=2"),
                        List.of("sysctl", "-qw", "net.ipv4.conf.eth0.rp_filter=2"),
                        List.of("sysctl", "-qw", "net.ipv4.conf.eth1.arp_ignore=1"),
                        List.of("sysctl", "-qw", "net.ipv4.conf.eth1.arp_announce=2"))) {
                    Netns.run(s, argv.toArray(String[]::new));
                }
                // The packets arrive addressed to the VIP: the service listens there.
                onVip.add(lab.start(lab.servers.get(i), NameServer.class, VIP, "80", "rs" + (i + 1)));
            }
            ServiceKey web = ServiceKey.of(Protocol.tcp, VIP, 80);
            ServiceTable direct = table(web, Scheduler.wrr, ForwardingMethod.gate, 0, 1, 2, 3);
            driver.apply(driver.read(), direct);
            assertEquals(direct, driver.read());
            assertEquals(Map.of("rs1", 10, "rs2", 20, "rs3", 30, "failed", 0), probe(60));
            // The client never learnt a real server's MAC for the VIP: the router alone answered ARP for it.
            String neighbours = Netns.run(lab.client, "ip", "neigh", "show", VIP);
            assertTrue(neighbours.contains(IpvsNatLab.ROUTER_PUBLIC_MAC), "the VIP resolves to the router's eth0: " + neighbours);
        } finally {
            for (Process p : onVip) p.destroyForcibly();
            for (String s : lab.servers) {
                Netns.run(s, "sh", "-c", "ip addr del " + VIP + "/32 dev lo; ip link del eth1; true");
            }
        }
    }

    @Test
    void tunnellingCarriesTrafficToARealServerSetUpAsDocsRealServersSays() throws Exception {
        // docs/real-servers.md, tunnelling: the router wraps each request in an IP-in-IP packet to the real server,
        // which unwraps it on tunl0 (the ipip module's fallback device, carrying the VIP) and answers the client
        // directly. This host's kernel has no ipip, so this real server is a VM of its own: eth0 on the private
        // segment, where the router's tunnel packets arrive, eth1 on the public one, where its answers leave.
        // arp_ignore/arp_announce keep it from answering ARP for the VIP there; rp_filter is off on tunl0 (the
        // unwrapped packet arrives there from a client routed via eth1) and loose on all.
        for (String tap : List.of("ttv", "ttp")) {
            Netns.run(lab.sw, "ip", "tuntap", "add", tap, "mode", "tap");
            Netns.run(lab.sw, "ip", "link", "set", tap, "master", tap.equals("ttv") ? "priv" : "pub", "up");
        }
        try (QemuVm tunnelled = QemuVm.boot(lab.image(), Duration.ofMinutes(3), Duration.ofMinutes(2), lab.sw,
                List.of(new QemuVm.Nic("ttv", "52:54:00:1a:00:31"), new QemuVm.Nic("ttp", "52:54:00:1a:00:32")))) {
            for (List<String> argv : List.of(
                    List.of("ip", "link", "set", "eth0", "up"),
                    List.of("ip", "link", "set", "eth1", "up"),
                    List.of("ip", "addr", "add", "10.11.12.31/24", "dev", "eth0"),
                    List.of("ip", "addr", "add", "192.168.26.31/24", "dev", "eth1"),
                    List.of("ip", "link", "set", "tunl0", "up"),
                    List.of("ip", "addr", "add", VIP + "/32", "dev", "tunl0"),
                    List.of("sysctl", "-w", "net.ipv4.conf.all.arp_ignore=1"),
                    List.of("sysctl", "-w", "net.ipv4.conf.all.arp_announce=2"),
                    List.of("sysctl", "-w", "net.ipv4.conf.eth1.arp_ignore=1"),
                    List.of("sysctl", "-w", "net.ipv4.conf.eth1.arp_announce=2"),
                    List.of("sysctl", "-w", "net.ipv4.conf.tunl0.rp_filter=0"),
                    List.of("sysctl", "-w", "net.ipv4.conf.all.rp_filter=2"),
                    // busybox's httpd, serving its name on the VIP, as NameServer does for the other tests.
                    List.of("sh", "-c", "mkdir -p /www && echo rs-tun >/www/index.html"),
                    List.of("httpd", "-p", VIP + ":80", "-h", "/www"))) {
                tunnelled.run(argv).orThrow();
            }
            ServiceKey web = ServiceKey.of(Protocol.tcp, VIP, 80);
            TreeMap<String, Destination> dests = new TreeMap<>();
            Destination d = new Destination("10.11.12.31", 80, ForwardingMethod.ipip, 1, 0, 0);
            dests.put(d.key(), d);
            ServiceTable tunnel = new ServiceTable(new TreeMap<>(Map.of(web, new Service(web, Scheduler.wrr, 0, null, dests))));
            driver.apply(driver.read(), tunnel);
            assertEquals(tunnel, driver.read());
            assertTrue(vm.run(List.of("ipvsadm", "-Sn")).orThrow().stdout().contains("-r 10.11.12.31:80 -i"), "an ipip real server");
            // A freshly booted VM answers its first connection after ARP on two segments, which on the emulated CPU
            // can outlast the probe's connect timeout: once one request is answered, every one must be.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> probe(1).getOrDefault("rs-tun", 0) == 1);
            assertEquals(Map.of("rs-tun", 10, "failed", 0), probe(10));
            // The answers came from the real server, not through the router: they left its public leg.
            String tx = tunnelled.run(List.of("cat", "/sys/class/net/eth1/statistics/tx_packets")).orThrow().stdout().strip();
            assertTrue(Long.parseLong(tx) >= 10, "the real server sent its answers from its public leg: " + tx + " packets");
        } finally {
            for (String tap : List.of("ttv", "ttp")) Netns.run(lab.sw, "ip", "link", "del", tap);
        }
    }

    private static long connectionsCounted(ServiceKey service) {
        String name = service.protocol() + " " + service.address() + ":" + service.port();
        return driver.stats().stream().filter(s -> s.service().equals(name)).mapToLong(s -> s.connections()).sum();
    }

    private static ServiceTable table(ServiceKey key, int... weights) {
        return table(key, Scheduler.wrr, 0, weights);
    }

    private static ServiceTable table(ServiceKey key, Scheduler scheduler, int persistenceSeconds, int... weights) {
        return table(key, scheduler, ForwardingMethod.masq, persistenceSeconds, weights);
    }

    private static ServiceTable table(ServiceKey key, Scheduler scheduler, ForwardingMethod method, int persistenceSeconds, int... weights) {
        TreeMap<String, Destination> dests = new TreeMap<>();
        for (int i = 0; i < weights.length; i++) {
            Destination d = new Destination("10.11.12." + (i + 1), 80, method, weights[i], 0, 0);
            dests.put(d.key(), d);
        }
        TreeMap<ServiceKey, Service> services = new TreeMap<>();
        services.put(key, new Service(key, scheduler, persistenceSeconds, persistenceSeconds > 0 ? "255.255.255.255" : null, dests));
        return new ServiceTable(services);
    }

    /** Who answered {@code count} requests from the client, each on a new connection. */
    private static Map<String, Integer> probe(int count) throws Exception {
        return probe(80, count);
    }

    private static Map<String, Integer> probe(int port, int count) throws Exception {
        return lab.probe(VIP, port, count);
    }
}
