package io.lvscp.agent.host;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterSettings;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.Heartbeat;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.Scheduler;
import io.lvscp.api.model.VirtualServerSpec;
import io.lvscp.api.model.VirtualServerState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * IPv6 VIPs announced on takeover, on a real kernel: a "switch" namespace with a bridge, and on it the new active
 * router, the old one (which still holds the VIP, as after a crash of its agent) and a client whose neighbour entry
 * for the VIP points at the old one. The new router's HostNetwork adds the VIP; the client's entry must move to the
 * new router's MAC, by the kernel's unsolicited neighbour advertisement. Needs root and ip; fails rather than skips.
 */
class HostNetworkIpv6NetnsTest {
    static final String VIP = "fd00:26::10";
    static final CommandRunner HOST = ProcessRunner.local();

    final String id = Long.toString(ProcessHandle.current().pid() % 10000, 36) + Long.toString(System.nanoTime() % 1000, 36);
    final String sw = "lvscp-6s-" + id;
    final String router = "lvscp-6r-" + id;
    final String old = "lvscp-6o-" + id;
    final String client = "lvscp-6c-" + id;
    final List<String> namespaces = new ArrayList<>();
    final List<String> ran = new ArrayList<>();
    Path stateDir;

    void in(String ns, String... argv) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(argv));
        HOST.run(full).orThrow();
    }

    String out(String ns, String... argv) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(argv));
        return HOST.run(full).orThrow().stdout();
    }

    @BeforeEach
    void lab() throws Exception {
        assertEquals(0, Files.getAttribute(Path.of("/proc/self"), "unix:uid"), "this test makes network namespaces, which needs root");
        stateDir = Files.createTempDirectory("lvscp-ipv6-");
        for (String ns : List.of(sw, router, old, client)) {
            HOST.run(List.of("ip", "netns", "add", ns)).orThrow();
            namespaces.add(ns);
        }
        in(sw, "ip", "link", "add", "br0", "type", "bridge");
        in(sw, "ip", "link", "set", "br0", "up");
        for (String ns : List.of(router, old, client)) {
            String a = "a" + namespaces.indexOf(ns) + id;
            String b = "b" + namespaces.indexOf(ns) + id;
            HOST.run(List.of("ip", "link", "add", a, "netns", ns, "type", "veth", "peer", "name", b, "netns", sw)).orThrow();
            in(ns, "ip", "link", "set", a, "name", "eth0");
            in(ns, "ip", "link", "set", "eth0", "up");
            in(sw, "ip", "link", "set", b, "master", "br0", "up");
        }
        in(client, "ip", "addr", "add", "fd00:26::100/64", "dev", "eth0", "nodad");
        in(old, "ip", "addr", "add", VIP + "/64", "dev", "eth0", "nodad"); // the old active router, its agent gone, still holds it
    }

    @AfterEach
    void teardown() {
        for (String ns : namespaces) HOST.run(List.of("ip", "netns", "del", ns));
    }

    String mac(String ns) throws Exception {
        return Json.mapper().readTree(out(ns, "ip", "-j", "link", "show", "dev", "eth0")).get(0).path("address").asText();
    }

    /** The client's neighbour entry for the VIP (empty when none). */
    String clientNeighbour() throws Exception {
        JsonNode n = Json.mapper().readTree(out(client, "ip", "-j", "-6", "neigh", "show", VIP, "dev", "eth0"));
        return n.isEmpty() ? "" : n.get(0).path("lladdr").asText("");
    }

    /** The VIP's flags on the router (tentative, dadfailed...), or null when it is not there. */
    JsonNode routerVip() throws Exception {
        for (JsonNode a : Json.mapper().readTree(out(router, "ip", "-j", "-6", "addr", "show", "dev", "eth0")).get(0).path("addr_info")) {
            if (VIP.equals(a.path("local").asText())) return a;
        }
        return null;
    }

    String sysctl(String key) {
        return out(router, "sysctl", "-n", key).strip();
    }

    static ClusterState withVip(boolean v6) {
        var vs = new VirtualServerSpec("http6", v6 ? VIP : "192.168.26.10", v6 ? "64" : "255.255.255.0", "eth0", 80, null, null,
                Scheduler.wlc, null, null, null, null, null, null).withDefaults("http6");
        return ClusterState.absent("web").withSettings(new ClusterSettings("web", RoutingMethod.direct, null, Heartbeat.defaults()))
                .withVirtualServer(VirtualServerState.of(vs)).atRevision(1);
    }

    @Test
    void takingOverAnIpv6VipMovesTheNeighboursAtOnceEvenWhileTheOldRouterStillHoldsIt() throws Exception {
        String oldMac = mac(old);
        String newMac = mac(router);
        // The client has been talking to the VIP: its entry points at the old router.
        Awaitility.await("the client's entry for the VIP is the old router").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    in(client, "bash", "-c", "echo x > /dev/udp/" + VIP + "/9");
                    return clientNeighbour().equals(oldMac);
                });
        String notifyWas = sysctl("net.ipv6.conf.eth0.ndisc_notify");
        String dadWas = sysctl("net.ipv6.conf.eth0.accept_dad");
        assertEquals("0", notifyWas, "the kernel's default");
        assertEquals("1", dadWas, "the kernel's default");

        HostNetwork net = new HostNetwork(ProcessRunner.inNetns(router).observedBy(argv -> ran.add(String.join(" ", argv))), d -> d, stateDir);
        // As backup: the device is made ready, no address yet.
        assertEquals(List.of("set net/ipv6/conf/eth0/accept_dad=0", "set net/ipv6/conf/eth0/ndisc_notify=1"), net.apply(withVip(true), false));
        assertNull(routerVip());
        assertEquals("1", sysctl("net.ipv6.conf.eth0.ndisc_notify"));
        assertEquals("0", sysctl("net.ipv6.conf.eth0.accept_dad"));

        // Takeover.
        assertEquals(List.of("added " + VIP + "/64 on eth0"), net.apply(withVip(true), true));
        Awaitility.await("the client's entry for the VIP moved to the new router").atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(20)).until(() -> clientNeighbour().equals(newMac));
        JsonNode a = routerVip();
        assertFalse(a.path("tentative").asBoolean(false) || a.path("dadfailed").asBoolean(false), "usable at once, no DAD: " + a);
        assertTrue(ran.stream().noneMatch(c -> c.contains("nodad")), "nodad would suppress the advertisement: " + ran);

        // A pass with nothing to change changes nothing.
        assertEquals(List.of(), net.apply(withVip(true), true));

        // The IPv6 VIP leaves the configuration: the address goes, the settings are as they were.
        assertEquals(List.of("restored net/ipv6/conf/eth0/accept_dad to 1", "restored net/ipv6/conf/eth0/ndisc_notify to 0",
                "removed " + VIP + "/64 on eth0"), net.apply(withVip(false), false));
        assertEquals(notifyWas, sysctl("net.ipv6.conf.eth0.ndisc_notify"));
        assertEquals(dadWas, sysctl("net.ipv6.conf.eth0.accept_dad"));
        assertNull(routerVip());
    }
}
