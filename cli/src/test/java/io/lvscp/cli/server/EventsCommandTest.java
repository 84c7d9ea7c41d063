package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.Lvscp;
import io.lvscp.controlplane.support.Api;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lvscp events}, the log's pages and its live feed ({@code --follow}), on the real control plane. */
class EventsCommandTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static CliOnControlPlane live;

    @BeforeAll
    static void start() {
        live = CliOnControlPlane.start(dir);
        live.seedWithRouters("web");
        live.seedWithRouters("shop");
    }

    @AfterAll
    static void stop() {
        live.close();
    }

    private static long count(String out, String what) {
        return out.lines().filter(l -> l.contains(what)).count();
    }

    @Test
    void withoutFollowTheLogIsPrintedPageByPage() throws Exception {
        CliOnControlPlane.Run all = live.lvscp("events");
        assertEquals(Lvscp.OK, all.code(), all.err());
        assertTrue(all.out().lines().findFirst().orElseThrow().matches("TIME +CLUSTER +REVISION +EVENT +ACTOR +CHANGE +REASON"), all.out());
        assertEquals(2, count(all.out(), "ClusterCreated"), all.out());

        CliOnControlPlane.Run web = live.lvscp("events", "--cluster", "web", "--type", "RealServerAdded");
        List<String> lines = web.out().lines().toList();
        assertEquals(3, lines.size(), web.out());
        assertTrue(lines.get(1).matches("\\S+Z +web +5 +RealServerAdded +\\S+ +http/rs1 10\\.11\\.12\\.1:80 weight 2 +-"), web.out());

        JsonNode json = Json.mapper().readTree(live.lvscp("events", "--cluster", "shop", "--limit", "2", "-o", "json").out());
        assertEquals(2, json.path("items").size());
        assertEquals("shop", json.path("items").get(0).path("cluster").asText());
    }

    @Test
    void followPrintsEachEventAsItIsCommittedUntilStopped() throws Exception {
        CliOnControlPlane.Running feed = live.background("events", "--cluster", "web", "--follow");
        Awaitility.await().atMost(BOUND).until(() -> feed.err().contains("following the event log"));
        Api.given(live.cp()).header("Lvscp-Reason", "kernel upgrade").post("/v1/clusters/web/virtual-servers/http/real-servers/rs2/drain")
                .then().statusCode(200);
        // Another cluster's event is not this feed's.
        Api.given(live.cp()).post("/v1/clusters/shop/virtual-servers/http/real-servers/rs2/drain").then().statusCode(200);
        Awaitility.await().atMost(BOUND).until(() -> feed.out().contains("RealServerDrained"));
        CliOnControlPlane.Run stopped = feed.stop();
        assertEquals(Lvscp.OK, stopped.code(), stopped.err());
        List<String> lines = stopped.out().lines().toList();
        assertEquals(1, lines.size(), "only what came after it started, of web only:\n" + stopped.out());
        assertTrue(lines.get(0).matches("\\S+Z +web +\\d+ +RealServerDrained +\\S+ +http/rs2  \\(kernel upgrade\\)"), stopped.out());
    }

    @Test
    void aFollowedFeedThatDropsResumesAfterTheLastEventWithNoneLostOrRepeated() throws Exception {
        CliOnControlPlane.Running feed = live.background("events", "--cluster", "web", "--type", "RealServerWeightChanged", "--follow", "-o", "json");
        Awaitility.await().atMost(BOUND).until(() -> feed.err().contains("following the event log"));
        Api.given(live.cp()).body("{\"weight\": 7}").put("/v1/clusters/web/virtual-servers/http/real-servers/rs1/weight").then().statusCode(200);
        Awaitility.await().atMost(BOUND).until(() -> feed.out().contains("\"weight\":7"));
        live.restart();
        // Committed while no feed is open: the reconnect must replay it from the last id.
        Api.given(live.cp()).body("{\"weight\": 8}").put("/v1/clusters/web/virtual-servers/http/real-servers/rs1/weight").then().statusCode(200);
        Awaitility.await().atMost(BOUND).until(() -> feed.out().contains("\"weight\":8"));
        CliOnControlPlane.Run stopped = feed.stop();
        assertTrue(stopped.err().contains("feed closed"), stopped.err());
        List<String> lines = stopped.out().lines().toList();
        assertEquals(2, lines.size(), stopped.out());
        assertEquals(7, Json.mapper().readTree(lines.get(0)).path("data").path("weight").asInt());
        assertEquals(8, Json.mapper().readTree(lines.get(1)).path("data").path("weight").asInt());
    }

    @Test
    void refusalsAndAnUnreachableServerEndTheFeedWithTheirExitCodes() {
        CliOnControlPlane.Run bad = live.lvscp("events", "--type", "no-such-type!", "--follow");
        assertEquals(Lvscp.REFUSED, bad.code(), bad.out());
        assertTrue(bad.err().startsWith("error: ") && bad.err().contains("(400)"), bad.err());
        assertEquals(3, live.at(CliOnControlPlane.nowhere(), "events", "--follow").code());
        assertEquals(Lvscp.USAGE, live.lvscp("events", "--follow", "--limit", "3").code());
    }
}
