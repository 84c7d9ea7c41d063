package io.lvscp.cli.imports;

import io.lvscp.api.model.ClusterSpec;
import io.lvscp.api.model.ClusterSettings;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.KernelInputs;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.Router;
import io.lvscp.api.model.VirtualServerState;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads a configuration file of either format into a cluster document and a report. */
public final class Importer {
    public enum Format {
        lvs_cf("lvs.cf"), keepalived("keepalived");

        public final String label;

        Format(String label) {
            this.label = label;
        }

        public static Format of(String s) {
            for (Format f : values()) if (f.label.equalsIgnoreCase(s)) return f;
            throw new IllegalArgumentException("'" + s + "' is not a format: lvs.cf or keepalived");
        }
    }

    public record Result(ClusterSpec document, Report report) {}

    private static final Set<String> KEEPALIVED_KEYWORDS = Set.of("global_defs", "vrrp_instance", "virtual_server",
            "virtual_server_group", "vrrp_sync_group", "vrrp_script", "static_ipaddress", "static_routes", "include");
    private static final Pattern LVS_CF_LINE = Pattern.compile("(?m)^\\s*(serial_no|primary|service|network|virtual\\s+\\S.*\\{|[a-z_]+\\s*=)");

    private Importer() {}

    /**
     * The format of {@code text}: keepalived when a line starts with one of keepalived's top-level keywords
     * (global_defs, vrrp_instance, virtual_server, virtual_server_group, include, ...); lvs.cf when a line is
     * {@code key = value} or {@code virtual NAME {}; null when neither (or both, keepalived's keyword first).
     */
    public static Format detect(String text) {
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith("!")) continue;
            String first = t.split("[\\s{]", 2)[0];
            if (KEEPALIVED_KEYWORDS.contains(first)) return Format.keepalived;
            if (LVS_CF_LINE.matcher(line).find()) return Format.lvs_cf;
        }
        return null;
    }

    /** The cluster of {@code file}; {@code defaultDevice} is keepalived's device for VIPs no vrrp_instance holds. */
    public static Result read(Path file, Format format, String clusterName, String defaultDevice) throws IOException {
        return read(file, format, clusterName, defaultDevice, null);
    }

    /**
     * As {@link #read(Path, Format, String, String)}; {@code natRouter} is keepalived's NAT router (keepalived.conf
     * does not single out the real servers' gateway among its VIPs).
     */
    public static Result read(Path file, Format format, String clusterName, String defaultDevice,
                              io.lvscp.api.model.NatRouter natRouter) throws IOException {
        return read(file, format, clusterName, defaultDevice, natRouter, null);
    }

    /** As above; {@code configId} is keepalived's config id (-i), for its conditional {@code @ID} lines. */
    public static Result read(Path file, Format format, String clusterName, String defaultDevice,
                              io.lvscp.api.model.NatRouter natRouter, String configId) throws IOException {
        Report report = new Report();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String name = clusterName;
        if (name == null) {
            String base = file.getFileName().toString().replaceFirst("\\.(cf|conf)$", "");
            name = new NameMapper(report).map(base, "imported", new Statement("", List.of(), null, file, 1),
                    "cluster (from the file's name)");
        } else {
            name = new NameMapper(report).map(clusterName, "imported", new Statement("", List.of(), null, file, 1), "cluster");
        }
        java.util.Map<String, Statement> origins = new java.util.HashMap<>();
        ClusterSpec d = switch (format) {
            case lvs_cf -> LvsCfImporter.read(file, text, name, report, origins);
            case keepalived -> KeepalivedImporter.read(file, name, defaultDevice, natRouter, configId, report, origins);
        };
        if (format == Format.lvs_cf && natRouter != null) report.warning(file, 1, "--nat-router ignored: lvs.cf has nat_router");
        if (!report.hasErrors()) {
            new Checks(report, origins, file).check(d, format == Format.lvs_cf
                    ? "network = nat needs nat_router and nat_nmask"
                    : "keepalived.conf does not single it out among its VIPs: give --nat-router ADDRESS/NETMASK DEVICE");
        }
        if (!report.hasErrors()) {
            for (String p : KernelInputs.problems(state(d))) report.error(file, 1, "the document would be refused: " + p);
        }
        return new Result(d, report);
    }

    /** The document as the state the API and agents check ({@link KernelInputs}). */
    static ClusterState state(ClusterSpec d) {
        ClusterState s = ClusterState.absent(d.name()).withSettings(
                new ClusterSettings(d.name(), d.routingMethod(), d.natRouter(), d.heartbeat(), d.connectionSync()));
        for (Router r : d.routers()) s = s.withRouter(r);
        for (ClusterSpec.VirtualServer v : d.virtualServers()) {
            VirtualServerState vs = VirtualServerState.of(v.spec());
            for (RealServer r : v.realServers()) vs = vs.withRealServer(r);
            s = s.withVirtualServer(vs);
        }
        return s;
    }
}
