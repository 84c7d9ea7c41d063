package io.lvscp.agent.ops;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvscp.controlplane.ops.OpsTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of the deployment without a Docker engine (none runs here, and the docker CLI has no
 * compose plugin): docker-compose.yml parses and every file it names exists, the Dockerfiles copy the jars
 * the build makes, Prometheus's config passes promtool, Grafana's provisioning points at the dashboard, the
 * dashboard parses and reads only metrics lvscp defines, and the systemd units pass systemd-analyze verify.
 */
class DeploymentFilesTest {
    static final Path REPO = OpsTools.repo();
    static final ObjectMapper YAML = AlertRulesTest.YAML;

    static JsonNode compose() throws Exception {
        return YAML.readTree(REPO.resolve("docker-compose.yml").toFile());
    }

    static JsonNode dashboard() throws Exception {
        return new ObjectMapper().readTree(REPO.resolve("deploy/grafana/dashboards/lvscp.json").toFile());
    }

    /** Every PromQL expression of the dashboard: panel title → expressions. */
    static Map<String, List<String>> dashboardQueries() throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (JsonNode p : dashboard().path("panels")) {
            if (p.path("type").asText().equals("row")) continue;
            List<String> exprs = new ArrayList<>();
            for (JsonNode t : p.path("targets")) exprs.add(t.path("expr").asText());
            out.put(p.path("title").asText(), exprs);
        }
        return out;
    }

    @Test
    void composeNamesFilesThatExist() throws Exception {
        JsonNode services = compose().path("services");
        assertTrue(services.isObject(), "docker-compose.yml has services");
        Set<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        assertEquals(Set.of("postgres", "control-plane", "enrol", "agent-lvs1", "agent-lvs2", "prometheus", "grafana"), names);

        List<String> missing = new ArrayList<>();
        for (var it = services.fields(); it.hasNext(); ) {
            var s = it.next();
            JsonNode build = s.getValue().path("build");
            if (!build.isMissingNode()) {
                Path context = REPO.resolve(build.path("context").asText("."));
                if (!Files.isRegularFile(context.resolve(build.path("dockerfile").asText("Dockerfile")))) missing.add(s.getKey() + ": dockerfile");
            }
            for (JsonNode v : s.getValue().path("volumes")) {
                String source = v.asText().split(":")[0];
                if (source.startsWith("./") && !Files.exists(REPO.resolve(source))) missing.add(s.getKey() + ": " + source);
            }
            for (var dep = s.getValue().path("depends_on").fieldNames(); dep.hasNext(); ) {
                String d = dep.next();
                if (!names.contains(d)) missing.add(s.getKey() + " depends on unknown " + d);
            }
        }
        assertEquals(List.of(), missing);

        // The agents get the one capability they need, and the images the control plane and agents use exist.
        for (String agent : List.of("agent-lvs1", "agent-lvs2")) {
            JsonNode a = services.path(agent);
            assertEquals(List.of("NET_ADMIN"), YAML.convertValue(a.path("cap_add"), List.class), agent);
            assertFalse(a.path("privileged").asBoolean(false), agent + " is not privileged");
            assertEquals("http://control-plane:8080", a.path("environment").path("LVSCP_CONTROL_PLANE").asText());
        }
        // Prometheus scrapes the services by their compose names and ports.
        String prom = Files.readString(REPO.resolve("deploy/prometheus/prometheus.yml"));
        for (String target : List.of("control-plane:8080", "agent-lvs1:9539", "agent-lvs2:9539")) assertTrue(prom.contains(target), target);
        var enrol = OpsTools.run(List.of("sh", "-n", REPO.resolve("deploy/compose/enrol.sh").toString()), null, null);
        assertEquals(0, enrol.exit(), enrol.output());
    }

    @Test
    void dockerfilesCopyTheShadedJarsTheBuildMakes() throws Exception {
        Pattern copy = Pattern.compile("(?m)^COPY\\s+(\\S+)\\s+(\\S+)");
        Map<String, String> jars = Map.of("control-plane", "lvscp-control-plane", "router-agent", "lvscp-router-agent");
        for (var e : jars.entrySet()) {
            String dockerfile = Files.readString(REPO.resolve("deploy/" + e.getKey() + "/Dockerfile"));
            String pom = Files.readString(REPO.resolve(e.getKey() + "/pom.xml"));
            assertTrue(pom.contains("<finalName>" + e.getValue() + "</finalName>"), "the shade plugin of " + e.getKey() + " makes " + e.getValue() + ".jar");
            Matcher m = copy.matcher(dockerfile);
            assertTrue(m.find(), "a COPY in " + e.getKey() + "/Dockerfile");
            assertEquals(e.getKey() + "/target/" + e.getValue() + ".jar", m.group(1));
            assertTrue(dockerfile.contains("ENTRYPOINT [\"java\"") && dockerfile.contains(m.group(2)), "runs the copied jar");
            assertTrue(dockerfile.lines().anyMatch(l -> l.startsWith("FROM ")), "has a base image");
        }
    }

    @Test
    void prometheusConfigPassesPromtool() throws Exception {
        var r = OpsTools.run(List.of(OpsTools.require(OpsTools.PROMTOOL).toString(), "check", "config",
                REPO.resolve("deploy/prometheus/prometheus.yml").toString()), null, null);
        assertEquals(0, r.exit(), r.output());
        // The rules are mounted where the config expects them: rules/ beside prometheus.yml.
        String mounts = compose().path("services").path("prometheus").path("volumes").toString();
        assertTrue(mounts.contains("./deploy/prometheus/rules:/etc/prometheus/rules"), mounts);
        assertTrue(mounts.contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml"), mounts);
    }

    @Test
    void grafanaProvisionsTheDashboardFromPrometheus() throws Exception {
        JsonNode ds = YAML.readTree(REPO.resolve("deploy/grafana/provisioning/datasources/prometheus.yml").toFile()).path("datasources").get(0);
        assertEquals("prometheus", ds.path("type").asText());
        assertEquals("http://prometheus:9090", ds.path("url").asText());
        JsonNode provider = YAML.readTree(REPO.resolve("deploy/grafana/provisioning/dashboards/lvscp.yml").toFile()).path("providers").get(0);
        String path = provider.path("options").path("path").asText();
        String mounts = compose().path("services").path("grafana").path("volumes").toString();
        assertTrue(mounts.contains("./deploy/grafana/dashboards:" + path), "the dashboards are mounted where the provider reads: " + mounts);

        JsonNode d = dashboard();
        assertEquals("lvscp", d.path("uid").asText());
        Set<String> datasourceUids = new TreeSet<>();
        d.findValues("datasource").forEach(n -> datasourceUids.add(n.path("uid").asText()));
        assertEquals(Set.of(ds.path("uid").asText()), datasourceUids, "every panel and query uses the provisioned datasource");
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode p : d.path("panels")) assertTrue(ids.add(p.path("id").asInt()), "panel ids are unique");
    }

    @Test
    void theDashboardShowsWhatTheIssueAsksForFromMetricsLvscpDefines() throws Exception {
        Map<String, List<String>> queries = dashboardQueries();
        String all = String.join("\n", queries.values().stream().flatMap(List::stream).toList());
        // clusters, routers with role and revision lag, real servers by health, traffic per virtual and real
        // server, propagation latency, event rate
        for (String needed : List.of("lvscp_clusters", "lvscp_router_active", "lvscp_router_applied_revision", "lvscp_real_server_healthy",
                "lvscp_agent_destination_connections_total", "lvscp_revision_propagation_seconds_bucket", "lvscp_events_appended_total")) {
            assertTrue(all.contains(needed), "the dashboard shows " + needed);
        }
        try (OpsLab lab = new OpsLab()) {
            Set<String> known = lab.knownMetricNames();
            Set<String> unknown = new TreeSet<>();
            queries.forEach((title, exprs) -> {
                assertFalse(exprs.isEmpty(), title + " has queries");
                for (String e : exprs) for (String n : OpsTools.metricNamesIn(e)) if (!known.contains(n)) unknown.add(title + ": " + n);
            });
            assertEquals(Set.of(), unknown, "metrics the dashboard reads but nothing defines");
        }
    }

    @Test
    void systemdUnitsPassSystemdAnalyzeAndKeepWhatTheAgentNeeds() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        if (!Files.isExecutable(analyze)) fail("systemd-analyze is missing: install the Debian package 'systemd' (.ci/run does)");
        Path units = REPO.resolve("deploy/systemd");
        for (String unit : List.of("lvscp-control-plane.service", "lvscp-router-agent.service")) {
            var r = OpsTools.run(List.of(analyze.toString(), "verify", units.resolve(unit).toString()), null, null);
            // verify warns (exit 0) about unknown keys and bad values: any output is a failure here.
            assertEquals(0, r.exit(), r.output());
            assertEquals("", r.output().strip(), unit + ": " + r.output());
        }
        Map<String, List<String>> agent = unit(units.resolve("lvscp-router-agent.service"));
        // CAP_NET_RAW (and AF_PACKET) for arping's gratuitous ARP on takeover; nothing else.
        assertEquals(List.of("CAP_NET_ADMIN CAP_NET_RAW"), agent.get("CapabilityBoundingSet"));
        assertEquals(List.of("CAP_NET_ADMIN CAP_NET_RAW"), agent.get("AmbientCapabilities"));
        assertTrue(agent.get("RestrictAddressFamilies").get(0).contains("AF_NETLINK"), "ip, nft and ipvsadm speak netlink");
        assertTrue(agent.get("RestrictAddressFamilies").get(0).contains("AF_PACKET"), "arping sends ARP over a packet socket");
        assertNull(agent.get("PrivateNetwork"), "the agent programs the host's network");
        assertNull(agent.get("ProtectKernelTunables"), "the agent sets net.ipv4.ip_forward");
        assertTrue(agent.get("ExecStart").get(0).endsWith("/opt/lvscp/lvscp-router-agent.jar"));
        Map<String, List<String>> cp = unit(units.resolve("lvscp-control-plane.service"));
        assertEquals(List.of(""), cp.get("CapabilityBoundingSet"), "the control plane needs no capability");
        assertEquals(List.of("lvscp"), cp.get("User"));
        assertTrue(cp.get("ExecStart").get(0).endsWith("/opt/lvscp/lvscp-control-plane.jar"));
        for (var u : List.of(agent, cp)) {
            for (String hardening : List.of("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "ProtectKernelModules",
                    "RestrictNamespaces", "SystemCallFilter")) {
                assertNotNull(u.get(hardening), hardening);
            }
        }
    }

    @Test
    void dockerComposeCannotRunHereAndTheDocsSaySo() throws Exception {
        String ops = Files.readString(REPO.resolve("docs/operations.md"));
        assertTrue(ops.contains("no Docker engine"), "docs/operations.md says what was not validated");
        assertTrue(Files.readString(REPO.resolve("README.md")).contains("docs/operations.md"), "README links the operations guide");
    }

    private static Map<String, List<String>> unit(Path file) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("[")) continue;
            int eq = l.indexOf('=');
            assertTrue(eq > 0, file + ": not key=value: " + line);
            out.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
        }
        return out;
    }
}
