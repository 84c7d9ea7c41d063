package io.lvscp.agent.host;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.state.AtomicFiles;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.VirtualServerState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * What the router needs around the load-balancing table: the floating VIPs (each virtual server's, and the NAT
 * router's private one) on their devices, IP forwarding for NAT clusters, and on devices with IPv6 VIPs the two
 * settings that make the kernel announce them ({@link #IPV6_VIP_DEVICE}). Level-based like the drivers:
 * it reads the kernel and changes only what differs. It touches only what it created: addresses it added are
 * remembered in the state directory, and an address someone else configured is left alone (and never removed).
 */
public final class HostNetwork implements HostAddresses {
    private static final String FORWARDING = "net.ipv4.ip_forward";

    /**
     * Per device that the configuration gives an IPv6 VIP: the kernel announces an IPv6 address, the way arping
     * announces an IPv4 one, when {@code ndisc_notify} is 1: on adding it, it sends an unsolicited neighbour
     * advertisement with the override flag, so neighbours that know the address move to this router's MAC. It does
     * so once duplicate address detection is over; {@code accept_dad=0} skips it, so the advertisement goes out at
     * once and the address is usable even while the peer still holds it (a crashed agent, a split brain), where DAD
     * would fail and leave the VIP "dadfailed", unusable. ({@code nodad} on the address would skip DAD too, but then
     * the kernel does not advertise it.) The cost: no DAD for any address on these devices.
     */
    static final Map<String, String> IPV6_VIP_DEVICE = Map.of("ndisc_notify", "1", "accept_dad", "0");

    private final CommandRunner runner;
    private final UnaryOperator<String> devices;
    private final Path ownedFile;

    /** What this agent added or changed, so that it removes nothing else and puts settings back as it found them. */
    record Owned(SortedSet<Vip> addresses, String forwardingWas, SortedMap<String, String> sysctlsWere) {}

    public HostNetwork(CommandRunner runner, UnaryOperator<String> devices, Path stateDir) {
        this.runner = runner;
        this.devices = devices;
        this.ownedFile = stateDir.resolve("owned-host-state.json");
    }

    /** The VIPs a cluster's state asks this router to hold. */
    @Override
    public SortedSet<Vip> desiredVips(ClusterState state) {
        SortedSet<Vip> out = new TreeSet<>();
        if (!state.exists()) return out;
        for (VirtualServerState vs : state.virtualServers().values()) {
            if (!vs.spec().isActive()) continue;
            out.add(vip(vs.spec().address(), vs.spec().netmask(), vs.spec().device()));
        }
        if (state.settings().routingMethod() == RoutingMethod.nat && state.settings().natRouter() != null) {
            var n = state.settings().natRouter();
            out.add(vip(n.address(), n.netmask(), n.device()));
        }
        return out;
    }

    private Vip vip(String address, String netmask, String logicalDevice) {
        boolean v6 = address.indexOf(':') >= 0;
        int prefix = IpAddresses.prefixLength(netmask, v6).orElse(v6 ? 128 : 32);
        int colon = logicalDevice.indexOf(':');
        String base = devices.apply(colon < 0 ? logicalDevice : logicalDevice.substring(0, colon));
        String label = colon < 0 || v6 ? null : base + logicalDevice.substring(colon);
        return new Vip(address, prefix, base, label);
    }

    /** Brings addresses and forwarding to what {@code state} asks; returns what it had to change, for drift reports. */
    public List<String> apply(ClusterState state, boolean holdVips) {
        return apply(state, holdVips, true);
    }

    /**
     * As {@link #apply(ClusterState, boolean)}; {@code checkForwarding} false skips re-reading forwarding when the
     * caller knows it set it and nothing about it changed (a takeover that only moves addresses; the periodic full
     * pass reads it again).
     */
    @Override
    public List<String> apply(ClusterState state, boolean holdVips, boolean checkForwarding) {
        List<String> changes = new ArrayList<>();
        Owned owned = loadOwned();
        // Before any address is added: an IPv6 VIP is announced as it is added, or never.
        SortedMap<String, String> sysctlsWere = ipv6VipDevices(state, owned.sysctlsWere(), changes);
        SortedSet<Vip> want = holdVips ? desiredVips(state) : new TreeSet<>();
        Set<String> present = presentAddresses();
        SortedSet<Vip> nowOwned = new TreeSet<>();
        // Every address change in one ip -batch: a takeover adds all the VIPs at once, one process, not one each.
        List<List<String>> batch = new ArrayList<>();
        for (Vip v : owned.addresses()) {
            if (want.contains(v)) {
                nowOwned.add(v);
            } else if (present.contains(key(v.address(), v.device()))) {
                batch.add(List.of("address", "del", v.cidr(), "dev", v.device()));
                changes.add("removed " + v);
            }
        }
        SortedSet<Vip> adding = new TreeSet<>();
        for (Vip v : want) {
            boolean there = present.contains(key(v.address(), v.device()));
            if (there && !owned.addresses().contains(v)) continue; // configured by someone else: theirs
            if (!there) {
                List<String> line = new ArrayList<>(List.of("address", "add", v.cidr(), "dev", v.device()));
                if (v.label() != null) line.addAll(List.of("label", v.label()));
                batch.add(line);
                adding.add(v);
                changes.add("added " + v);
            }
            nowOwned.add(v);
        }
        if (!batch.isEmpty()) {
            // Owned before they are added: an agent that dies in between still knows they are its own to remove.
            SortedSet<Vip> claimed = new TreeSet<>(owned.addresses());
            claimed.addAll(adding);
            saveOwned(new Owned(claimed, owned.forwardingWas(), sysctlsWere));
            runner.run(List.of("ip", "-batch", "-"), batchScript(batch)).orThrow();
        }

        String forwardingWas = owned.forwardingWas();
        if (!checkForwarding) {
            saveOwned(new Owned(nowOwned, forwardingWas, sysctlsWere));
            return changes;
        }
        boolean wantForwarding = state.exists() && state.settings().routingMethod() == RoutingMethod.nat;
        String current = runner.run(List.of("sysctl", "-n", FORWARDING)).orThrow().stdout().strip();
        if (wantForwarding && !"1".equals(current)) {
            if (forwardingWas == null) forwardingWas = current;
            runner.run(List.of("sysctl", "-w", FORWARDING + "=1")).orThrow();
            changes.add("enabled " + FORWARDING);
        } else if (!wantForwarding && forwardingWas != null) {
            if (!forwardingWas.equals(current)) {
                runner.run(List.of("sysctl", "-w", FORWARDING + "=" + forwardingWas)).orThrow();
                changes.add("restored " + FORWARDING + " to " + forwardingWas);
            }
            forwardingWas = null;
        }
        saveOwned(new Owned(nowOwned, forwardingWas, sysctlsWere));
        return changes;
    }

    /**
     * {@link #IPV6_VIP_DEVICE} on every device the configuration gives an IPv6 VIP, whether this router holds it now
     * or not (so that a takeover is only adding the address); each setting put back as found when its device has
     * none left. Returns the settings' earlier values, to remember.
     */
    private SortedMap<String, String> ipv6VipDevices(ClusterState state, SortedMap<String, String> were, List<String> changes) {
        SortedMap<String, String> out = new TreeMap<>(were);
        SortedMap<String, String> want = new TreeMap<>();
        for (Vip v : desiredVips(state)) {
            if (v.address().indexOf(':') < 0) continue;
            IPV6_VIP_DEVICE.forEach((name, value) -> want.put(ipv6Key(v.device(), name), value));
        }
        if (!want.isEmpty()) {
            List<String> argv = new ArrayList<>(List.of("sysctl", "-n"));
            argv.addAll(want.keySet());
            List<String> current = runner.run(argv).orThrow().stdout().strip().lines().map(String::strip).toList();
            int i = 0;
            for (var e : want.entrySet()) {
                String now = i < current.size() ? current.get(i) : "";
                i++;
                if (e.getValue().equals(now)) continue;
                out.putIfAbsent(e.getKey(), now);
                runner.run(List.of("sysctl", "-w", e.getKey() + "=" + e.getValue())).orThrow();
                changes.add("set " + e.getKey() + "=" + e.getValue());
            }
        }
        for (var e : were.entrySet()) {
            if (want.containsKey(e.getKey())) continue;
            out.remove(e.getKey());
            var now = runner.run(List.of("sysctl", "-n", e.getKey())); // the device may be gone, and its settings with it
            if (now.ok() && !now.stdout().strip().equals(e.getValue())) {
                runner.run(List.of("sysctl", "-w", e.getKey() + "=" + e.getValue())).orThrow();
                changes.add("restored " + e.getKey() + " to " + e.getValue());
            }
        }
        return out;
    }

    /**
     * The ip -batch script: one command a line, each word a literal. ip splits the lines on blanks and reads # as a
     * comment and quotes as quoting, so a word holding any of them (or empty, or starting with '-') is refused rather
     * than written: the kernel-input checks refuse such devices and labels before this, and this is the last line.
     */
    public static String batchScript(List<List<String>> lines) {
        StringBuilder out = new StringBuilder();
        for (List<String> line : lines) {
            for (String word : line) {
                if (word.isEmpty() || word.startsWith("-") || !word.chars().allMatch(c -> c > ' ' && c < 127 && "#\"'\\".indexOf(c) < 0)) {
                    throw new IllegalArgumentException("not a literal for ip -batch: '" + word + "'");
                }
            }
            out.append(String.join(" ", line)).append('\n');
        }
        return out.toString();
    }

    /** Slashes, not dots: a device name may hold a dot (eth0.100, a VLAN), which sysctl would read as a separator. */
    static String ipv6Key(String device, String name) {
        return "net/ipv6/conf/" + device + "/" + name;
    }

    private static String key(String address, String device) {
        return IpAddresses.parse(address).map(a -> a.getHostAddress()).orElse(address) + "%" + device;
    }

    /** address%device for every address on the host, from {@code ip -j addr show}. */
    private Set<String> presentAddresses() {
        String out = runner.run(List.of("ip", "-j", "addr", "show")).orThrow().stdout();
        Set<String> present = new java.util.HashSet<>();
        try {
            for (JsonNode link : Json.mapper().readTree(out)) {
                for (JsonNode a : link.path("addr_info")) present.add(key(a.path("local").asText(), link.path("ifname").asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("ip -j addr show printed something else than JSON", e);
        }
        return present;
    }

    private Owned loadOwned() {
        if (!Files.exists(ownedFile)) return new Owned(new TreeSet<>(), null, new TreeMap<>());
        try {
            JsonNode n = Json.mapper().readTree(Files.readAllBytes(ownedFile));
            SortedSet<Vip> addresses = new TreeSet<>();
            for (JsonNode v : n.path("addresses")) addresses.add(Json.mapper().treeToValue(v, Vip.class));
            SortedMap<String, String> sysctls = new TreeMap<>(); // absent from files written before IPv6 VIPs were announced
            n.path("sysctlsWere").fields().forEachRemaining(e -> sysctls.put(e.getKey(), e.getValue().asText()));
            return new Owned(addresses, n.hasNonNull("forwardingWas") ? n.get("forwardingWas").asText() : null, sysctls);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ownedFile, e);
        }
    }

    private void saveOwned(Owned owned) {
        try {
            AtomicFiles.write(ownedFile, Json.mapper().writeValueAsBytes(owned));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + ownedFile, e);
        }
    }
}
