package io.lvscp.controlplane.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.*;
import io.lvscp.controlplane.eventstore.RecordedEvent;
import io.lvscp.controlplane.agents.RealServerHealth;
import io.lvscp.controlplane.agents.RouterStatus;
import java.util.List;
import java.util.Map;

/** The JSON that clients see. The shapes are openapi.yaml's schemas; the tests hold them to it. */
final class Views {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Views() {}

    /** The cluster as written, or at a past revision: without its routers' reports (programmedRouters needs them). */
    static ObjectNode cluster(ClusterState c) {
        ObjectNode o = cluster(c, Map.of(), Map.of());
        o.remove("programmedRouters");
        return o;
    }

    /**
     * The cluster with what its routers last reported: per router its status, which routers hold the active role
     * (two means split brain, and says so), and per real server each router's health verdict.
     */
    static ObjectNode cluster(ClusterState c, Map<String, RouterStatus> status, Map<String, Map<String, RealServerHealth>> health) {
        ObjectNode o = clusterSummary(c);
        ArrayNode active = o.putArray("activeRouters");
        c.routers().keySet().stream().filter(r -> status.containsKey(r) && "active".equals(status.get(r).role())).forEach(active::add);
        // Convergence: routers whose kernel holds this revision. A recording router acks too, but programs no kernel.
        ArrayNode programmed = o.putArray("programmedRouters");
        c.routers().keySet().stream().filter(r -> status.containsKey(r) && status.get(r).programmed(c.revision())).forEach(programmed::add);
        ArrayNode routers = o.putArray("routers");
        c.routers().values().forEach(r -> routers.add(router(r, status)));
        ArrayNode vss = o.putArray("virtualServers");
        c.virtualServers().values().forEach(vs -> vss.add(virtualServer(vs, health)));
        ArrayNode marks = o.putArray("firewallMarks");
        c.firewallMarks().values().forEach(m -> marks.add(tree(m)));
        return o;
    }

    static ObjectNode clusterSummary(ClusterState c) {
        ObjectNode o = tree(c.settings());
        o.put("revision", c.revision());
        c.routers().values().stream().filter(r -> r.rolePreference() == RolePreference.primary).findFirst()
                .ifPresent(r -> o.put("primaryRouter", r.name()));
        c.routers().values().stream().filter(r -> r.rolePreference() == RolePreference.backup).findFirst()
                .ifPresent(r -> o.put("backupRouter", r.name()));
        o.put("virtualServerCount", c.virtualServers().size());
        return o;
    }

    static ObjectNode router(Router r, Map<String, RouterStatus> status) {
        ObjectNode o = tree(r);
        o.set("status", tree(status.getOrDefault(r.name(), RouterStatus.NEVER_SEEN)));
        return o;
    }

    static ObjectNode virtualServer(VirtualServerState vs) {
        return virtualServer(vs, Map.of());
    }

    static ObjectNode virtualServer(VirtualServerState vs, Map<String, Map<String, RealServerHealth>> health) {
        ObjectNode o = tree(vs.spec());
        ArrayNode rss = o.putArray("realServers");
        vs.realServers().values().forEach(rs -> rss.add(realServer(vs.spec(), rs, health)));
        return o;
    }

    /** A real server as a write gives it back; null when there is none (a dry run that removes it). */
    static ObjectNode realServer(VirtualServerState vs, String name) {
        RealServer rs = vs == null ? null : vs.realServers().get(name);
        return rs == null ? null : realServer(vs.spec(), rs, Map.of());
    }

    /**
     * A real server with each router's last health verdict on it (none before any router checked it) and, when it
     * overrides its virtual server's health check, the check that runs on it ({@code effectiveHealthCheck}).
     */
    static ObjectNode realServer(VirtualServerSpec vs, RealServer rs, Map<String, Map<String, RealServerHealth>> health) {
        ObjectNode o = tree(rs);
        if (rs.healthCheck() != null) o.set("effectiveHealthCheck", tree(rs.effectiveHealthCheck(vs.healthCheck())));
        Map<String, RealServerHealth> verdicts = health.get(vs.name() + "/" + rs.name());
        if (verdicts != null) {
            ArrayNode a = o.putArray("health");
            verdicts.values().forEach(h -> a.add(tree(h)));
        }
        return o;
    }

    static ObjectNode items(List<?> values) {
        ObjectNode o = F.objectNode();
        ArrayNode items = o.putArray("items");
        for (Object v : values) items.add(v instanceof ObjectNode n ? n : tree(v));
        return o;
    }

    static ObjectNode event(ClusterEvent e) {
        ObjectNode o = F.objectNode();
        o.put("type", e.type());
        o.set("data", tree(e));
        return o;
    }

    static ArrayNode events(List<ClusterEvent> events) {
        ArrayNode a = F.arrayNode();
        events.forEach(e -> a.add(event(e)));
        return a;
    }

    static ObjectNode recorded(RecordedEvent e) {
        ObjectNode o = F.objectNode();
        o.put("position", e.position());
        o.put("cursor", e.cursor().encode());
        o.put("stream", e.streamId());
        int slash = e.streamId().indexOf('/');
        if (slash > 0) o.put("cluster", e.streamId().substring(slash + 1));
        o.put("revision", e.streamVersion());
        o.put("type", e.type());
        o.put("recordedAt", e.recordedAt().toInstant().toString());
        o.set("data", readTree(e.data()));
        ObjectNode m = o.putObject("metadata");
        m.put("actor", e.metadata().actor());
        if (e.metadata().requestId() != null) m.put("requestId", e.metadata().requestId());
        if (e.metadata().clientAddress() != null) m.put("clientAddress", e.metadata().clientAddress());
        if (e.metadata().reason() != null) m.put("reason", e.metadata().reason());
        return o;
    }

    static ObjectNode tree(Object value) {
        return Json.mapper().valueToTree(value);
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("stored event data is not JSON", e);
        }
    }
}
