package io.lvscp.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.Lvscp;
import io.lvscp.controlplane.support.Api;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lvscp history} and {@code lvscp diff} on the real control plane, after a weight change by an operator's token
 * with a reason: who, when and why, and what changed between the revisions around it.
 */
class HistoryDiffCommandTest {
    @TempDir
    static Path dir;
    static CliOnControlPlane live;
    static long beforeChange;

    @BeforeAll
    static void start() {
        live = CliOnControlPlane.start(dir);
        live.seedWithRouters("web");
        beforeChange = live.revision("web");
        String oncall = live.cp().token("oncall", "operator", "web");
        Api.as(live.cp(), oncall).header("Lvscp-Reason", "more memory").body("{\"weight\": 5}")
                .put("/v1/clusters/web/virtual-servers/http/real-servers/rs1/weight").then().statusCode(200);
    }

    @AfterAll
    static void stop() {
        live.close();
    }

    @Test
    void historyShowsEachRevisionWithWhoWhenAndWhy() throws Exception {
        CliOnControlPlane.Run r = live.lvscp("history", "web");
        assertEquals(Lvscp.OK, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("REVISION +TIME +ACTOR +EVENT +CHANGE +REASON"), r.out());
        assertEquals(beforeChange + 2, lines.size(), "a header and one line per revision:\n" + r.out());
        assertTrue(lines.get(1).matches("1 +\\S+Z +configured-admin\\S* +ClusterCreated +web routing nat +-"), r.out());
        assertTrue(lines.get(lines.size() - 1).matches((beforeChange + 1) + " +\\S+Z +oncall +RealServerWeightChanged +http/rs1 weight 5 +more memory"), r.out());

        CliOnControlPlane.Run limited = live.lvscp("history", "web", "--limit", "2");
        assertEquals(3, limited.out().lines().count(), limited.out());

        CliOnControlPlane.Run json = live.lvscp("history", "web", "-o", "json");
        assertEquals(beforeChange + 1, Json.mapper().readTree(json.out()).path("items").size(), json.out());
    }

    @Test
    void diffShowsTheWeightChangeWithItsValueBeforeAndAfter() throws Exception {
        CliOnControlPlane.Run r = live.lvscp("diff", "web", "--from", String.valueOf(beforeChange));
        assertEquals(Lvscp.OK, r.code(), r.err());
        assertEquals("cluster web: revision " + beforeChange + " -> " + (beforeChange + 1) + ", 1 change(s)\n"
                + "~ real server http/rs1: weight 2 -> 5\n", r.out());

        CliOnControlPlane.Run all = live.lvscp("diff", "web", "--from", "0", "--to", String.valueOf(beforeChange));
        assertTrue(all.out().contains("+ cluster web: routing nat\n") && all.out().contains("+ router lvs1: 192.168.26.9, prefers primary\n")
                && all.out().contains("+ real server http/rs1: 10.11.12.1:80 weight 2 masq\n"), all.out());

        CliOnControlPlane.Run none = live.lvscp("diff", "web", "--from", "3", "--to", "3");
        assertEquals("cluster web: no change from revision 3 -> 3\n", none.out());

        JsonNode json = Json.mapper().readTree(live.lvscp("diff", "web", "--from", String.valueOf(beforeChange), "-o", "json").out());
        assertEquals("RealServerWeightChanged", json.path("changes").get(0).path("type").asText());
    }

    @Test
    void aMissingClusterIsRefusedAndAnUnreachableServerSaidSo() {
        for (String[] args : List.of(new String[] {"history", "nosuch"}, new String[] {"diff", "nosuch", "--from", "0"})) {
            CliOnControlPlane.Run r = live.lvscp(args);
            assertEquals(Lvscp.REFUSED, r.code(), r.out());
            assertTrue(r.err().startsWith("error: ") && r.err().contains("(404)"), r.err());
            assertEquals(3, live.at(CliOnControlPlane.nowhere(), args).code());
        }
        CliOnControlPlane.Run future = live.lvscp("diff", "web", "--from", "1", "--to", "999");
        assertEquals(Lvscp.REFUSED, future.code());
        assertTrue(future.err().contains("does not exist yet"), future.err());
        assertEquals(Lvscp.USAGE, live.lvscp("diff", "web").code(), "--from is required");
    }
}
