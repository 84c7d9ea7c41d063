package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.cli.Lvscp;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lvscp get KIND ...}: one resource or list of the API as a table, or as the API's JSON or YAML. Each kind is
 * one GET; the table shows the fields an operator reads, {@code -o yaml} all of them.
 */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = "List clusters, routers, virtual servers, real servers, firewall marks or tokens, or show a cluster.",
        subcommands = {GetCommand.Clusters.class, GetCommand.Cluster.class, GetCommand.Routers.class, GetCommand.VirtualServers.class,
                GetCommand.RealServers.class, GetCommand.FirewallMarks.class, GetCommand.Tokens.class})
public final class GetCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "say what to get: clusters, cluster, routers, virtual-servers, real-servers, firewall-marks or tokens");
    }

    /** What every kind does: GET one path, then the table or the document. */
    abstract static class Kind implements Callable<Integer> {
        @Mixin
        ServerOptions server;

        @Mixin
        OutputOptions output;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract String path();

        abstract void table(PrintWriter out, JsonNode doc);

        @Override
        public Integer call() throws Exception {
            return Requests.run(spec, server, api -> {
                ApiClient.Answer a = api.send("GET", path(), null, null);
                if (!a.ok()) return Requests.refused(spec, a);
                JsonNode doc = Requests.json(a);
                PrintWriter out = spec.commandLine().getOut();
                if (output.table()) table(out, doc);
                else output.print(out, doc);
                out.flush();
                return Lvscp.OK;
            });
        }
    }

    static void print(PrintWriter out, Table t, String nothing) {
        if (t.empty()) out.println(nothing);
        else t.print(out, "");
    }

    @Command(name = "clusters", mixinStandardHelpOptions = true, description = "Every cluster: revision, routing, routers, virtual servers.")
    static final class Clusters extends Kind {
        @Override
        String path() {
            return "/v1/clusters";
        }

        @Override
        void table(PrintWriter out, JsonNode doc) {
            Table t = new Table("NAME", "REVISION", "ROUTING", "PRIMARY", "BACKUP", "VIRTUAL SERVERS");
            for (JsonNode c : doc.path("items")) {
                t.row(c.path("name").asText(), c.path("revision").asText(), c.path("routingMethod").asText(),
                        c.path("primaryRouter").asText(null), c.path("backupRouter").asText(null), c.path("virtualServerCount").asText());
            }
            print(out, t, "no clusters");
        }
    }

    @Command(name = "cluster", mixinStandardHelpOptions = true,
            description = "A cluster's settings and contents; with --revision or --at, as it was then (GET .../state).")
    static final class Cluster extends Kind {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Option(names = "--revision", paramLabel = "N", description = "the cluster at this revision")
        Long revision;

        @Option(names = "--at", paramLabel = "TIME", description = "the cluster at this time (RFC 3339)")
        String at;

        @Override
        String path() {
            if (revision != null && at != null) throw new CommandLine.ParameterException(spec.commandLine(), "give --revision or --at, not both");
            String base = "/v1/clusters/" + Requests.segment(cluster);
            if (revision != null) return base + "/state?revision=" + revision;
            if (at != null) return base + "/state?at=" + Requests.query(at);
            return base;
        }

        @Override
        void table(PrintWriter out, JsonNode c) {
            Table t = new Table("FIELD", "VALUE");
            t.row("name", c.path("name").asText());
            t.row("revision", c.path("revision").asText());
            t.row("routing", c.path("routingMethod").asText());
            if (c.has("natRouter")) {
                JsonNode n = c.path("natRouter");
                t.row("nat router", n.path("address").asText() + "/" + n.path("netmask").asText() + " on " + n.path("device").asText());
            }
            JsonNode hb = c.path("heartbeat");
            t.row("heartbeat", "port " + hb.path("port").asText() + ", keepalive " + hb.path("keepaliveSeconds").asText() + " s, deadtime "
                    + hb.path("deadtimeSeconds").asText() + " s");
            if (c.has("connectionSync")) t.row("connection sync", c.path("connectionSync").toString());
            t.row("routers", names(c.path("routers"), "name"));
            t.row("active routers", names(c.path("activeRouters"), null));
            t.row("programmed routers", names(c.path("programmedRouters"), null));
            t.row("virtual servers", names(c.path("virtualServers"), "name"));
            t.row("firewall marks", names(c.path("firewallMarks"), "mark"));
            t.print(out, "");
        }
    }

    @Command(name = "routers", mixinStandardHelpOptions = true, description = "A cluster's routers and what their agents last reported.")
    static final class Routers extends Kind {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        String path() {
            return "/v1/clusters/" + Requests.segment(cluster) + "/routers";
        }

        @Override
        void table(PrintWriter out, JsonNode doc) {
            Table t = new Table("NAME", "PUBLIC", "PRIVATE", "PREFERS", "CONNECTED", "ROLE", "DRIVER", "APPLIED", "LAST ERROR");
            for (JsonNode r : doc.path("items")) {
                JsonNode s = r.path("status");
                t.row(r.path("name").asText(), r.path("publicAddress").asText(), r.path("privateAddress").asText(null),
                        r.path("rolePreference").asText(), s.path("connected").asBoolean() ? "yes" : "no", s.path("role").asText(null),
                        s.path("driver").asText(null), StatusCommand.reported(s) ? s.path("appliedRevision").asText(null) : null, s.path("lastError").asText(null));
            }
            print(out, t, "no routers");
        }
    }

    @Command(name = "virtual-servers", aliases = "vs", mixinStandardHelpOptions = true, description = "A cluster's virtual servers.")
    static final class VirtualServers extends Kind {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        String path() {
            return "/v1/clusters/" + Requests.segment(cluster) + "/virtual-servers";
        }

        @Override
        void table(PrintWriter out, JsonNode doc) {
            Table t = new Table("NAME", "SERVICE", "SCHEDULER", "ACTIVE", "CHECK", "PERSISTENCE", "REAL SERVERS");
            for (JsonNode vs : doc.path("items")) {
                String service = vs.hasNonNull("firewallMark") ? "fwm " + vs.path("firewallMark").asText()
                        : vs.path("protocol").asText() + " " + EventLog.hostPort(vs.path("address").asText(), vs.path("port").asText());
                t.row(vs.path("name").asText(), service, vs.path("scheduler").asText(), vs.path("active").asBoolean() ? "yes" : "no",
                        vs.path("healthCheck").path("kind").asText(), vs.has("persistence") ? vs.path("persistence").path("timeoutSeconds").asText() + " s" : null,
                        vs.path("realServers").size());
            }
            print(out, t, "no virtual servers");
        }
    }

    @Command(name = "real-servers", aliases = "rs", mixinStandardHelpOptions = true, description = "The real servers of a virtual server.")
    static final class RealServers extends Kind {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "VIRTUAL-SERVER")
        String virtualServer;

        @Override
        String path() {
            return "/v1/clusters/" + Requests.segment(cluster) + "/virtual-servers/" + Requests.segment(virtualServer) + "/real-servers";
        }

        @Override
        void table(PrintWriter out, JsonNode doc) {
            Table t = new Table("NAME", "ADDRESS", "FORWARD", "WEIGHT", "STATE", "HEALTH");
            for (JsonNode rs : doc.path("items")) {
                List<String> health = new ArrayList<>();
                rs.path("health").forEach(h -> health.add(h.path("router").asText() + " " + (h.path("healthy").asBoolean() ? "up"
                        : "DOWN" + (h.hasNonNull("reason") ? " (" + h.path("reason").asText() + ")" : ""))));
                t.row(rs.path("name").asText(), EventLog.destination(rs), rs.path("forwarding").asText(), rs.path("weight").asText(),
                        rs.path("state").asText(), health.isEmpty() ? null : String.join(", ", health));
            }
            print(out, t, "no real servers");
        }
    }

    @Command(name = "firewall-marks", aliases = "marks", mixinStandardHelpOptions = true, description = "A cluster's firewall marks.")
    static final class FirewallMarks extends Kind {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        String path() {
            return "/v1/clusters/" + Requests.segment(cluster) + "/firewall-marks";
        }

        @Override
        void table(PrintWriter out, JsonNode doc) {
            Table t = new Table("MARK", "PROTOCOL", "ADDRESS", "PORTS");
            for (JsonNode m : doc.path("items")) t.row(m.path("mark").asText(), m.path("protocol").asText(), m.path("address").asText(), names(m.path("ports"), null));
            print(out, t, "no firewall marks");
        }
    }

    @Command(name = "tokens", mixinStandardHelpOptions = true, description = "The API tokens and agent credentials (an admin's read; no secrets).")
    static final class Tokens extends Kind {
        @Override
        String path() {
            return "/v1/tokens";
        }

        @Override
        void table(PrintWriter out, JsonNode doc) {
            Table t = new Table("ID", "NAME", "ROLE", "CLUSTERS", "ROUTER", "STATE", "CREATED", "BY", "EXPIRES");
            for (JsonNode k : doc.path("items")) {
                t.row(k.path("id").asText(), k.path("name").asText(), k.path("role").asText(),
                        k.path("clusters").isEmpty() ? "all" : names(k.path("clusters"), null), k.path("router").asText(null), k.path("state").asText(),
                        EventLog.time(k.path("createdAt").asText(null)), k.path("createdBy").asText(null),
                        k.hasNonNull("expiresAt") ? EventLog.time(k.path("expiresAt").asText()) : null);
            }
            print(out, t, "no tokens");
        }
    }

    /** The names (or {@code field} of each object) of a list, comma-separated; "-" for none. */
    static String names(JsonNode array, String field) {
        List<String> n = new ArrayList<>();
        array.forEach(x -> n.add(field == null ? x.asText() : x.path(field).asText()));
        return n.isEmpty() ? "-" : String.join(", ", n);
    }
}
