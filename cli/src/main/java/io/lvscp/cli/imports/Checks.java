package io.lvscp.cli.imports;

import io.lvscp.api.model.ClusterSpec;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.Router;
import io.lvscp.api.model.RoutingMethod;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules the control plane applies to a cluster's resources (control-plane's Rules), checked on the whole
 * document, so that an import the server would refuse is refused here, at the line it comes from: a NAT cluster
 * has a NAT router and routers with private addresses; a direct or tunnelled real server serves its virtual
 * server's port; no address is two things; thresholds are in order.
 */
final class Checks {
    private final Report report;
    private final Map<String, Statement> origins;
    private final Path file;

    /** {@code origins}: where each part was written, by "cluster", "router:NAME", "vs:NAME", "rs:VS/RS". */
    Checks(Report report, Map<String, Statement> origins, Path file) {
        this.report = report;
        this.origins = origins;
        this.file = file;
    }

    private void error(String key, String message) {
        Statement s = origins.get(key);
        if (s == null) s = origins.get("cluster");
        if (s == null) {
            report.error(file, 1, message);
        } else {
            report.error(s, message);
        }
    }

    void check(ClusterSpec d, String natRouterHint) {
        if (d.routingMethod() == RoutingMethod.nat && d.natRouter() == null) {
            error("cluster", "an lvscp NAT cluster needs its NAT router (the real servers' gateway: address, netmask, device); " + natRouterHint);
        }
        if (d.connectionSync() != null && d.connectionSync().device() != null && d.connectionSync().device().contains(":")) {
            error("sync", "the sync daemon needs an interface (eth1), not an address label (" + d.connectionSync().device() + ")");
        }
        if (d.heartbeat() != null && d.heartbeat().deadtimeSeconds() != null && d.heartbeat().keepaliveSeconds() != null
                && d.heartbeat().deadtimeSeconds() <= d.heartbeat().keepaliveSeconds()) {
            error("heartbeat", "deadtime " + d.heartbeat().deadtimeSeconds() + " s must be longer than the keepalive interval "
                    + d.heartbeat().keepaliveSeconds() + " s");
        }
        for (Router r : d.routers()) {
            if (d.routingMethod() == RoutingMethod.nat && r.privateAddress() == null) {
                error("router:" + r.name(), "router " + r.name() + " of a NAT cluster needs its private address (" + r.name() + "_private)");
            }
        }
        Map<String, ClusterSpec.VirtualServer> services = new HashMap<>();
        Map<InetAddress, ClusterSpec.VirtualServer> vips = new HashMap<>();
        Map<Long, String> marks = new HashMap<>();
        for (ClusterSpec.VirtualServer vs : d.virtualServers()) {
            String at = "vs:" + vs.name();
            if (vs.firewallMark() != null) {
                String before = marks.put(vs.firewallMark(), vs.name());
                if (before != null) error(at, "firewall mark " + vs.firewallMark() + " is already the service of virtual server " + before);
            }
            Optional<InetAddress> vip = IpAddresses.parse(vs.address());
            if (vip.isEmpty()) continue;
            ClusterSpec.VirtualServer same = services.put(vip.get().getHostAddress() + "/" + vs.port() + "/" + vs.protocol()
                    + "/" + vs.firewallMark(), vs);
            if (same != null) error(at, "virtual server " + vs.name() + " serves what " + same.name() + " serves");
            ClusterSpec.VirtualServer other = vips.putIfAbsent(vip.get(), vs);
            if (other != null && (!Objects.equals(other.device(), vs.device()) || !Objects.equals(other.netmask(), vs.netmask()))) {
                error(at, "VIP " + vs.address() + " is on " + vs.device() + " with netmask " + vs.netmask() + " here and on "
                        + other.device() + " with netmask " + other.netmask() + " for " + other.name() + ": one address lives on one device");
            }
            for (Router r : d.routers()) {
                if (vs.address().equals(r.publicAddress()) || vs.address().equals(r.privateAddress())) {
                    error(at, vs.address() + " is an address of router " + r.name() + ", not a floating VIP");
                }
            }
            if (d.natRouter() != null && vs.address().equals(d.natRouter().address())) {
                error(at, vs.address() + " is the NAT router's address, not a service address");
            }
            if (vs.sorryServer() != null && vs.address().equals(vs.sorryServer().address())) {
                error(at, "the sorry server cannot be the VIP itself");
            }
            Map<String, String> seen = new HashMap<>();
            for (RealServer rs : vs.realServers()) {
                String rat = "rs:" + vs.name() + "/" + rs.name();
                ForwardingMethod f = rs.forwarding() != null ? rs.forwarding() : d.routingMethod().defaultForwarding();
                Optional<InetAddress> a = IpAddresses.parse(rs.address());
                if (a.isPresent() && a.get().equals(vip.get())) error(rat, "real server " + rs.address() + " is the VIP itself");
                if (a.isPresent() && (a.get() instanceof Inet6Address) != (vip.get() instanceof Inet6Address) && f != ForwardingMethod.ipip) {
                    error(rat, "real server " + rs.address() + " is of another address family than the VIP " + vs.address()
                            + "; only a tunnel can cross families");
                }
                if (f != ForwardingMethod.masq && vs.firewallMark() == null && rs.port() != null && !rs.port().equals(vs.port())) {
                    error(rat, "real server " + rs.address() + " is reached by " + (f == ForwardingMethod.gate ? "direct routing" : "a tunnel")
                            + ", which leaves packets unchanged, so it serves the virtual server's port " + vs.port() + ", not " + rs.port()
                            + "; only NAT maps ports");
                }
                String before = seen.put(rs.address() + ":" + rs.port(), rs.name());
                if (before != null) error(rat, "real server " + rs.address() + ":" + rs.port() + " is in " + vs.name() + " twice");
                Integer up = rs.upperThreshold(), low = rs.lowerThreshold();
                if (low != null && low > 0 && (up == null || up == 0)) {
                    error(rat, "a lower threshold (" + low + ") needs an upper threshold");
                } else if (low != null && up != null && up > 0 && low > up) {
                    error(rat, "lower threshold " + low + " is above the upper threshold " + up);
                }
            }
        }
    }
}
