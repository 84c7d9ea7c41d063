package io.lvscp.agent.ops;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.lvscp.controlplane.ops.OpsTools;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The alerting rules in deploy/prometheus: promtool check rules, promtool test rules (the cases in
 * deploy/prometheus/tests), and every metric they read is one lvscp defines.
 */
class AlertRulesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Path rules() {
        return OpsTools.repo().resolve("deploy/prometheus/rules/lvscp.yml");
    }

    /** alert name → expression, from the rules file. */
    static java.util.Map<String, String> alerts() throws Exception {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (JsonNode g : YAML.readTree(rules().toFile()).path("groups")) {
            for (JsonNode r : g.path("rules")) out.put(r.path("alert").asText(r.path("record").asText()), r.path("expr").asText());
        }
        return out;
    }

    @Test
    void promtoolChecksTheRules() throws Exception {
        var r = OpsTools.run(List.of(OpsTools.require(OpsTools.PROMTOOL).toString(), "check", "rules", rules().toString()), null, null);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS: " + alerts().size() + " rules found"), r.output());
    }

    @Test
    void promtoolRunsTheRuleTests() throws Exception {
        Path tests = OpsTools.repo().resolve("deploy/prometheus/tests/lvscp_test.yml");
        var r = OpsTools.run(List.of(OpsTools.require(OpsTools.PROMTOOL).toString(), "test", "rules", tests.toString()), null, null);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
        // Every alert has at least one test case where it fires.
        String cases = java.nio.file.Files.readString(tests);
        for (String alert : alerts().keySet()) {
            assertTrue(cases.contains("alertname: " + alert), alert + " has no test case in " + tests);
        }
    }

    @Test
    void theIssuesAlertsAreThere() throws Exception {
        assertTrue(alerts().keySet().containsAll(Set.of("LvscpControlPlaneDown", "LvscpRouterNotAckingLatestRevision",
                "LvscpNoActiveRouter", "LvscpTwoActiveRouters", "LvscpVirtualServerNoHealthyRealServer", "LvscpAgentNacks",
                "LvscpDriftCorrected")), alerts().keySet().toString());
    }

    @Test
    void rulesReadOnlyMetricsLvscpDefines() throws Exception {
        try (OpsLab lab = new OpsLab()) {
            Set<String> known = lab.knownMetricNames();
            Set<String> unknown = new TreeSet<>();
            alerts().forEach((alert, expr) -> {
                for (String n : OpsTools.metricNamesIn(expr)) if (!known.contains(n)) unknown.add(alert + ": " + n);
            });
            assertEquals(Set.of(), unknown, "metrics the rules use but nothing defines");
        }
    }

    @Test
    void metricNamesAreFoundInPromQl() {
        assertEquals(Set.of("a_total", "b_bucket"), OpsTools.metricNamesIn(
                "sum by (cluster, le) (rate(a_total{job=\"x\", router=~\"$r\"}[5m])) / on(cluster) histogram_quantile(0.99, b_bucket) > 10"));
        assertEquals(Set.of("lvscp_router_desired_revision", "lvscp_router_applied_revision"), OpsTools.metricNamesIn(
                "max by (cluster, router) (lvscp_router_desired_revision)\n  > max by (cluster, router) (lvscp_router_applied_revision)"));
        assertEquals(Set.of(), OpsTools.metricNamesIn("up{job=\"lvscp-control-plane\"} == 0 or absent(up{job=\"lvscp-control-plane\"})"));
    }
}
