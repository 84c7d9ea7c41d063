package io.lvscp.cli.imports;

import io.lvscp.api.model.ClusterSpec;
import io.lvscp.api.model.ConnectionSync;
import io.lvscp.api.model.HealthCheck;
import io.lvscp.api.model.HealthCheckKind;
import io.lvscp.api.model.Heartbeat;
import io.lvscp.api.model.Shapes;
import io.lvscp.api.model.NatRouter;
import io.lvscp.api.model.Persistence;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.RealServerState;
import io.lvscp.api.model.RolePreference;
import io.lvscp.api.model.Router;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.Scheduler;
import io.lvscp.api.model.SorryServer;
import io.lvscp.api.model.VirtualServerSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Piranha's lvs.cf: {@code key = value} lines, {@code virtual NAME { ... }} blocks and, inside them,
 * {@code server NAME { ... }} blocks; '#' comments. A key given twice counts once, the last time (as Piranha's
 * parser reads it), and the repetition is reported.
 */
public final class LvsCfImporter {
    private final Report report;
    private final Values values;
    private final NameMapper vsNames;
    private final Map<String, Statement> origins;
    private final List<io.lvscp.api.model.FirewallMark> marks = new ArrayList<>();

    private LvsCfImporter(Report report, Map<String, Statement> origins) {
        this.origins = origins;
        this.report = report;
        this.values = new Values(report);
        this.vsNames = new NameMapper(report);
    }

    /** {@code origins} gets where each part of the document was written (see {@link Checks}). */
    public static ClusterSpec read(Path file, String text, String clusterName, Report report, Map<String, Statement> origins) {
        List<Statement> statements = new Tokenizer(file, "#", report).parse(text);
        return new LvsCfImporter(report, origins).cluster(statements, clusterName);
    }

    /** One line as key and value: "key = value", "key=value", "key value" (a block's header). */
    record Kv(String key, String value, List<String> words, Statement s) {}

    static Kv kv(Statement s) {
        List<String> words = new ArrayList<>();
        String key = s.keyword();
        List<String> rest = new ArrayList<>(s.args());
        int eq = key.indexOf('=');
        if (eq >= 0) {
            String after = key.substring(eq + 1);
            key = key.substring(0, eq);
            if (!after.isEmpty()) rest.add(0, after);
        } else if (!rest.isEmpty() && rest.get(0).startsWith("=")) {
            String after = rest.remove(0).substring(1);
            if (!after.isEmpty()) rest.add(0, after);
        }
        words.addAll(rest);
        // Not stripped: a quoted value keeps its white space ("GET / HTTP/1.0\r\n\r\n").
        return new Kv(key.toLowerCase(java.util.Locale.ROOT), String.join(" ", rest), words, s);
    }

    /** The lines of a block by key, the last of a repeated key counting and the repetition reported. */
    private Map<String, Kv> settings(List<Statement> block, List<Kv> blocks, String blockKeyword, String where) {
        Map<String, Kv> out = new HashMap<>();
        for (Statement s : block) {
            Kv kv = kv(s);
            if (s.hasBlock()) {
                if (kv.key.equals(blockKeyword)) {
                    blocks.add(kv);
                } else if (kv.key.equals("failover") && blockKeyword.equals("virtual")) {
                    report.warning(s, "failover " + kv.value + ": Piranha's failover services (service = fos) have no lvscp equivalent; ignored");
                } else {
                    report.warning(s, "'" + kv.key + " { ... }' is not a block lvs.cf has" + where + "; ignored");
                }
                continue;
            }
            Kv before = out.put(kv.key, kv);
            if (before != null) {
                report.warning(s, "'" + kv.key + "' given again (first at line " + before.s.line() + "); this one counts");
            }
        }
        return out;
    }

    private ClusterSpec cluster(List<Statement> statements, String clusterName) {
        List<Kv> virtuals = new ArrayList<>();
        Map<String, Kv> g = settings(statements, virtuals, "virtual", "");
        RoutingMethod routing = RoutingMethod.nat;
        NatRouter natRouter = null;
        String natAddress = null, natDevice = null, natMask = null;
        String primary = null, primaryPrivate = null, backup = null, backupPrivate = null;
        Boolean backupActive = null;
        Integer hbPort = null, keepalive = null, deadtime = null;
        Boolean sync = null;
        String syncIface = null;
        Integer syncId = null;
        Kv syncAt = null, natAt = null;
        for (Kv kv : g.values().stream().sorted((a, b) -> Integer.compare(a.s.line(), b.s.line())).toList()) {
            Statement s = kv.s;
            switch (kv.key) {
                case "serial_no" -> report.warning(s, "serial_no: lvscp numbers a cluster's revisions itself; ignored");
                case "primary" -> primary = values.address(s, kv.value, "primary");
                case "primary_private" -> primaryPrivate = values.address(s, kv.value, "primary_private");
                case "backup" -> backup = values.address(s, kv.value, "backup");
                case "backup_private" -> backupPrivate = values.address(s, kv.value, "backup_private");
                case "backup_active" -> backupActive = values.flag(s, kv.value, "backup_active");
                case "service" -> {
                    if (!"lvs".equalsIgnoreCase(kv.value)) {
                        report.error(s, "service = " + kv.value + ": only LVS clusters (service = lvs) are lvscp clusters");
                    }
                }
                case "heartbeat" -> {
                    Boolean on = values.flag(s, kv.value, "heartbeat");
                    if (Boolean.FALSE.equals(on)) {
                        report.warning(s, "heartbeat = 0: lvscp's router pair always heartbeats; imported with the heartbeat on");
                    }
                }
                case "heartbeat_port" -> hbPort = values.integer(s, kv.value, 1, 65535, "heartbeat_port");
                case "keepalive" -> keepalive = values.integer(s, kv.value, 1, 3600, "keepalive");
                case "deadtime" -> deadtime = values.integer(s, kv.value, 1, 3600, "deadtime");
                case "network" -> {
                    switch (kv.value.toLowerCase(java.util.Locale.ROOT)) {
                        case "nat" -> routing = RoutingMethod.nat;
                        case "direct" -> routing = RoutingMethod.direct;
                        case "tunnel" -> routing = RoutingMethod.tunnel;
                        default -> report.error(s, "network '" + kv.value + "' is not nat, direct or tunnel");
                    }
                }
                case "nat_router" -> {
                    natAt = kv;
                    if (kv.words.size() < 1) {
                        report.error(s, "nat_router needs \"ADDRESS DEVICE:LABEL\"");
                    } else {
                        String[] w = kv.value.split("\\s+");
                        natAddress = values.address(s, w[0], "nat_router address");
                        if (w.length < 2) {
                            report.error(s, "nat_router '" + kv.value + "' names no device (\"ADDRESS DEVICE:LABEL\")");
                        } else {
                            natDevice = values.device(s, w[1], "nat_router device");
                            if (w.length > 2) report.warning(s, "nat_router: '" + String.join(" ", Arrays.copyOfRange(w, 2, w.length)) + "' after the device ignored");
                        }
                    }
                }
                case "nat_nmask" -> natMask = kv.value;
                case "debug_level" -> report.warning(s, "debug_level: lvscp's logging is configured on the control plane and agents; ignored");
                case "monitor_links" -> report.warning(s, "monitor_links: lvscp finds a dead link by its heartbeats; ignored");
                case "syncdaemon" -> {
                    syncAt = kv;
                    sync = values.flag(s, kv.value, "syncdaemon");
                }
                case "syncd_iface" -> syncIface = values.device(s, kv.value, "syncd_iface");
                case "syncd_id" -> syncId = values.integer(s, kv.value, 0, 255, "syncd_id");
                case "tcp_timeout", "tcpfin_timeout", "udp_timeout" ->
                        report.warning(s, kv.key + ": lvscp does not set IPVS's connection timeouts (ipvsadm --set); ignored");
                default -> report.warning(s, "'" + kv.key + "' has no lvscp equivalent; ignored");
            }
        }
        if (natAt != null) {
            String mask = natMask == null ? null : values.netmask(g.get("nat_nmask").s, natMask, natAddress, "nat_nmask");
            if (natMask == null) report.error(natAt.s, "nat_router without nat_nmask: lvscp needs the NAT router's netmask");
            if (routing != RoutingMethod.nat) {
                report.warning(natAt.s, "nat_router: the cluster routes by " + routing + ", so it has no NAT router; ignored");
            } else {
                natRouter = new NatRouter(natAddress, mask, natDevice);
            }
        } else if (natMask != null) {
            report.warning(g.get("nat_nmask").s, "nat_nmask without nat_router; ignored");
        }
        ConnectionSync connectionSync = null;
        if (Boolean.TRUE.equals(sync)) {
            if (syncIface == null && !g.containsKey("syncd_iface")) {
                report.warning(syncAt.s, "syncdaemon without syncd_iface: the sync daemon runs on eth0, as Piranha's does");
                syncIface = "eth0";
            }
            connectionSync = new ConnectionSync(syncIface, syncId == null ? ConnectionSync.DEFAULT_SYNC_ID : syncId);
        } else if (syncIface != null || syncId != null) {
            Kv k = g.containsKey("syncd_iface") ? g.get("syncd_iface") : g.get("syncd_id");
            report.warning(k.s, k.key + " without syncdaemon = 1: connection sync stays off");
        }
        List<Router> routers = new ArrayList<>();
        if (primary != null) routers.add(new Router("primary", primary, primaryPrivate, RolePreference.primary));
        if (backup != null) {
            if (Boolean.FALSE.equals(backupActive)) {
                report.warning(g.get("backup_active").s, "backup_active = 0: the backup router is not imported");
            } else {
                routers.add(new Router("backup", backup, backupPrivate, RolePreference.backup));
            }
        }
        Heartbeat heartbeat = new Heartbeat(hbPort, keepalive, deadtime, null).withDefaults();
        if (g.containsKey("network")) origins.put("cluster", g.get("network").s);
        if (syncAt != null) origins.put("sync", g.containsKey("syncd_iface") ? g.get("syncd_iface").s : syncAt.s);
        if (g.containsKey("deadtime")) origins.put("heartbeat", g.get("deadtime").s);
        if (g.containsKey("primary")) origins.put("router:primary", g.get("primary").s);
        if (g.containsKey("backup")) origins.put("router:backup", g.get("backup").s);
        List<ClusterSpec.VirtualServer> vss = new ArrayList<>();
        for (Kv v : virtuals) {
            ClusterSpec.VirtualServer vs = virtual(v);
            if (vs != null) vss.add(vs);
        }
        return new ClusterSpec(clusterName, routing, natRouter, heartbeat, connectionSync, routers, vss, List.copyOf(marks));
    }

    private ClusterSpec.VirtualServer virtual(Kv header) {
        String name = vsNames.map(header.value, "virtual", header.s, "virtual server");
        origins.put("vs:" + name, header.s);
        List<Kv> servers = new ArrayList<>();
        Map<String, Kv> v = settings(header.s.block(), servers, "server", " inside a virtual server");
        String address = null, device = null, netmask = null, send = null, expect = null, program = null;
        Integer port = null, persistent = null, timeout = null, reentry = null;
        Long mark = null;
        Boolean active = null, useRegex = null, quiesce = null;
        String pmask = null;
        Scheduler scheduler = null;
        Protocol protocol = null;
        SorryServer sorry = null;
        for (Kv kv : v.values().stream().sorted((a, b) -> Integer.compare(a.s.line(), b.s.line())).toList()) {
            Statement s = kv.s;
            switch (kv.key) {
                case "active" -> active = values.flag(s, kv.value, "active");
                case "address" -> {
                    String[] w = kv.value.split("\\s+");
                    address = values.address(s, w[0], "virtual server address");
                    if (w.length < 2) {
                        report.error(s, "address '" + kv.value + "' names no device: lvscp needs the VIP's device (\"ADDRESS DEVICE:LABEL\")");
                    } else {
                        device = values.device(s, w[1], "virtual server device");
                    }
                }
                case "vip_nmask" -> netmask = kv.value;
                case "port" -> port = values.integer(s, kv.value, 1, 65535, "port");
                case "fwmark" -> mark = values.number(s, kv.value, Shapes.MIN_MARK, Shapes.MAX_MARK, "fwmark");
                case "persistent" -> persistent = values.integer(s, kv.value, 1, 31536000, "persistent");
                case "pmask" -> pmask = kv.value;
                case "send" -> send = kv.value;
                case "expect" -> expect = kv.value;
                case "use_regex" -> useRegex = values.flag(s, kv.value, "use_regex");
                case "send_program" -> program = kv.value;
                case "load_monitor" -> {
                    if (!"none".equalsIgnoreCase(kv.value)) {
                        report.warning(s, "load_monitor = " + kv.value + ": lvscp does not change weights by the real servers' load; ignored");
                    }
                }
                case "scheduler" -> {
                    try {
                        scheduler = Scheduler.valueOf(kv.value.toLowerCase(java.util.Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        report.error(s, "scheduler '" + kv.value + "' is not an IPVS scheduler lvscp knows");
                    }
                }
                case "protocol" -> {
                    switch (kv.value.toLowerCase(java.util.Locale.ROOT)) {
                        case "tcp" -> protocol = Protocol.tcp;
                        case "udp" -> protocol = Protocol.udp;
                        default -> report.error(s, "protocol '" + kv.value + "' is not tcp or udp");
                    }
                }
                case "timeout" -> timeout = values.integer(s, kv.value, 1, 3600, "timeout");
                case "reentry" -> reentry = values.integer(s, kv.value, 0, 86400, "reentry");
                case "quiesce_server" -> quiesce = values.flag(s, kv.value, "quiesce_server");
                case "sorry_server" -> sorry = sorry(s, kv.value);
                default -> report.warning(s, "'" + kv.key + "' has no lvscp equivalent in a virtual server; ignored");
            }
        }
        if (address == null && !v.containsKey("address")) report.error(header.s, "virtual server '" + header.value + "' has no address");
        if (netmask == null) {
            netmask = io.lvscp.api.model.IpAddresses.hostMask(address);
            if (address != null) report.warning(header.s, "virtual server '" + header.value + "' has no vip_nmask: imported with " + netmask);
        } else {
            netmask = values.netmask(v.get("vip_nmask").s, netmask, address, "vip_nmask");
        }
        if (mark != null && port != null) {
            // lvscp's firewall-mark virtual server balances a mark the cluster defines (its VIP, protocol and ports);
            // lvs.cf has the mark and a port, the iptables rules that mark packets are elsewhere.
            marks.add(new io.lvscp.api.model.FirewallMark(mark, protocol == null ? Protocol.tcp : protocol, address, List.of(String.valueOf(port))));
            report.warning(v.get("fwmark").s, "fwmark " + mark + ": imported as firewall mark " + mark + " gathering port " + port
                    + " (lvs.cf's port) of " + address + "; the iptables rules that marked packets are not in lvs.cf: add the other ports they mark");
        } else if (mark != null) {
            report.error(v.get("fwmark").s, "fwmark " + mark + " without a port: lvscp's firewall mark needs the ports it gathers, "
                    + "and lvs.cf does not hold the rules that mark packets");
        } else if (port == null) {
            report.error(header.s, "virtual server '" + header.value + "' has neither port nor fwmark");
        }
        Integer vsPort = mark != null ? null : port;
        Persistence persistence = null;
        if (persistent != null) {
            persistence = new Persistence(persistent, pmask == null ? null : values.netmask(v.get("pmask").s, pmask, address, "pmask"));
        } else if (pmask != null) {
            report.warning(v.get("pmask").s, "pmask without persistent; ignored");
        }
        HealthCheck check = check(v, send, expect, useRegex, program, timeout, reentry);
        NameMapper rsNames = new NameMapper(report);
        List<RealServer> reals = new ArrayList<>();
        for (Kv s : servers) {
            RealServer rs = server(s, rsNames, port, name);
            if (rs != null) reals.add(rs);
        }
        VirtualServerSpec spec = new VirtualServerSpec(name, address, netmask, device, vsPort, protocol, mark, scheduler,
                persistence, check, quiesce, sorry, active, null);
        return ClusterSpec.VirtualServer.of(spec, reals);
    }

    private HealthCheck check(Map<String, Kv> v, String send, String expect, Boolean useRegex, String program,
                              Integer timeout, Integer reentry) {
        Integer interval = null;
        if (timeout != null && timeout > 10 * HealthCheck.DEFAULT_INTERVAL_SECONDS) {
            interval = (timeout + 9) / 10;
            report.warning(v.get("timeout").s, "timeout " + timeout + " is more than ten times lvscp's check interval: "
                    + "imported with a check every " + interval + " s");
        }
        if (program != null) {
            String exe = Shapes.executable(program);
            if (!Shapes.isProgramPath(exe)) {
                report.error(v.get("send_program").s, "send_program '" + exe + "' is not an absolute path (lvscp runs it without a shell)");
            }
            if (send != null) report.warning(v.get("send").s, "send is not used with send_program; ignored");
            if (expect != null) {
                report.warning(v.get("expect").s, "expect with send_program: lvscp's program check passes on exit status 0 "
                        + "and does not compare the program's output with '" + expect + "'");
            }
            if (useRegex != null) report.warning(v.get("use_regex").s, "use_regex is not used with send_program; ignored");
            return new HealthCheck(HealthCheckKind.program, null, null, null, null, null, program, interval, timeout, reentry, null, null);
        }
        if (send != null || expect != null) {
            if (Boolean.TRUE.equals(useRegex) && expect != null) {
                try {
                    java.util.regex.Pattern.compile(expect);
                } catch (java.util.regex.PatternSyntaxException e) {
                    report.error(v.get("expect").s, "expect '" + expect + "' is not a regular expression (use_regex = 1): " + e.getDescription());
                }
            }
            return new HealthCheck(HealthCheckKind.expect, null, null, send, expect, useRegex, null, interval, timeout, reentry, null, null);
        }
        if (useRegex != null) report.warning(v.get("use_regex").s, "use_regex without expect; ignored");
        return new HealthCheck(HealthCheckKind.tcp, null, null, null, null, null, null, interval, timeout, reentry, null, null);
    }

    private SorryServer sorry(Statement s, String value) {
        String[] w = value.split("[\\s]+");
        String addr = w[0];
        Integer port = null;
        if (w.length > 1) {
            port = values.integer(s, w[1], 1, 65535, "sorry_server port");
        } else if (addr.indexOf(':') == addr.lastIndexOf(':') && addr.indexOf(':') > 0) {
            port = values.integer(s, addr.substring(addr.indexOf(':') + 1), 1, 65535, "sorry_server port");
            addr = addr.substring(0, addr.indexOf(':'));
        }
        addr = values.address(s, addr, "sorry_server");
        return addr == null ? null : new SorryServer(addr, port);
    }

    private RealServer server(Kv header, NameMapper names, Integer virtualPort, String vsName) {
        String name = names.map(header.value, "server", header.s, "real server");
        origins.put("rs:" + vsName + "/" + name, header.s);
        Map<String, Kv> r = settings(header.s.block(), new ArrayList<>(), "\0", " inside a server");
        String address = null;
        Integer port = null, weight = null;
        Boolean active = null;
        for (Kv kv : r.values().stream().sorted((a, b) -> Integer.compare(a.s.line(), b.s.line())).toList()) {
            Statement s = kv.s;
            switch (kv.key) {
                case "address" -> address = values.address(s, kv.value.split("\\s+")[0], "real server address");
                case "active" -> active = values.flag(s, kv.value, "active");
                case "port" -> port = values.integer(s, kv.value, 0, 65535, "port");
                case "weight" -> weight = values.integer(s, kv.value, 0, RealServer.MAX_WEIGHT, "weight");
                default -> report.warning(s, "'" + kv.key + "' has no lvscp equivalent in a real server; ignored");
            }
        }
        if (!r.containsKey("address")) report.error(header.s, "real server '" + header.value + "' has no address");
        if (Boolean.FALSE.equals(active)) {
            report.note(r.get("active").s, "real server '" + header.value + "' is switched off (active = 0): imported as drained, "
                    + "which lvscp keeps in IPVS at weight 0 (no new connections) where Piranha leaves it out");
        }
        return new RealServer(name, address, port == null ? virtualPort : port, weight, null,
                Boolean.FALSE.equals(active) ? RealServerState.drained : null, null, null, null);
    }
}
