package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.*;
import java.util.concurrent.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many clients writing at once, to one cluster and to several, some with If-Match and some without, while a
 * client tails the audit log: every accepted write is in the log exactly once, every refused one got a conflict
 * and left no trace, and revisions have no gaps. Two control-plane processes share the database, so the
 * conflicts are real ones between processes, not only queued requests in one.
 */
class ConcurrentWritersTest {
    static RunningControlPlane a;
    static RunningControlPlane b;

    @BeforeAll
    static void start() {
        a = RunningControlPlane.onNewDatabase();
        b = RunningControlPlane.on(a.databaseUrl());
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
    }

    record Outcome(String requestId, int status, int appended) {}

    @Test
    void everyAcceptedWriteIsLoggedOnceAndEveryRefusedOneLeavesNoTrace() throws Exception {
        List<String> clusters = List.of("busy-1", "busy-2", "busy-3");
        for (String c : clusters) {
            seedCluster(a, c);
            for (int i = 3; i <= 8; i++) createRealServer(a, c, "http", "rs" + i, "10.11.12." + i, 1);
        }
        String start = Api.given(a).queryParam("limit", 1000).get("/v1/events").then().extract().jsonPath().getString("nextCursor");

        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Outcome>> writes = new ArrayList<>();
        Set<String> tailed = ConcurrentHashMap.newKeySet();
        List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> writersDone = new CompletableFuture<>();
        Future<?> tail = pool.submit(() -> tailUntil(writersDone, start, tailed, duplicates));
        Random random = new Random(42);
        for (int i = 0; i < 240; i++) {
            RunningControlPlane cp = i % 2 == 0 ? a : b;
            String cluster = clusters.get(random.nextInt(clusters.size()));
            String rs = "rs" + (1 + random.nextInt(8));
            int weight = 1 + random.nextInt(1000);
            boolean guarded = i % 3 == 0;
            String id = "cw-" + i;
            writes.add(pool.submit(() -> write(cp, cluster, rs, weight, guarded, id)));
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<Outcome> f : writes) outcomes.add(f.get(120, TimeUnit.SECONDS));
        writersDone.complete(null);
        tail.get(120, TimeUnit.SECONDS);
        pool.shutdown();

        Map<String, Integer> logged = new HashMap<>();
        String cursor = start;
        while (true) {
            JsonPath p = Api.given(a).queryParam("cursor", cursor).queryParam("limit", 1000).get("/v1/events").then().statusCode(200).extract().jsonPath();
            List<String> ids = p.getList("items.metadata.requestId");
            if (ids.isEmpty()) break;
            ids.forEach(id -> logged.merge(id, 1, Integer::sum));
            cursor = p.getString("nextCursor");
        }
        int refused = 0;
        for (Outcome o : outcomes) {
            if (o.status() == 200) {
                assertEquals(o.appended(), logged.getOrDefault(o.requestId(), 0), o.requestId() + " is in the log as often as it appended");
            } else {
                refused++;
                assertTrue(o.status() == 409 || o.status() == 412, o + " was refused with a conflict");
                assertFalse(logged.containsKey(o.requestId()), o.requestId() + " was refused but is in the log");
            }
        }
        assertTrue(refused > 0, "some guarded writes lost the race (otherwise this test proves little)");
        assertTrue(duplicates.isEmpty(), "the tail reader saw events twice: " + duplicates);
        assertEquals(logged.values().stream().mapToInt(Integer::intValue).sum(), tailed.size(), "the tail reader saw every event");

        for (String c : clusters) {
            List<Integer> revisions = Api.given(a).queryParam("cluster", c).queryParam("limit", 1000).get("/v1/events")
                    .then().extract().jsonPath().getList("items.revision");
            List<Integer> sorted = new ArrayList<>(revisions);
            Collections.sort(sorted);
            for (int i = 0; i < sorted.size(); i++) assertEquals(i + 1, sorted.get(i), "revisions of " + c + " have no gap");
            assertEquals(revision(a, c), sorted.size());
            // Both processes converge on the same head.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> revision(b, c) == sorted.size());
        }
    }

    private static Outcome write(RunningControlPlane cp, String cluster, String rs, int weight, boolean guarded, String id) {
        var req = Api.given(cp).header("X-Request-Id", id).body("{\"weight\": " + weight + "}");
        if (guarded) req.header("If-Match", "\"" + revision(cp, cluster) + "\"");
        Response r = req.put("/v1/clusters/{c}/virtual-servers/http/real-servers/{rs}/weight", cluster, rs);
        String appended = r.getHeader("Lvscp-Events-Appended");
        return new Outcome(id, r.statusCode(), appended == null ? 0 : Integer.parseInt(appended));
    }

    private static void tailUntil(CompletableFuture<Void> done, String start, Set<String> seen, List<String> duplicates) {
        String cursor = start;
        boolean finalPass = false;
        while (true) {
            JsonPath p = Api.given(b).queryParam("cursor", cursor).queryParam("limit", 50).get("/v1/events").then().statusCode(200).extract().jsonPath();
            List<Integer> positions = p.getList("items.position");
            for (Integer pos : positions) if (!seen.add(String.valueOf(pos))) duplicates.add(String.valueOf(pos));
            cursor = p.getString("nextCursor");
            if (positions.isEmpty()) {
                if (finalPass) return;
                if (done.isDone()) finalPass = true;
            }
        }
    }
}
