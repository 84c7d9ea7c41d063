package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.json.Json;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The event log as the read commands use it: paged through its cursor, and each event told in a few words. */
final class EventLog {
    /** The API's largest page: fewer round trips for a long history. */
    private static final int PAGE = 1000;

    /** The events read, or the answer that refused the read. */
    record Read(List<JsonNode> events, ApiClient.Answer refused) {}

    private EventLog() {}

    /**
     * Pages through {@code GET /v1/events?query} from its start until a page comes back empty or {@code limit} events
     * (0: no limit) passed {@code keep}. Filters the API has no parameter for are applied here, so they do not count
     * against the limit.
     */
    static Read read(ApiClient api, String query, int limit, Predicate<JsonNode> keep) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        while (true) {
            String path = "/v1/events?" + query + "&limit=" + PAGE + (cursor == null ? "" : "&cursor=" + Requests.query(cursor));
            ApiClient.Answer a = api.send("GET", path, null, null);
            if (!a.ok()) return new Read(out, a);
            JsonNode page = Requests.json(a);
            for (JsonNode e : page.path("items")) {
                if (!keep.test(e)) continue;
                out.add(e);
                if (limit > 0 && out.size() >= limit) return new Read(out, null);
            }
            // A short page is the end of the log so far: the server fills a page whenever it has the events.
            if (page.path("items").size() < PAGE || !page.hasNonNull("nextCursor")) return new Read(out, null);
            cursor = page.path("nextCursor").asText();
        }
    }

    static boolean desired(JsonNode e) {
        return e.path("stream").asText().startsWith("cluster/");
    }

    /** A cluster's revision for its own stream; the routers' observations have their own counter, not shown. */
    static String revision(JsonNode e) {
        return desired(e) ? e.path("revision").asText() : "-";
    }

    /** An RFC 3339 time to the second, in UTC: enough to read, and sorts as text. */
    static String time(String rfc3339) {
        if (rfc3339 == null || rfc3339.isEmpty()) return "-";
        try {
            return OffsetDateTime.parse(rfc3339).toInstant().truncatedTo(ChronoUnit.SECONDS).toString();
        } catch (java.time.DateTimeException e) {
            return rfc3339;
        }
    }

    static String reason(JsonNode e) {
        String r = e.path("metadata").path("reason").asText("");
        return r.isEmpty() ? "-" : r;
    }

    /** What an event did, in the words of the resources it touches; an unknown type shows its data. */
    static String what(String type, JsonNode d) {
        String vsrs = d.path("virtualServer").asText("?") + "/" + (d.path("realServer").isObject()
                ? d.path("realServer").path("name").asText("?") : d.path("realServer").asText("?"));
        return switch (type) {
            case "ClusterCreated", "ClusterSettingsChanged" -> d.path("settings").path("name").asText("") + " routing "
                    + d.path("settings").path("routingMethod").asText("?");
            case "ClusterDeleted" -> d.path("cluster").asText("");
            case "RouterEnrolled", "RouterChanged" -> d.path("router").path("name").asText("?") + " "
                    + d.path("router").path("publicAddress").asText("") + " prefers " + d.path("router").path("rolePreference").asText("?");
            case "RouterRemoved" -> d.path("router").asText("?");
            case "VirtualServerAdded", "VirtualServerChanged" -> d.path("virtualServer").path("name").asText("?") + " "
                    + service(d.path("virtualServer"));
            case "VirtualServerActivated", "VirtualServerDeactivated", "VirtualServerRemoved" -> d.path("virtualServer").asText("?");
            case "RealServerAdded", "RealServerChanged" -> vsrs + " " + destination(d.path("realServer")) + " weight "
                    + d.path("realServer").path("weight").asText("?");
            case "RealServerWeightChanged" -> vsrs + " weight " + d.path("weight").asText("?");
            case "RealServerDrained", "RealServerEnabled", "RealServerRemoved" -> vsrs;
            case "FirewallMarkAdded", "FirewallMarkChanged" -> "mark " + d.path("firewallMark").path("mark").asText("?") + " "
                    + d.path("firewallMark").path("address").asText("") + " " + join(d.path("firewallMark").path("ports"));
            case "FirewallMarkRemoved" -> "mark " + d.path("mark").asText("?");
            case "RealServerHealthChanged" -> "on " + d.path("router").asText("?") + ": " + vsrs + " "
                    + (d.path("healthy").asBoolean() ? "up" : "down") + (d.hasNonNull("reason") ? " (" + d.path("reason").asText() + ")" : "");
            case "RouterRoleChanged" -> d.path("router").asText("?") + " " + d.path("role").asText("?")
                    + (d.hasNonNull("reason") ? " (" + d.path("reason").asText() + ")" : "");
            case "DriftCorrected" -> "on " + d.path("router").asText("?") + " at revision " + d.path("revision").asText("?") + ": "
                    + d.path("corrections").size() + " correction(s)" + (d.path("corrections").isEmpty() ? "" : ", " + d.path("corrections").get(0).asText());
            default -> compact(d);
        };
    }

    /** {@code tcp 192.168.26.10:80 wrr} or {@code fwm 80 wrr}, as the kernel would name the service. */
    static String service(JsonNode vs) {
        String where = vs.hasNonNull("firewallMark") ? "fwm " + vs.path("firewallMark").asText()
                : vs.path("protocol").asText("tcp") + " " + hostPort(vs.path("address").asText("?"), vs.path("port").asText("?"));
        return where + " " + vs.path("scheduler").asText("?");
    }

    static String destination(JsonNode rs) {
        String address = rs.path("address").asText("?");
        return rs.hasNonNull("port") ? hostPort(address, rs.path("port").asText()) : address;
    }

    static String hostPort(String address, String port) {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    private static String join(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(p -> parts.add(p.asText()));
        return String.join(",", parts);
    }

    private static String compact(JsonNode d) {
        String s = d == null || d.isMissingNode() ? "" : d.toString();
        return s.length() > 100 ? s.substring(0, 97) + "..." : s;
    }

    /** One event on one line, for a feed whose widths cannot be known in advance. */
    static String line(JsonNode e) {
        return String.format("%-20s  %-12s  %5s  %-24s  %-16s  %s%s", time(e.path("recordedAt").asText(null)), e.path("cluster").asText("-"),
                revision(e), e.path("type").asText("?"), e.path("metadata").path("actor").asText("-"),
                what(e.path("type").asText(""), e.path("data")), e.path("metadata").hasNonNull("reason") ? "  (" + reason(e) + ")" : "");
    }

    static JsonNode items(List<JsonNode> events) {
        var o = Json.mapper().createObjectNode();
        o.putArray("items").addAll(events);
        return o;
    }
}
