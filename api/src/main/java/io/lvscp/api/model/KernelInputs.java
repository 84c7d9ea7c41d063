package io.lvscp.api.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every value of a cluster's state that reaches a router's command lines ({@code ip}, {@code arping}, a check
 * program), its scripts ({@code ipvsadm -R}, {@code nft -f}) or the wire to a real server (an HTTP check's request
 * line, an expect check's bytes), checked for its shape: names are names, addresses are address literals, a device
 * is a device name, a program is an absolute path, no text carries a control character it must not. The control
 * plane's validation accepts nothing these refuse (the API fuzz test checks that of every state it leaves behind);
 * the agent checks a received state with them before it runs anything for it, so that a control plane with a bug,
 * or a compromised control plane or database, cannot turn a field into an extra option or a second script line in
 * root's commands. These are shapes, not policy: a program check still runs the program the state names.
 */
public final class KernelInputs {
    /** The longest text that reaches a command line or a wire ({@link Shapes#MAX_TEXT}). */
    public static final int MAX_TEXT = Shapes.MAX_TEXT;

    private KernelInputs() {}

    /** What is wrong with {@code state}, one line each; empty when every value has its shape. */
    public static List<String> problems(ClusterState state) {
        return problems(state, null);
    }

    /**
     * As {@link #problems(ClusterState)}, skipping the virtual servers {@code checked} (a state already accepted)
     * holds as the very same objects: persistent maps share what a revision did not change, so a revision that
     * touches one virtual server of 10,000 costs one check, not 10,000.
     */
    public static List<String> problems(ClusterState state, ClusterState checked) {
        List<String> out = new ArrayList<>();
        name(out, "cluster", state.name());
        if (!state.exists()) return out;
        ClusterSettings s = state.settings();
        if (s.natRouter() != null) {
            Optional<java.net.InetAddress> a = address(out, "NAT router address", s.natRouter().address());
            netmask(out, "NAT router netmask", s.natRouter().netmask(), a);
            device(out, "NAT router device", s.natRouter().device());
        }
        if (s.connectionSync() != null) {
            device(out, "connection sync device", s.connectionSync().device());
            String d = s.connectionSync().device();
            if (Shapes.isDevice(d) && !Shapes.isInterface(d)) out.add("connection sync device " + shown(d) + " is an address label, not an interface");
            Integer id = s.connectionSync().syncId();
            if (id == null || id < 0 || id > 255) out.add("connection sync id " + id + " is not 0-255");
        }
        if (s.heartbeat() != null && s.heartbeat().port() != null) range(out, "heartbeat port", s.heartbeat().port(), 1, 65535);
        for (Map.Entry<String, Router> e : state.routers().entrySet()) {
            Router r = e.getValue();
            name(out, "router", e.getKey());
            if (!e.getKey().equals(r.name())) out.add("router " + shown(e.getKey()) + " is named " + shown(r.name()) + " inside");
            if (r.publicAddress() != null) address(out, "router " + e.getKey() + " public address", r.publicAddress());
            if (r.privateAddress() != null) address(out, "router " + e.getKey() + " private address", r.privateAddress());
        }
        for (Map.Entry<String, VirtualServerState> e : state.virtualServers().entrySet()) {
            if (checked != null && checked.virtualServers().get(e.getKey()) == e.getValue()) continue;
            virtualServer(out, e.getKey(), e.getValue());
        }
        for (Map.Entry<Long, FirewallMark> e : state.firewallMarks().entrySet()) {
            FirewallMark m = e.getValue();
            String what = "firewall mark " + e.getKey();
            if (!e.getKey().equals(m.mark())) out.add(what + " holds mark " + m.mark());
            range(out, what, e.getKey(), Shapes.MIN_MARK, Shapes.MAX_MARK);
            address(out, what + " address", m.address());
            if (m.ports() == null) continue;
            for (String p : m.ports()) {
                if (Shapes.portsProblem(p).isPresent()) out.add(what + " port " + shown(p) + " is not a port or port range");
            }
        }
        return out;
    }

    private static void virtualServer(List<String> out, String key, VirtualServerState vs) {
        VirtualServerSpec s = vs.spec();
        String what = "virtual server " + shown(key);
        name(out, "virtual server", key);
        if (s == null) {
            out.add(what + " has no settings");
            return;
        }
        if (!key.equals(s.name())) out.add(what + " is named " + shown(s.name()) + " inside");
        Optional<java.net.InetAddress> vip = address(out, what + " address", s.address());
        netmask(out, what + " netmask", s.netmask(), vip);
        device(out, what + " device", s.device());
        if (s.port() != null) range(out, what + " port", s.port(), 1, 65535);
        if (s.firewallMark() != null) range(out, what + " firewall mark", s.firewallMark(), Shapes.MIN_MARK, Shapes.MAX_MARK);
        if (s.persistence() != null && s.persistence().netmask() != null) netmask(out, what + " persistence netmask", s.persistence().netmask(), vip);
        if (s.sorryServer() != null) {
            address(out, what + " sorry server", s.sorryServer().address());
            if (s.sorryServer().port() != null) range(out, what + " sorry server port", s.sorryServer().port(), 1, 65535);
        }
        healthCheck(out, what, s.healthCheck());
        for (Map.Entry<String, RealServer> r : vs.realServers().entrySet()) {
            RealServer rs = r.getValue();
            String who = "real server " + shown(r.getKey()) + " of " + what;
            name(out, "real server", r.getKey());
            if (!r.getKey().equals(rs.name())) out.add(who + " is named " + shown(rs.name()) + " inside");
            address(out, who + " address", rs.address());
            if (rs.port() != null) range(out, who + " port", rs.port(), 0, 65535);
            if (rs.weight() != null) range(out, who + " weight", rs.weight(), 0, RealServer.MAX_WEIGHT);
            healthCheck(out, who, rs.healthCheck());
        }
    }

    private static void healthCheck(List<String> out, String what, HealthCheck h) {
        if (h == null) return;
        text(out, what + " check send", h.send(), true);
        text(out, what + " check expect", h.expect(), true);
        if (h.path() != null && !Shapes.isHttpPath(h.path())) {
            out.add(what + " check path " + shown(h.path()) + " is not a path of visible ASCII characters");
        }
        if (h.program() != null) {
            text(out, what + " check program", h.program(), false);
            String executable = h.executable();
            if (!Shapes.isProgramPath(executable)) {
                out.add(what + " check program " + shown(executable) + " is not an absolute path");
            }
        }
    }

    private static void name(List<String> out, String what, String name) {
        if (!Names.isValid(name)) out.add(what + " name " + shown(name) + " is not a name");
    }

    private static Optional<java.net.InetAddress> address(List<String> out, String what, String value) {
        Optional<java.net.InetAddress> a = IpAddresses.parse(value);
        if (a.isEmpty()) out.add(what + " " + shown(value) + " is not an IP address literal");
        return a;
    }

    private static void netmask(List<String> out, String what, String value, Optional<java.net.InetAddress> of) {
        if (value == null) return;
        boolean v6 = of.map(a -> a instanceof java.net.Inet6Address).orElse(value.indexOf('.') < 0);
        if (IpAddresses.prefixLength(value, v6).isEmpty()) out.add(what + " " + shown(value) + " is not a netmask");
    }

    private static void device(List<String> out, String what, String value) {
        if (!Shapes.isDevice(value)) out.add(what + " " + shown(value) + " is not a device name");
    }

    private static void range(List<String> out, String what, Number value, long min, long max) {
        if (value.longValue() < min || value.longValue() > max) out.add(what + " " + value + " is out of range " + min + "-" + max);
    }

    /** Text for the wire: bounded, no control characters but (where it may have them) CR, LF and tab. */
    private static void text(List<String> out, String what, String value, boolean lineBreaks) {
        if (value == null) return;
        if (value.length() > MAX_TEXT) {
            out.add(what + " is " + value.length() + " characters long, more than " + MAX_TEXT);
            return;
        }
        int i = Shapes.controlCharacterAt(value, lineBreaks);
        if (i >= 0) out.add(what + " holds the control character U+" + String.format("%04X", (int) value.charAt(i)) + " at " + i);
    }

    /** A value in a message: control characters escaped, bounded, so the nack and the log line stay one line. */
    static String shown(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.append(s.length() > 80 ? "…'" : "'").toString();
    }
}
