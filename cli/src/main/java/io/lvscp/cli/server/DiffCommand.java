package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvscp.cli.Lvscp;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lvscp diff CLUSTER --from N [--to M]}: what changed between two revisions, one line per change, each changed
 * field with its value before and after. The API's diff (GET .../diff) gives the changes as events, which carry only
 * the new values; the old ones come from the cluster as it was at N (GET .../state), followed through the changes.
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Show what changed in a cluster between revision N and M (default: its current revision).")
public final class DiffCommand implements Callable<Integer> {
    @Mixin
    ServerOptions server;

    @Mixin
    OutputOptions output;

    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--from", required = true, paramLabel = "N", description = "the revision to compare from (0: before the cluster existed)")
    long from;

    @Option(names = "--to", paramLabel = "M", description = "the revision to compare to (default: the current one)")
    Long to;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (from < 0 || (to != null && to < 0)) throw new CommandLine.ParameterException(spec.commandLine(), "revisions are 0 or more");
        PrintWriter out = spec.commandLine().getOut();
        String base = "/v1/clusters/" + Requests.segment(cluster);
        return Requests.run(spec, server, api -> {
            ApiClient.Answer a = api.send("GET", base + "/diff?from=" + from + (to == null ? "" : "&to=" + to), null, null);
            if (!a.ok()) return Requests.refused(spec, a);
            JsonNode diff = Requests.json(a);
            if (!output.table()) {
                output.print(out, diff);
                return Lvscp.OK;
            }
            Map<String, JsonNode> before = new HashMap<>();
            if (from > 0 && !diff.path("changes").isEmpty()) {
                ApiClient.Answer s = api.send("GET", base + "/state?revision=" + from, null, null);
                // 404: the cluster had been deleted at N, so nothing was there before.
                if (s.ok()) index(Requests.json(s), before);
                else if (s.status() != 404) return Requests.refused(spec, s);
            }
            JsonNode changes = diff.path("changes");
            String range = "revision " + diff.path("from").asText() + " -> " + diff.path("to").asText();
            if (changes.isEmpty()) {
                out.println("cluster " + cluster + ": no change from " + range);
            } else {
                out.println("cluster " + cluster + ": " + range + ", " + changes.size() + " change(s)");
                for (JsonNode c : changes) out.println(describe(c.path("type").asText(), c.path("data"), before));
            }
            out.flush();
            return Lvscp.OK;
        });
    }

    /** Every resource of a cluster document by key, without what only reads carry (status, health). */
    static void index(JsonNode cluster, Map<String, JsonNode> into) {
        ObjectNode settings = cluster.deepCopy();
        for (String f : List.of("revision", "primaryRouter", "backupRouter", "virtualServerCount", "activeRouters", "programmedRouters",
                "routers", "virtualServers", "firewallMarks")) settings.remove(f);
        into.put("settings", settings);
        for (JsonNode r : cluster.path("routers")) into.put("router/" + r.path("name").asText(), strip(r, "status"));
        for (JsonNode vs : cluster.path("virtualServers")) {
            String name = vs.path("name").asText();
            into.put("vs/" + name, strip(vs, "realServers"));
            for (JsonNode rs : vs.path("realServers")) into.put("rs/" + name + "/" + rs.path("name").asText(), strip(rs, "health", "effectiveHealthCheck"));
        }
        for (JsonNode m : cluster.path("firewallMarks")) into.put("mark/" + m.path("mark").asText(), m);
    }

    private static JsonNode strip(JsonNode n, String... fields) {
        ObjectNode o = n.deepCopy();
        for (String f : fields) o.remove(f);
        return o;
    }

    /** One change as a line: {@code +} added, {@code -} removed, {@code ~} changed; {@code state} follows along. */
    static String describe(String type, JsonNode d, Map<String, JsonNode> state) {
        String vs = d.path("virtualServer").isObject() ? d.path("virtualServer").path("name").asText() : d.path("virtualServer").asText();
        String rs = d.path("realServer").isObject() ? d.path("realServer").path("name").asText() : d.path("realServer").asText();
        String rsKey = "rs/" + vs + "/" + rs;
        String rsName = "real server " + vs + "/" + rs;
        return switch (type) {
            case "ClusterCreated" -> added(state, "settings", "cluster " + d.path("settings").path("name").asText(), d.path("settings"),
                    "routing " + d.path("settings").path("routingMethod").asText());
            case "ClusterSettingsChanged" -> changed(state, "settings", "cluster settings", d.path("settings"));
            case "ClusterDeleted" -> {
                state.clear();
                yield "- cluster " + d.path("cluster").asText();
            }
            case "RouterEnrolled" -> added(state, "router/" + d.path("router").path("name").asText(), "router " + d.path("router").path("name").asText(),
                    d.path("router"), d.path("router").path("publicAddress").asText() + ", prefers " + d.path("router").path("rolePreference").asText());
            case "RouterChanged" -> changed(state, "router/" + d.path("router").path("name").asText(), "router " + d.path("router").path("name").asText(), d.path("router"));
            case "RouterRemoved" -> removed(state, "router/" + d.path("router").asText(), "router " + d.path("router").asText());
            case "VirtualServerAdded" -> added(state, "vs/" + vs, "virtual server " + vs, d.path("virtualServer"), EventLog.service(d.path("virtualServer")));
            case "VirtualServerChanged" -> changed(state, "vs/" + vs, "virtual server " + vs, d.path("virtualServer"));
            case "VirtualServerActivated" -> field(state, "vs/" + vs, "virtual server " + vs, "active", true);
            case "VirtualServerDeactivated" -> field(state, "vs/" + vs, "virtual server " + vs, "active", false);
            case "VirtualServerRemoved" -> {
                state.keySet().removeIf(k -> k.startsWith("rs/" + vs + "/"));
                yield removed(state, "vs/" + vs, "virtual server " + vs);
            }
            case "RealServerAdded" -> added(state, rsKey, rsName, d.path("realServer"), EventLog.destination(d.path("realServer")) + " weight "
                    + d.path("realServer").path("weight").asText() + " " + d.path("realServer").path("forwarding").asText());
            case "RealServerChanged" -> changed(state, rsKey, rsName, d.path("realServer"));
            case "RealServerWeightChanged" -> field(state, rsKey, rsName, "weight", d.path("weight").asInt());
            case "RealServerDrained" -> field(state, rsKey, rsName, "state", "drained");
            case "RealServerEnabled" -> field(state, rsKey, rsName, "state", "active");
            case "RealServerRemoved" -> removed(state, rsKey, rsName);
            case "FirewallMarkAdded" -> added(state, "mark/" + d.path("firewallMark").path("mark").asText(), "firewall mark " + d.path("firewallMark").path("mark").asText(),
                    d.path("firewallMark"), EventLog.what(type, d));
            case "FirewallMarkChanged" -> changed(state, "mark/" + d.path("firewallMark").path("mark").asText(),
                    "firewall mark " + d.path("firewallMark").path("mark").asText(), d.path("firewallMark"));
            case "FirewallMarkRemoved" -> removed(state, "mark/" + d.path("mark").asText(), "firewall mark " + d.path("mark").asText());
            default -> "? " + type + ": " + EventLog.what(type, d);
        };
    }

    private static String added(Map<String, JsonNode> state, String key, String what, JsonNode now, String summary) {
        state.put(key, now);
        return "+ " + what + ": " + summary;
    }

    private static String removed(Map<String, JsonNode> state, String key, String what) {
        state.remove(key);
        return "- " + what;
    }

    private static String field(Map<String, JsonNode> state, String key, String what, String field, Object value) {
        JsonNode was = state.get(key);
        ObjectNode now = was == null ? io.lvscp.api.json.Json.mapper().createObjectNode() : was.deepCopy();
        now.set(field, io.lvscp.api.json.Json.mapper().valueToTree(value));
        return changed(state, key, what, now);
    }

    private static String changed(Map<String, JsonNode> state, String key, String what, JsonNode now) {
        JsonNode was = state.put(key, now);
        if (was == null) return "~ " + what + ": " + String.join(", ", flatten(now).entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
        Map<String, String> a = flatten(was);
        Map<String, String> b = flatten(now);
        Set<String> fields = new LinkedHashSet<>(a.keySet());
        fields.addAll(b.keySet());
        List<String> parts = new ArrayList<>();
        for (String f : fields) {
            if (Objects.equals(a.get(f), b.get(f))) continue;
            parts.add(f + " " + (a.get(f) == null ? "(none)" : a.get(f)) + " -> " + (b.get(f) == null ? "(none)" : b.get(f)));
        }
        return "~ " + what + ": " + (parts.isEmpty() ? "rewritten, no field changed" : String.join(", ", parts));
    }

    /** Leaves of a document by dotted path ({@code healthCheck.kind}); a list is one value, as it is read. */
    static Map<String, String> flatten(JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", n, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode n, Map<String, String> out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (!n.isNull() && !n.isMissingNode()) {
            out.put(prefix, n.isValueNode() ? n.asText() : n.toString());
        }
    }
}
