package io.lvscp.controlplane.http;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.event.ClusterEvents;
import io.lvscp.api.json.Json;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.FakeAgent;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * An agent that comes from another control-plane process may hold a revision this one has not heard of yet (the
 * NOTIFY or the sweep has not brought it). It must get what follows its revision, not a snapshot of the older state
 * this process holds. The lag is made by appending to the database without the wake-up (the sweep finds it within
 * 5 s; the hello comes well before).
 */
class AgentAheadOfProjectionTest {
    @Test
    void anAgentAheadOfThisProcessIsNotTakenBackToAnOlderSnapshot() throws Exception {
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            Api.given(cp).body("{\"name\":\"web\",\"routingMethod\":\"direct\"}").post("/v1/clusters").then().statusCode(201);
            Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\"}").post("/v1/clusters/web/routers").then().statusCode(201);
            Api.given(cp).body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}")
                    .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
            long known = cp.controlPlane().projections().get("web").revision();
            long ahead = TestPostgres.appendDirectly(cp.databaseUrl(), "web", new ClusterEvents.VirtualServerDeactivated("http"), "agent-ahead", false);
            assertEquals(known + 1, ahead);
            assertEquals(known, cp.controlPlane().projections().get("web").revision(), "the process has not heard of it");

            try (FakeAgent agent = FakeAgent.holding(cp, "web", "lvs1", ahead)) {
                Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> agent.received().stream()
                        .anyMatch(m -> "heartbeat".equals(m.path("type").asText()) && m.path("revision").asLong() == ahead));
                List<JsonNode> got = agent.received();
                assertTrue(got.stream().noneMatch(m -> "snapshot".equals(m.path("type").asText())), "no snapshot: " + got);
                assertTrue(got.stream().noneMatch(m -> "refused".equals(m.path("type").asText())), got.toString());
            }
            assertEquals(ahead, cp.controlPlane().projections().get("web").revision());
        }
    }

}
