package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.Lvscp;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code lvscp status [CLUSTER]}: what an operator looks at first. A cluster's routers (connected, role, the revision
 * their kernel holds against the one desired, the last error, drift corrected lately) and its services with their
 * real servers as {@code ipvsadm -Ln} lists them, with each router's health verdict. Without CLUSTER, every cluster
 * in a few lines. Read from GET /v1/clusters/{cluster} and the cluster's DriftCorrected events.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a cluster's routers and services as they are now; without CLUSTER, every cluster briefly.")
public final class StatusCommand implements Callable<Integer> {
    /** How far back drift is counted: long enough to see a night's corrections, short enough to read quickly. */
    static final Duration DRIFT_WINDOW = Duration.ofHours(24);

    @Mixin
    ServerOptions server;

    @Mixin
    OutputOptions output;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CLUSTER", description = "the cluster (default: every cluster, briefly)")
    String cluster;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        return Requests.run(spec, server, api -> {
            List<String> names = new ArrayList<>();
            if (cluster != null) {
                names.add(cluster);
            } else {
                ApiClient.Answer list = api.send("GET", "/v1/clusters", null, null);
                if (!list.ok()) return Requests.refused(spec, list);
                Requests.json(list).path("items").forEach(c -> names.add(c.path("name").asText()));
            }
            List<JsonNode> all = new ArrayList<>();
            for (String name : names) {
                ApiClient.Answer a = api.send("GET", "/v1/clusters/" + Requests.segment(name), null, null);
                if (!a.ok()) return Requests.refused(spec, a);
                JsonNode c = Requests.json(a);
                EventLog.Read drift = EventLog.read(api, "cluster=" + Requests.query(name) + "&type=DriftCorrected&since="
                        + Requests.query(Instant.now().minus(DRIFT_WINDOW).toString()), 0, e -> true);
                if (drift.refused() != null) return Requests.refused(spec, drift.refused());
                ObjectNode one = Json.mapper().createObjectNode();
                one.set("cluster", c);
                one.set("driftCorrected", Json.mapper().createArrayNode().addAll(drift.events()));
                all.add(one);
            }
            if (!output.table()) {
                output.print(out, cluster != null ? all.get(0) : EventLog.items(all));
                return Lvscp.OK;
            }
            if (all.isEmpty()) out.println("no clusters");
            for (int i = 0; i < all.size(); i++) {
                if (i > 0) out.println();
                JsonNode c = all.get(i).path("cluster");
                header(out, c);
                routers(out, c, all.get(i).path("driftCorrected"), cluster == null ? "  " : "");
                if (cluster != null) services(out, c);
                else summary(out, c);
            }
            out.flush();
            return Lvscp.OK;
        });
    }

    private static void header(PrintWriter out, JsonNode c) {
        out.println("cluster " + c.path("name").asText() + "  revision " + c.path("revision").asText() + "  routing "
                + c.path("routingMethod").asText() + "  active " + names(c.path("activeRouters")) + "  programmed "
                + names(c.path("programmedRouters")));
        int active = c.path("activeRouters").size();
        if (c.path("routers").size() > 0 && active == 0) out.println("! no router holds the VIPs");
        if (active > 1) out.println("! split brain: " + names(c.path("activeRouters")) + " both hold the VIPs");
    }

    private static void routers(PrintWriter out, JsonNode c, JsonNode drift, String indent) {
        if (c.path("routers").isEmpty()) {
            out.println(indent + "no routers enrolled");
            return;
        }
        long desired = c.path("revision").asLong();
        Table t = new Table("ROUTER", "PREFERS", "ROLE", "CONNECTED", "DRIVER", "APPLIED", "DESIRED", "SYNC", "LAST ERROR",
                "DRIFT (" + DRIFT_WINDOW.toHours() + " h)");
        for (JsonNode r : c.path("routers")) {
            JsonNode s = r.path("status");
            String name = r.path("name").asText();
            boolean reported = reported(s);
            long applied = s.path("appliedRevision").asLong(0);
            String sync = !reported ? "never connected" : applied == desired ? "in sync" : applied == 0 ? "nothing applied"
                    : applied < desired ? "behind " + (desired - applied) : "ahead " + (applied - desired);
            String error = s.hasNonNull("lastError") ? "revision " + s.path("lastErrorRevision").asText("?") + ": " + s.path("lastError").asText() : null;
            List<JsonNode> mine = new ArrayList<>();
            drift.forEach(e -> {
                if (name.equals(e.path("data").path("router").asText())) mine.add(e);
            });
            String corrected = mine.isEmpty() ? "none" : mine.size() + " corrected, last " + EventLog.time(mine.get(mine.size() - 1).path("recordedAt").asText(null));
            t.row(name, r.path("rolePreference").asText(), s.path("role").asText("-"),
                    s.path("connected").asBoolean() ? "yes" : reported ? "no, last seen " + EventLog.time(s.path("lastSeenAt").asText(null)) : "no",
                    s.path("driver").asText("-"), reported ? applied : null, desired, sync, error, corrected);
        }
        t.print(out, indent);
    }

    /** The API shows every router with a status; one whose agent never said hello has no driver and was never seen. */
    static boolean reported(JsonNode status) {
        return status.path("connected").asBoolean() || status.hasNonNull("lastSeenAt") || status.hasNonNull("driver");
    }

    private static void summary(PrintWriter out, JsonNode c) {
        int real = 0, drained = 0, down = 0, inactive = 0;
        for (JsonNode vs : c.path("virtualServers")) {
            if (!vs.path("active").asBoolean(true)) inactive++;
            for (JsonNode rs : vs.path("realServers")) {
                real++;
                if ("drained".equals(rs.path("state").asText())) drained++;
                boolean failing = false;
                for (JsonNode h : rs.path("health")) failing |= !h.path("healthy").asBoolean(true);
                if (failing) down++;
            }
        }
        out.println("  " + c.path("virtualServers").size() + " virtual server(s)" + (inactive > 0 ? " (" + inactive + " inactive)" : "")
                + ", " + real + " real server(s)" + (drained > 0 || down > 0 ? ": " + drained + " drained, " + down + " failing a health check" : ""));
    }

    private static void services(PrintWriter out, JsonNode c) {
        if (c.path("virtualServers").isEmpty()) {
            out.println();
            out.println("no virtual servers");
            return;
        }
        // The cluster's routers first, in its order; then any router that still has a verdict but left the cluster.
        Set<String> routers = new LinkedHashSet<>();
        c.path("routers").forEach(r -> routers.add(r.path("name").asText()));
        c.path("virtualServers").forEach(vs -> vs.path("realServers").forEach(rs -> rs.path("health").forEach(h -> routers.add(h.path("router").asText()))));
        for (JsonNode vs : c.path("virtualServers")) {
            out.println();
            out.println(serviceLine(vs));
            if (vs.path("realServers").isEmpty()) {
                out.println("  -> (no real servers)");
                continue;
            }
            List<String> header = new ArrayList<>(List.of("-> REAL SERVER", "NAME", "FORWARD", "WEIGHT", "STATE"));
            routers.forEach(r -> header.add("HEALTH " + r));
            Table t = new Table(header.toArray(String[]::new));
            for (JsonNode rs : vs.path("realServers")) {
                List<Object> row = new ArrayList<>(List.of("-> " + EventLog.destination(rs), rs.path("name").asText(),
                        rs.path("forwarding").asText(), rs.path("weight").asText(), rs.path("state").asText()));
                for (String r : routers) row.add(health(rs, r));
                t.row(row.toArray());
            }
            t.print(out, "  ");
        }
    }

    /** The header of a service as ipvsadm writes it ({@code TCP  192.168.26.10:80 wrr persistent 300}), then lvscp's own. */
    private static String serviceLine(JsonNode vs) {
        StringBuilder b = new StringBuilder();
        if (vs.hasNonNull("firewallMark")) b.append("FWM  ").append(vs.path("firewallMark").asText());
        else b.append(vs.path("protocol").asText("tcp").toUpperCase(java.util.Locale.ROOT)).append("  ")
                .append(EventLog.hostPort(vs.path("address").asText(), vs.path("port").asText()));
        b.append(" ").append(vs.path("scheduler").asText());
        if (vs.has("persistence")) b.append(" persistent ").append(vs.path("persistence").path("timeoutSeconds").asText());
        b.append("  (").append(vs.path("name").asText());
        if (!vs.path("active").asBoolean(true)) b.append(", inactive");
        b.append(", check ").append(vs.path("healthCheck").path("kind").asText("?"));
        if (vs.path("quorum").asInt(0) > 0) b.append(", quorum ").append(vs.path("quorum").asInt());
        if (vs.has("sorryServer")) b.append(", sorry server ").append(EventLog.destination(vs.path("sorryServer")));
        return b.append(")").toString();
    }

    private static String health(JsonNode rs, String router) {
        for (JsonNode h : rs.path("health")) {
            if (!router.equals(h.path("router").asText())) continue;
            if (h.path("healthy").asBoolean()) return "up";
            return "DOWN" + (h.hasNonNull("reason") ? ": " + h.path("reason").asText() : "") + " since " + EventLog.time(h.path("since").asText(null));
        }
        // No verdict yet: the router has not checked it (or has not reported since its agent started).
        return "-";
    }

    private static String names(JsonNode array) {
        List<String> n = new ArrayList<>();
        array.forEach(x -> n.add(x.asText()));
        return n.isEmpty() ? "none" : String.join(",", n);
    }
}
