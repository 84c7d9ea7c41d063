package io.lvscp.cli.imports;

import io.lvscp.api.model.ClusterSpec;
import io.lvscp.api.model.ConnectionSync;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.HealthCheck;
import io.lvscp.api.model.HealthCheckKind;
import io.lvscp.api.model.Heartbeat;
import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.Shapes;
import io.lvscp.api.model.Persistence;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.Scheduler;
import io.lvscp.api.model.SorryServer;
import io.lvscp.api.model.VirtualServerSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * keepalived.conf: {@code keyword args} lines and {@code keyword args { ... }} blocks, '#' and '!' comments,
 * {@code include} of files (relative to the including file's directory, with a glob in the last part).
 * Its virtual servers become lvscp's; its VRRP instances give the VIPs' devices and netmasks and the connection
 * sync daemon; keepalived's own VRRP and global settings have no lvscp equivalent (lvscp's router pair heartbeats
 * instead), and each of their directives is reported.
 */
public final class KeepalivedImporter {
    private static final int MAX_INCLUDE_DEPTH = 16;
    /** keepalived's delay_loop and connect_timeout when none is given (keepalived.conf(5)). */
    static final int DEFAULT_DELAY_LOOP = 60;
    static final int DEFAULT_CONNECT_TIMEOUT = 5;
    private static final Set<String> VRRP_BLOCKS = Set.of("vrrp_sync_group", "vrrp_script", "vrrp_track_process",
            "vrrp_track_file", "track_file", "static_ipaddress", "static_routes", "static_rules", "linkbeat_use_polling",
            "bfd_instance", "garp_group");

    private final Report report;
    private final Values values;
    private final String defaultDevice;
    private final NameMapper vsNames;
    private final Map<String, Statement> origins;
    private final io.lvscp.api.model.NatRouter natRouter;

    private record Vip(String address, String netmask, String device, Statement s) {}

    private record Member(String address, Integer port, Long mark, Statement s) {}

    private KeepalivedImporter(Report report, String defaultDevice, io.lvscp.api.model.NatRouter natRouter,
                               Map<String, Statement> origins) {
        this.origins = origins;
        this.natRouter = natRouter;
        this.report = report;
        this.values = new Values(report);
        this.defaultDevice = defaultDevice;
        this.vsNames = new NameMapper(report);
    }

    /**
     * The cluster of {@code file} and the files it includes. {@code defaultDevice} is the device of VIPs no
     * vrrp_instance holds (null: those are errors); {@code natRouter} the NAT router of a NAT cluster, which
     * keepalived.conf does not single out; {@code origins} gets where each part was written (see {@link Checks}).
     */
    public static ClusterSpec read(Path file, String clusterName, String defaultDevice, io.lvscp.api.model.NatRouter natRouter,
                                       Report report, Map<String, Statement> origins) throws IOException {
        return read(file, clusterName, defaultDevice, natRouter, null, report, origins);
    }

    /** As above; {@code configId} is keepalived's -i: which {@code @ID} lines count (null: none of them). */
    public static ClusterSpec read(Path file, String clusterName, String defaultDevice, io.lvscp.api.model.NatRouter natRouter,
                                       String configId, Report report, Map<String, Statement> origins) throws IOException {
        List<Statement> statements = load(file, report, 0, null, configId);
        return new KeepalivedImporter(report, defaultDevice, natRouter, origins).cluster(statements, clusterName, file);
    }

    static List<Statement> load(Path file, Report report, int depth, Statement from, String configId) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            if (from == null) throw e;
            report.error(from, "include: cannot read " + file + ": " + e.getMessage());
            return List.of();
        }
        return expand(new Tokenizer(file, "#!", report).parse(text), file, report, depth, configId);
    }

    private static final Set<String> INCLUDES = Set.of("include", "includer", "includem", "includew", "includeb", "includea");

    /**
     * Each {@code include} (and its variants) replaced by the statements of the files it names, in every block;
     * keepalived's conditional lines ({@code @ID ...} counts only under config id ID, {@code @^ID ...} under any
     * other) resolved for {@code configId}, each reported; its parameters ({@code $NAME}) refused.
     */
    private static List<Statement> expand(List<Statement> in, Path file, Report report, int depth, String configId) throws IOException {
        List<Statement> out = new ArrayList<>();
        for (Statement s : in) {
            if (s.keyword().startsWith("@") && s.keyword().length() > 1) {
                boolean negated = s.keyword().startsWith("@^");
                String id = s.keyword().substring(negated ? 2 : 1);
                boolean counts = negated != id.equals(configId);
                report.warning(s, "conditional line for config id " + (negated ? "other than " : "") + "'" + id + "': "
                        + (counts ? "imported" : "left out") + (configId == null ? " (no --config-id)" : " (--config-id " + configId + ")"));
                if (!counts || s.args().isEmpty()) continue;
                s = new Statement(s.args().get(0), s.args().subList(1, s.args().size()), s.block(), s.file(), s.line());
            }
            if (s.keyword().startsWith("$") || s.args().stream().anyMatch(a -> a.startsWith("$"))) {
                report.error(s, "keepalived's parameters ($NAME) are not read by lvscp import: substitute them first");
                continue;
            }
            if (INCLUDES.contains(s.keyword()) && !s.hasBlock()) {
                if (depth >= MAX_INCLUDE_DEPTH) {
                    report.error(s, "include nested more than " + MAX_INCLUDE_DEPTH + " deep (a file that includes itself?)");
                    continue;
                }
                for (String pattern : s.args()) {
                    List<Path> files = glob(file, pattern, s, report);
                    if (files.isEmpty()) {
                        if (s.keyword().equals("includem") || s.keyword().equals("includea")) {
                            report.error(s, s.keyword() + " " + pattern + " matches no file");
                        } else {
                            report.warning(s, s.keyword() + " " + pattern + " matches no file");
                        }
                    }
                    for (Path f : files) out.addAll(load(f, report, depth + 1, s, configId));
                }
            } else if (s.hasBlock()) {
                out.add(new Statement(s.keyword(), s.args(), expand(s.block(), file, report, depth, configId), s.file(), s.line()));
            } else {
                out.add(s);
            }
        }
        return out;
    }

    private static List<Path> glob(Path including, String pattern, Statement s, Report report) throws IOException {
        Path dir = including.getParent() == null ? Path.of("") : including.getParent();
        Path p = dir.resolve(pattern).normalize();
        String last = p.getFileName() == null ? "" : p.getFileName().toString();
        Path parent = p.getParent();
        if (parent != null && parent.toString().matches(".*[*?\\[{].*")) {
            report.error(s, "include " + pattern + ": a glob only in the last part of the path is read");
            return List.of();
        }
        if (!last.matches(".*[*?\\[{].*")) return Files.isRegularFile(p) ? List.of(p) : List.of();
        if (parent == null || !Files.isDirectory(parent)) return List.of();
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, last)) {
            for (Path f : ds) if (Files.isRegularFile(f)) out.add(f);
        }
        out.sort(null);
        return out;
    }

    private ClusterSpec cluster(List<Statement> statements, String clusterName, Path file) {
        List<Vip> vips = new ArrayList<>();
        Map<String, List<Member>> groups = new HashMap<>();
        List<Statement> virtualServers = new ArrayList<>();
        ConnectionSync[] sync = {null};
        for (Statement s : statements) {
            switch (s.keyword()) {
                case "global_defs" -> globalDefs(s, sync);
                case "vrrp_instance" -> vrrpInstance(s, vips, sync);
                case "virtual_server_group" -> group(s, groups);
                case "virtual_server" -> virtualServers.add(s);
                default -> {
                    if (VRRP_BLOCKS.contains(s.keyword())) {
                        report.warning(s, "'" + s.keyword() + "' ignored: lvscp's router pair replaces keepalived's VRRP");
                    } else {
                        report.warning(s, "'" + s.keyword() + "' has no lvscp equivalent; ignored");
                    }
                }
            }
        }
        List<ClusterSpec.VirtualServer> out = new ArrayList<>();
        RoutingMethod[] routing = {null};
        for (Statement s : virtualServers) virtualServer(s, groups, vips, routing, out);
        RoutingMethod cluster = routing[0];
        if (cluster == null) {
            cluster = RoutingMethod.direct;
            report.warning(file, 1, "no virtual_server: nothing says how the cluster routes; imported as direct (which needs no NAT router)");
        }
        final RoutingMethod clusterRouting = cluster;
        // Real servers of a virtual server whose lb_kind is not the cluster's get it as their forwarding method.
        List<ClusterSpec.VirtualServer> fixed = new ArrayList<>();
        for (ClusterSpec.VirtualServer vs : out) {
            fixed.add(new ClusterSpec.VirtualServer(vs.name(), vs.address(), vs.netmask(), vs.device(), vs.port(),
                    vs.protocol(), vs.firewallMark(), vs.scheduler(), vs.persistence(), vs.healthCheck(),
                    vs.quiesceOnFailure(), vs.sorryServer(), vs.active(), vs.quorum(),
                    vs.realServers().stream().map(r -> r.forwarding() == clusterRouting.defaultForwarding()
                            ? new RealServer(r.name(), r.address(), r.port(), r.weight(), null, r.state(),
                                    r.upperThreshold(), r.lowerThreshold(), r.healthCheck())
                            : r).toList()));
        }
        report.warning(file, 1, "keepalived.conf names no LVS routers' own addresses: the document has no routers "
                + "(add the router pair after import)");
        io.lvscp.api.model.NatRouter nat = null;
        if (natRouter != null && cluster == RoutingMethod.nat) {
            nat = natRouter;
        } else if (cluster == RoutingMethod.nat) {
            nat = gateway(vips, fixed);
        } else if (natRouter != null) {
            report.warning(file, 1, "--nat-router ignored: the cluster routes by " + cluster + " (the first virtual server's lb_kind)");
        }
        return new ClusterSpec(clusterName, cluster, nat, Heartbeat.defaults(), sync[0], List.of(), fixed, List.of());
    }

    /**
     * The NAT router of a NAT cluster, when the VRRP instances make it plain: the one floating address that is no
     * virtual server's and whose subnet holds every real server (keepalived's LVS-NAT setups float the real servers'
     * gateway beside the VIPs). Reported as a note; null, leaving it to --nat-router, when none or several fit.
     */
    private io.lvscp.api.model.NatRouter gateway(List<Vip> vips, List<ClusterSpec.VirtualServer> servers) {
        java.util.Set<String> virtual = new java.util.HashSet<>();
        List<String> real = new ArrayList<>();
        for (ClusterSpec.VirtualServer vs : servers) {
            if (vs.address() != null) virtual.add(vs.address());
            for (RealServer r : vs.realServers()) real.add(r.address());
        }
        if (real.isEmpty()) return null;
        List<Vip> fit = vips.stream().filter(v -> !virtual.contains(v.address()) && v.device() != null)
                .filter(v -> real.stream().allMatch(r -> sameSubnet(v.address(), r, v.netmask()))).toList();
        if (fit.size() != 1) return null;
        Vip g = fit.get(0);
        report.note(g.s(), "virtual_ipaddress " + g.address() + " on " + g.device() + " is the only floating address on the "
                + "real servers' subnet: imported as the NAT router (their gateway)");
        return new io.lvscp.api.model.NatRouter(g.address(), g.netmask(), g.device());
    }

    private static boolean sameSubnet(String a, String b, String netmask) {
        var x = IpAddresses.parse(a);
        var y = IpAddresses.parse(b);
        var m = IpAddresses.parse(netmask);
        if (x.isEmpty() || y.isEmpty() || m.isEmpty()) return false;
        byte[] xa = x.get().getAddress(), ya = y.get().getAddress(), ma = m.get().getAddress();
        if (xa.length != ya.length || xa.length != ma.length) return false;
        for (int i = 0; i < xa.length; i++) if ((xa[i] & ma[i]) != (ya[i] & ma[i])) return false;
        return true;
    }

    private void globalDefs(Statement g, ConnectionSync[] sync) {
        List<String> ignored = new ArrayList<>();
        for (Statement s : g.block()) {
            if (s.keyword().equals("lvs_sync_daemon")) {
                sync[0] = syncDaemon(s);
                origins.put("sync", s);
            } else {
                ignored.add(s.keyword());
            }
        }
        if (!ignored.isEmpty() || g.block().isEmpty()) {
            report.warning(g, "global_defs ignored (" + String.join(", ", ignored) + "): keepalived's own settings");
        }
    }

    private ConnectionSync syncDaemon(Statement s) {
        String device = s.arg(0) == null ? null : values.device(s, s.arg(0), "lvs_sync_daemon interface");
        Integer id = null;
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < s.args().size(); i++) {
            String a = s.args().get(i);
            if (a.equals("id") && i + 1 < s.args().size()) {
                id = values.integer(s, s.args().get(++i), 0, 255, "lvs_sync_daemon id");
            } else if (i == 1 && !a.matches("id|maxlen|port|ttl|group")) {
                continue; // the VRRP instance whose state the daemon follows: lvscp's follows the router's role
            } else {
                rest.add(a);
            }
        }
        if (!rest.isEmpty()) report.warning(s, "lvs_sync_daemon: '" + String.join(" ", rest) + "' ignored (lvscp sets only the interface and id)");
        return device == null ? null : new ConnectionSync(device, id == null ? ConnectionSync.DEFAULT_SYNC_ID : id);
    }

    private void vrrpInstance(Statement v, List<Vip> vips, ConnectionSync[] sync) {
        String iface = null;
        for (Statement s : v.block()) {
            if (s.keyword().equals("interface")) iface = s.arg(0);
        }
        for (Statement s : v.block()) {
            switch (s.keyword()) {
                case "interface" -> { }
                case "virtual_ipaddress", "virtual_ipaddress_excluded" -> {
                    if (!s.hasBlock()) {
                        report.warning(s, s.keyword() + " without a block; ignored");
                        continue;
                    }
                    for (Statement a : s.block()) vip(a, iface, vips);
                }
                case "lvs_sync_daemon_interface" -> {
                    String device = values.device(s, s.arg(0), "lvs_sync_daemon_interface");
                    if (device != null) sync[0] = new ConnectionSync(device, ConnectionSync.DEFAULT_SYNC_ID);
                    origins.put("sync", s);
                }
                case "lvs_sync_daemon" -> {
                    sync[0] = syncDaemon(s);
                    origins.put("sync", s);
                }
                default -> report.warning(s, "vrrp_instance " + v.value() + ": '" + s.keyword()
                        + "' ignored (lvscp's router pair heartbeat replaces VRRP)");
            }
        }
    }

    /** One line of virtual_ipaddress: ADDR[/PREFIX] [dev DEV] [label LABEL] [brd ..] [scope ..] .. */
    private void vip(Statement a, String iface, List<Vip> vips) {
        String addr = a.keyword();
        String prefix = null;
        int slash = addr.indexOf('/');
        if (slash >= 0) {
            prefix = addr.substring(slash + 1);
            addr = addr.substring(0, slash);
        }
        String dev = iface, label = null;
        List<String> ignored = new ArrayList<>();
        for (int i = 0; i < a.args().size(); i++) {
            String w = a.args().get(i);
            String next = i + 1 < a.args().size() ? a.args().get(i + 1) : null;
            switch (w) {
                case "dev" -> { dev = next; i++; }
                case "label" -> { label = next; i++; }
                case "brd", "broadcast", "scope", "metric", "preferred_lft", "valid_lft" -> {
                    ignored.add(w + " " + next);
                    i++;
                }
                default -> ignored.add(w);
            }
        }
        if (!ignored.isEmpty()) report.warning(a, "virtual_ipaddress " + a.keyword() + ": '" + String.join(" ", ignored) + "' ignored");
        if (IpAddresses.parse(addr).isEmpty()) {
            report.warning(a, "virtual_ipaddress '" + a.keyword() + "' is not an address literal; ignored");
            return;
        }
        boolean v6 = addr.indexOf(':') >= 0;
        String mask = prefix == null ? IpAddresses.hostMask(addr) : values.netmask(a, prefix, addr, "virtual_ipaddress prefix");
        String device = label != null && label.startsWith(Objects.toString(dev, "") + ":") ? label : dev;
        if (label != null && device != label) report.warning(a, "label " + label + " is not a label of " + dev + "; the VIP goes on " + dev);
        vips.add(new Vip(addr, mask, device, a));
        if (v6 && prefix == null) return;
    }

    private void group(Statement g, Map<String, List<Member>> groups) {
        List<Member> members = new ArrayList<>();
        for (Statement m : g.block() == null ? List.<Statement>of() : g.block()) {
            if (m.keyword().equals("fwmark")) {
                Long mark = values.number(m, m.arg(0), Shapes.MIN_MARK, Shapes.MAX_MARK, "fwmark");
                if (mark != null) members.add(new Member(null, null, mark, m));
                continue;
            }
            Integer port = m.arg(0) == null ? null : values.integer(m, m.arg(0), 1, 65535, "port");
            if (m.arg(0) == null) report.error(m, "virtual_server_group member " + m.keyword() + " names no port");
            String addr = m.keyword();
            int dash = addr.lastIndexOf('-');
            if (dash > 0) {
                // A range of the last byte (IPv4, decimal) or the last group (IPv6, hex): 10.0.0.3-10, ae00::2-9.
                String first = addr.substring(0, dash);
                boolean v6 = first.indexOf(':') >= 0;
                int cut = Math.max(first.lastIndexOf('.'), first.lastIndexOf(':'));
                Integer from = null, to = null;
                try {
                    from = Integer.parseInt(first.substring(cut + 1), v6 ? 16 : 10);
                    to = Integer.parseInt(addr.substring(dash + 1), v6 ? 16 : 10);
                } catch (NumberFormatException e) {
                    report.error(m, "virtual_server_group member '" + addr + "' is not an address or an address range");
                }
                if (from != null && values.address(m, first, "range start") != null) {
                    if (to < from || to > (v6 ? 0xffff : 255)) report.error(m, "address range " + addr + " is empty or too wide");
                    for (int i = from; i <= to && to <= (v6 ? 0xffff : 255); i++) {
                        members.add(new Member(first.substring(0, cut + 1) + (v6 ? Integer.toHexString(i) : String.valueOf(i)), port, null, m));
                    }
                }
            } else if (values.address(m, addr, "virtual_server_group member") != null) {
                members.add(new Member(addr, port, null, m));
            }
        }
        groups.put(g.value(), members);
    }

    private void virtualServer(Statement s, Map<String, List<Member>> groups, List<Vip> vips, RoutingMethod[] routing,
                               List<ClusterSpec.VirtualServer> out) {
        List<Member> members = new ArrayList<>();
        String a0 = s.arg(0);
        if ("group".equals(a0)) {
            List<Member> g = groups.get(s.arg(1));
            if (g == null) {
                report.error(s, "virtual_server group " + s.arg(1) + ": no virtual_server_group of that name");
                return;
            }
            report.warning(s, "virtual_server group " + s.arg(1) + ": lvscp has no groups; each of its " + g.size()
                    + " members is a virtual server of its own with this block's settings");
            members.addAll(g);
        } else if ("fwmark".equals(a0)) {
            Long mark = values.number(s, s.arg(1), Shapes.MIN_MARK, Shapes.MAX_MARK, "fwmark");
            if (mark != null) members.add(new Member(null, null, mark, s));
        } else if (a0 != null && s.arg(1) != null) {
            String addr = values.address(s, a0, "virtual_server address");
            Integer port = values.integer(s, s.arg(1), 0, 65535, "virtual_server port");
            if (port != null && port == 0) report.error(s, "virtual_server port 0 (every port) has no lvscp equivalent: use a firewall mark");
            if (addr != null) members.add(new Member(addr, port, null, s));
        } else {
            report.error(s, "virtual_server needs ADDRESS PORT, 'fwmark N' or 'group NAME'");
            return;
        }
        if (!s.hasBlock()) {
            report.error(s, "virtual_server without a block");
            return;
        }
        Settings set = settings(s);
        if (routing[0] == null) {
            routing[0] = set.method == null ? RoutingMethod.nat : set.method;
            origins.put("cluster", set.methodAt == null ? s : set.methodAt);
        }
        for (Member m : members) {
            if (m.mark != null) {
                report.error(m.s, "virtual_server fwmark " + m.mark + ": an lvscp firewall-mark virtual server needs the VIP "
                        + "whose packets are marked, and keepalived's names none (import it by hand as a firewall mark)");
                continue;
            }
            Vip vip = vips.stream().filter(v -> v.address.equals(m.address)).findFirst().orElse(null);
            String netmask, device;
            if (vip != null) {
                netmask = vip.netmask;
                device = vip.device;
                if (device == null) {
                    report.error(vip.s, "virtual_ipaddress " + vip.address + " has no device (no interface in its vrrp_instance)");
                }
            } else if (defaultDevice != null) {
                netmask = IpAddresses.hostMask(m.address);
                device = defaultDevice;
                report.warning(m.s, "no vrrp_instance holds " + m.address + ": its VIP goes on " + defaultDevice
                        + " (--device) with netmask " + netmask);
            } else {
                report.error(m.s, "no vrrp_instance's virtual_ipaddress holds " + m.address
                        + ", so the VIP's device and netmask are unknown (give them with --device DEVICE)");
                continue;
            }
            String raw = m.address + " " + m.port;
            String name = vsNames.map(raw, "virtual", m.s, "virtual server");
            origins.put("vs:" + name, m.s);
            set.realServerAt.forEach((rs, at) -> origins.put("rs:" + name + "/" + rs, at));
            Persistence persistence = set.persistTimeout == null ? null
                    : new Persistence(set.persistTimeout, set.granularity == null ? null
                    : values.netmask(set.granularityAt, set.granularity, m.address, "persistence_granularity"));
            VirtualServerSpec spec = new VirtualServerSpec(name, m.address, netmask, device, m.port, set.protocol, null,
                    set.scheduler, persistence, set.check, set.quiesce, set.sorry, null, set.quorum);
            List<RealServer> reals = new ArrayList<>();
            for (RealServer r : set.reals) {
                reals.add(r.port() == null ? new RealServer(r.name(), r.address(), m.port, r.weight(), r.forwarding(), r.state(),
                        r.upperThreshold(), r.lowerThreshold(), r.healthCheck()) : r);
            }
            out.add(ClusterSpec.VirtualServer.of(spec, reals));
        }
    }

    /** A virtual_server block's settings, shared by each address of a group. */
    private static final class Settings {
        Integer delayLoop, persistTimeout, quorum, connectTimeout, retry;
        String granularity;
        Statement granularityAt;
        Scheduler scheduler;
        RoutingMethod method;
        Statement methodAt;
        Map<String, Statement> realServerAt = new HashMap<>();
        Protocol protocol;
        SorryServer sorry;
        Boolean quiesce;
        HealthCheck check;
        List<RealServer> reals = new ArrayList<>();
    }

    private record Rs(Statement s, String name, String address, Integer port, Integer weight, Boolean inhibit,
                      Integer upper, Integer lower, HealthCheck check) {}

    private Settings settings(Statement vs) {
        Settings set = new Settings();
        List<Statement> realServers = new ArrayList<>();
        for (Statement s : vs.block()) {
            switch (s.keyword()) {
                case "delay_loop" -> set.delayLoop = values.seconds(s, s.arg(0), 1, 3600, "delay_loop");
                case "connect_timeout" -> set.connectTimeout = values.seconds(s, s.arg(0), 1, 3600, "connect_timeout");
                case "retry" -> set.retry = values.integer(s, s.arg(0), 0, 99, "retry");
                case "delay_before_retry", "warmup" -> report.warning(s, s.keyword() + ": lvscp checks at its interval; ignored");
                case "lb_algo", "lvs_sched" -> {
                    try {
                        set.scheduler = Scheduler.valueOf(Values.lower(s.arg(0)));
                    } catch (IllegalArgumentException | NullPointerException e) {
                        report.error(s, s.keyword() + " '" + s.arg(0) + "' is not an IPVS scheduler lvscp knows");
                    }
                }
                case "lb_kind", "lvs_method" -> {
                    set.methodAt = s;
                    switch (Objects.toString(s.arg(0), "").toUpperCase(Locale.ROOT)) {
                        case "NAT" -> set.method = RoutingMethod.nat;
                        case "DR" -> set.method = RoutingMethod.direct;
                        case "TUN" -> set.method = RoutingMethod.tunnel;
                        default -> report.error(s, s.keyword() + " '" + s.arg(0) + "' is not NAT, DR or TUN");
                    }
                }
                case "persistence_timeout" -> set.persistTimeout = values.integer(s, s.arg(0), 1, 31536000, "persistence_timeout");
                case "persistence_granularity" -> {
                    set.granularity = s.arg(0);
                    set.granularityAt = s;
                }
                case "protocol" -> {
                    switch (Objects.toString(s.arg(0), "").toUpperCase(Locale.ROOT)) {
                        case "TCP" -> set.protocol = Protocol.tcp;
                        case "UDP" -> set.protocol = Protocol.udp;
                        default -> report.error(s, "protocol '" + s.arg(0) + "' has no lvscp equivalent (tcp or udp)");
                    }
                }
                case "sorry_server" -> {
                    String addr = values.address(s, s.arg(0), "sorry_server");
                    Integer port = s.arg(1) == null ? null : values.integer(s, s.arg(1), 1, 65535, "sorry_server port");
                    if (addr != null) set.sorry = new SorryServer(addr, port);
                }
                case "quorum" -> {
                    set.quorum = values.integer(s, s.arg(0), 0, 10000, "quorum");
                    report.warning(s, "quorum " + s.arg(0) + ": keepalived counts the live servers' total weight, lvscp "
                            + "the number of healthy servers; imported as " + s.arg(0) + " servers");
                }
                case "inhibit_on_failure" -> set.quiesce = true;
                case "real_server" -> realServers.add(s);
                case "hysteresis" -> report.warning(s, "hysteresis: lvscp's quorum has none; ignored");
                case "quorum_up", "quorum_down" -> report.warning(s, s.keyword() + ": lvscp runs no script on a quorum change; ignored");
                case "alpha", "omega" -> report.warning(s, s.keyword() + ": lvscp starts real servers as its checks find them; ignored");
                default -> report.warning(s, "virtual_server: '" + s.keyword() + "' has no lvscp equivalent; ignored");
            }
        }
        if (set.granularity != null && set.persistTimeout == null) {
            report.warning(set.granularityAt, "persistence_granularity without persistence_timeout; ignored");
        }
        NameMapper rsNames = new NameMapper(report);
        List<Rs> rss = new ArrayList<>();
        for (Statement r : realServers) {
            Rs rs = realServer(r, set, rsNames);
            if (rs != null) {
                rss.add(rs);
                set.realServerAt.put(rs.name, r);
            }
        }
        // Keepalived checks each real server on its own; lvscp has the virtual server's check and per-server overrides.
        Map<HealthCheck, Long> counts = rss.stream().collect(Collectors.groupingBy(Rs::check, LinkedHashMap::new, Collectors.counting()));
        HealthCheck common = counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(tcp(set.delayLoop == null ? DEFAULT_DELAY_LOOP : set.delayLoop));
        set.check = common;
        long inhibit = rss.stream().filter(r -> Boolean.TRUE.equals(r.inhibit)).count();
        if (inhibit > 0 && inhibit < rss.size() && set.quiesce == null) {
            rss.stream().filter(r -> !Boolean.TRUE.equals(r.inhibit)).findFirst().ifPresent(r -> report.warning(r.s,
                    "inhibit_on_failure is set on some real servers of this virtual server only: lvscp quiesces all of "
                            + "them (quiesceOnFailure) or none; imported with it on"));
        }
        if (inhibit > 0) set.quiesce = true;
        for (Rs r : rss) {
            set.reals.add(new RealServer(r.name, r.address, r.port, r.weight, set.method == null ? null : set.method.defaultForwarding(),
                    null, r.upper, r.lower, r.check.equals(common) ? null : r.check));
        }
        return set;
    }

    private static HealthCheck tcp(Integer interval) {
        return new HealthCheck(HealthCheckKind.tcp, null, null, null, null, null, null, interval, null, null, null, null);
    }

    private Rs realServer(Statement r, Settings set, NameMapper names) {
        Integer interval = set.delayLoop == null ? DEFAULT_DELAY_LOOP : set.delayLoop;
        String addr = values.address(r, r.arg(0), "real_server address");
        Integer port = r.arg(1) == null ? null : values.integer(r, r.arg(1), 0, 65535, "real_server port");
        if (addr == null) return null;
        String name = names.map(addr + (port == null ? "" : " " + port), "server", r, "real server");
        Integer weight = null, upper = null, lower = null;
        Boolean inhibit = null;
        HealthCheck check = null;
        Statement checker = null;
        for (Statement s : r.block() == null ? List.<Statement>of() : r.block()) {
            switch (s.keyword()) {
                case "weight" -> weight = values.integer(s, s.arg(0), 0, RealServer.MAX_WEIGHT, "weight");
                case "inhibit_on_failure" -> inhibit = true;
                case "uthreshold" -> upper = values.integer(s, s.arg(0), 0, RealServer.MAX_THRESHOLD, "uthreshold");
                case "lthreshold" -> lower = values.integer(s, s.arg(0), 0, RealServer.MAX_THRESHOLD, "lthreshold");
                case "TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK", "SMTP_CHECK", "PING_CHECK", "UDP_CHECK", "DNS_CHECK",
                     "BFD_CHECK", "FILE_CHECK" -> {
                    if (checker != null) {
                        report.warning(s, s.keyword() + ": lvscp runs one check per real server, this one's is the "
                                + checker.keyword() + " at line " + checker.line() + "; ignored");
                        continue;
                    }
                    checker = s;
                    check = checker(s, port, interval, set);
                }
                default -> report.warning(s, "real_server: '" + s.keyword() + "' has no lvscp equivalent; ignored");
            }
        }
        if (check == null) {
            // keepalived keeps a real server without a checker in the table whatever it does.
            check = new HealthCheck(HealthCheckKind.none, null, null, null, null, null, null, interval, null, null, null, null);
        }
        return new Rs(r, name, addr, port, weight, inhibit, upper, lower, check);
    }

    private HealthCheck checker(Statement c, Integer port, Integer interval, Settings set) {
        HealthCheckKind kind;
        switch (c.keyword()) {
            case "TCP_CHECK" -> kind = HealthCheckKind.tcp;
            case "HTTP_GET" -> kind = HealthCheckKind.http;
            case "SSL_GET" -> kind = HealthCheckKind.https;
            case "MISC_CHECK" -> kind = HealthCheckKind.program;
            default -> {
                report.warning(c, c.keyword() + " has no lvscp equivalent: the real server gets a tcp connect check instead");
                kind = HealthCheckKind.tcp;
            }
        }
        boolean supported = List.of("TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK").contains(c.keyword());
        String path = null, program = null;
        Integer status = null, timeout = set.connectTimeout, fall = null;
        Integer retry = set.retry;
        Statement url = null;
        for (Statement s : c.block() == null ? List.<Statement>of() : c.block()) {
            if (!supported) continue; // reported above, as a whole
            switch (s.keyword()) {
                case "connect_timeout" -> timeout = values.seconds(s, s.arg(0), 1, 3600, "connect_timeout");
                case "connect_port" -> {
                    Integer p = values.integer(s, s.arg(0), 1, 65535, "connect_port");
                    if (p != null && !p.equals(port)) {
                        report.warning(s, "connect_port " + p + ": lvscp checks a real server on its own port ("
                                + (port == null ? "the virtual server's" : port) + "); ignored");
                    }
                }
                case "retry", "nb_get_retry" -> {
                    retry = values.integer(s, s.arg(0), 0, 99, s.keyword());
                }
                case "delay_before_retry" -> report.warning(s, "delay_before_retry: lvscp checks again after its interval; ignored");
                case "delay_loop" -> interval = values.seconds(s, s.arg(0), 1, 3600, "delay_loop");
                case "warmup" -> report.warning(s, "warmup: lvscp starts checking at once; ignored");
                case "url" -> {
                    if (url != null) {
                        report.warning(s, "url: lvscp checks one url per real server (the one at line " + url.line() + "); ignored");
                        continue;
                    }
                    url = s;
                    for (Statement u : s.block() == null ? List.<Statement>of() : s.block()) {
                        switch (u.keyword()) {
                            case "path" -> {
                                path = u.arg(0);
                                if (!Shapes.isHttpPath(path)) {
                                    report.error(u, "path '" + path + "' is not a path of visible ASCII characters starting with /");
                                }
                            }
                            case "status_code" -> {
                                if (u.args().size() == 1 && u.arg(0).matches("\\d{3}")) {
                                    status = values.integer(u, u.arg(0), 100, 599, "status_code");
                                } else {
                                    report.warning(u, "status_code " + u.value() + ": lvscp expects one status; imported with 200");
                                }
                            }
                            case "digest" -> report.warning(u, "digest: lvscp checks the status, not a digest of the body; ignored");
                            default -> report.warning(u, "url: '" + u.keyword() + "' has no lvscp equivalent; ignored");
                        }
                    }
                }
                case "misc_path" -> {
                    program = s.value();
                    String exe = Shapes.executable(program);
                    if (!Shapes.isProgramPath(exe)) {
                        report.error(s, "misc_path '" + exe + "' is not an absolute path (lvscp runs it without a shell)");
                    }
                }
                case "misc_timeout" -> timeout = values.seconds(s, s.arg(0), 1, 3600, "misc_timeout");
                case "misc_dynamic" -> report.warning(s, "misc_dynamic: lvscp does not set weights from a check's exit status; ignored");
                default -> report.warning(s, c.keyword() + ": '" + s.keyword() + "' has no lvscp equivalent; ignored");
            }
        }
        if (kind == HealthCheckKind.program && program == null) {
            report.error(c, "MISC_CHECK without misc_path");
        }
        // keepalived's defaults, written out since lvscp's differ: connect_timeout 5 s (a MISC_CHECK's misc_timeout
        // is its delay_loop), retry 1 (0 for MISC_CHECK) so a server is down after retry + 1 failures.
        if (timeout == null) timeout = kind == HealthCheckKind.program ? interval : DEFAULT_CONNECT_TIMEOUT;
        if (retry == null) retry = kind == HealthCheckKind.program ? 0 : 1;
        fall = retry + 1;
        int every = interval;
        if (timeout != null && timeout > 10 * every) {
            report.warning(c, "timeout " + timeout + " s is more than ten times the check interval: imported as " + 10 * every + " s");
            timeout = 10 * every;
        }
        return new HealthCheck(kind, path, status, null, null, null, program, interval, timeout, null, null, fall);
    }
}
