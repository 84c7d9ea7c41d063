package io.lvscp.controlplane.bench;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.ControlPlaneProcess;
import io.lvscp.controlplane.support.CrashablePostgres;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * What the control plane's faults do to writes (issue 12, docs/faults.md). Not a test: run it with
 * {@code ./mvnw -q -pl control-plane -am -Pbench process-test-classes -Dbench.main=FaultBenchmark}.
 *
 * <p>A PostgreSQL of its own, durable as production's (fsync and synchronous_commit on), and two control-plane
 * replicas as separate processes on it. N writers each change the weight of a real server of their own in one
 * cluster (so every write that lands appends exactly one event to the one stream, and the replicas race on it),
 * alternately through both replicas. Mid-run replica A is killed with SIGKILL, later the postmaster, which is then
 * started again on the same data and port, then A is started again. At the end the whole event log is read and every
 * write's outcome checked against it by its request id: the command fails if an acknowledged write is missing or
 * there twice, or the revisions have a gap.
 *
 * <p>Knobs (system properties): bench.writers (8), bench.warmupSeconds (10: writing before the rate before the
 * faults is measured), bench.phaseSeconds (15: before the first kill, between the
 * faults, and after the last), bench.pgDownSeconds (2: how long PostgreSQL stays dead before it is started again).
 */
public final class FaultBenchmark {
    private static final String CLUSTER = "web";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    // Longer than the control plane's 20 s deadline on a query: it answers (503 at worst) before the client gives up.
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final long BACKOFF_MIN_MILLIS = 50;
    private static final long BACKOFF_MAX_MILLIS = 1000;
    // How long a writer sends nothing to a replica that refused its connection (as an agent moves between replicas).
    private static final long DOWN_MILLIS = 1000;

    /** One write as the writer saw it: status 200 is acknowledged, with the revision of its ETag. */
    record Outcome(String requestId, int writer, String replica, long sentNanos, long doneNanos, String result, long revision, String appended) {
        boolean acknowledged() {
            return result.equals("200");
        }

        /** 503 (or a 500, which the API should never give), or the connection failed: it may or may not have been applied. */
        boolean unknown() {
            return result.equals("503") || result.equals("500") || result.startsWith("io:") || result.equals("connect");
        }
    }

    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final String[] urls;
    private volatile boolean stop;
    private final long t0 = System.nanoTime();

    private FaultBenchmark(String a, String b) {
        this.urls = new String[] {a, b};
    }

    public static void main(String[] args) throws Exception {
        int writers = Integer.getInteger("bench.writers", 8);
        int phase = Integer.getInteger("bench.phaseSeconds", 15);
        int pgDown = Integer.getInteger("bench.pgDownSeconds", 2);
        int warmup = Integer.getInteger("bench.warmupSeconds", 10);
        EventStoreBenchmark.printMachine();
        System.out.printf("writers %d, phases of %d s, PostgreSQL dead for %d s%n", writers, phase, pgDown);
        Path dir = Files.createTempDirectory("lvscp-fault-bench");
        ControlPlaneProcess a = null;
        ControlPlaneProcess b = null;
        boolean passed = false;
        try (CrashablePostgres pg = CrashablePostgres.start(dir.resolve("pg"))) {
            System.out.printf("PostgreSQL fsync=%s synchronous_commit=%s (%s)%n", pg.show("fsync"), pg.show("synchronous_commit"), pg.show("server_version"));
            String db = pg.createDatabase("lvscp_faults");
            int pa = ControlPlaneProcess.freePort();
            int pb = ControlPlaneProcess.freePort();
            String yamlA = ControlPlaneProcess.yaml(db, pa, 5000);
            a = ControlPlaneProcess.launch("replica-a", dir, pa, yamlA, Map.of());
            b = ControlPlaneProcess.launch("replica-b", dir, pb, ControlPlaneProcess.yaml(db, pb, 5000), Map.of());
            a.awaitListening();
            b.awaitListening();
            long start = seed(a.baseUrl(), writers);

            FaultBenchmark bench = new FaultBenchmark(a.baseUrl(), b.baseUrl());
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                Thread t = new Thread(() -> bench.write(writer), "writer-" + w);
                t.start();
                threads.add(t);
            }
            // The replicas' JIT and pools warm up first: the rate before the faults is measured after that.
            Thread.sleep(warmup * 1000L);
            long warm = bench.now();
            Thread.sleep(phase * 1000L);
            long killA = bench.now();
            a.kill();
            System.out.printf("%6.2f s  replica A killed (SIGKILL)%n", killA / 1e9);
            Thread.sleep(phase * 1000L);
            long killPg = bench.now();
            pg.kill9();
            System.out.printf("%6.2f s  PostgreSQL postmaster killed (SIGKILL)%n", killPg / 1e9);
            Thread.sleep(pgDown * 1000L);
            pg.startAgain();
            long pgBack = bench.now();
            System.out.printf("%6.2f s  PostgreSQL started again (crash recovery done)%n", pgBack / 1e9);
            Thread.sleep(phase * 1000L);
            long restartA = bench.now();
            // A log of its own: the old one already says "listening".
            a = ControlPlaneProcess.start("replica-a-again", dir, pa, yamlA, Map.of());
            long aBack = bench.now();
            System.out.printf("%6.2f s  replica A started again, listening after %.2f s%n", restartA / 1e9, (aBack - restartA) / 1e9);
            Thread.sleep(phase * 1000L);
            bench.stop = true;
            for (Thread t : threads) t.join();
            long end = bench.now();

            List<String> failures = bench.report(start, new long[] {warm, killA, killPg, pgBack, aBack, end}, a, b);
            // On a failure the replicas' logs and the database are what there is to look at: they stay.
            if (!failures.isEmpty()) throw new IllegalStateException("FAILED: " + String.join("; ", failures) + " (logs and data in " + dir + ")");
            System.out.println("PASSED: every acknowledged write is in the log once, revisions gap-free");
            passed = true;
        } finally {
            for (ControlPlaneProcess p : new ControlPlaneProcess[] {a, b}) {
                if (p != null) p.close();
            }
            if (passed) delete(dir);
        }
    }

    private static void delete(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** A cluster with a real server for each writer; returns its revision. */
    private static long seed(String url, int writers) {
        Api.at(url).body("{\"name\":\"" + CLUSTER + "\",\"routingMethod\":\"direct\"}").post("/v1/clusters").then().statusCode(201);
        Api.at(url).body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}")
                .post("/v1/clusters/" + CLUSTER + "/virtual-servers").then().statusCode(201);
        for (int w = 0; w < writers; w++) {
            Api.at(url).body("{\"name\":\"rs" + w + "\",\"address\":\"10.11." + (w / 250) + "." + (w % 250 + 1) + "\",\"weight\":1}")
                    .post("/v1/clusters/" + CLUSTER + "/virtual-servers/http/real-servers").then().statusCode(201);
        }
        return revision(url);
    }

    private long now() {
        return System.nanoTime() - t0;
    }

    /**
     * Closed loop: the next write when the last one is answered. Write k goes to replica (writer + k) % 2 unless that
     * one refused a connection lately. A failed write is not sent again: the next one has an id and a weight of its
     * own, so each outcome can be found in the log by itself.
     */
    private void write(int writer) {
        long[] downUntil = new long[2];
        long backoff = 0;
        for (int k = 0; !stop; k++) {
            int r = (writer + k) % 2;
            if (downUntil[r] > now() && downUntil[1 - r] <= now()) r = 1 - r;
            String id = "w" + writer + "-" + k;
            // Differs from the seeded 1 and from every weight this writer set lately, so a write that lands always
            // changes the server.
            int weight = 2 + k % 60000;
            Outcome o = put(writer, r, id, weight);
            outcomes.add(o);
            if (o.acknowledged()) {
                backoff = 0;
                continue;
            }
            if (o.result().equals("connect")) downUntil[r] = now() + DOWN_MILLIS * 1_000_000;
            backoff = Math.min(BACKOFF_MAX_MILLIS, Math.max(BACKOFF_MIN_MILLIS, backoff * 2));
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Outcome put(int writer, int r, String id, int weight) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(urls[r] + "/v1/clusters/" + CLUSTER + "/virtual-servers/http/real-servers/rs" + writer + "/weight"))
                .timeout(REQUEST_TIMEOUT).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN)
                .header("Content-Type", "application/json").header("X-Request-Id", id)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"weight\": " + weight + "}")).build();
        String replica = r == 0 ? "A" : "B";
        long sent = now();
        try {
            HttpResponse<String> res = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            long revision = res.headers().firstValue("ETag").map(e -> Long.parseLong(e.replaceAll("\\D", ""))).orElse(-1L);
            return new Outcome(id, writer, replica, sent, now(), Integer.toString(res.statusCode()), revision,
                    res.headers().firstValue("Lvscp-Events-Appended").orElse(null));
        } catch (ConnectException e) {
            return new Outcome(id, writer, replica, sent, now(), "connect", -1, null);
        } catch (IOException e) {
            return new Outcome(id, writer, replica, sent, now(), "io:" + e.getClass().getSimpleName(), -1, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(id, writer, replica, sent, now(), "interrupted", -1, null);
        }
    }

    private List<String> report(long start, long[] t, ControlPlaneProcess a, ControlPlaneProcess b) {
        long warm = t[0], killA = t[1], killPg = t[2], pgBack = t[3], aBack = t[4], end = t[5];
        List<Outcome> all = new ArrayList<>(outcomes);
        long head = revision(b.baseUrl());
        Awaitility.await("both replicas at the head").atMost(Duration.ofSeconds(30)).until(() -> revision(a.baseUrl()) == head);
        Map<String, List<Long>> logged = new HashMap<>();
        List<Long> revisions = clusterEvents(b.baseUrl(), start, logged);

        Map<String, Integer> byResult = new TreeMap<>();
        Map<String, Integer> landedByResult = new TreeMap<>();
        long acked = 0, present = 0, missing = 0, duplicated = 0, wrongRevision = 0, notOneEvent = 0, unknown = 0, unknownLanded = 0, refusedLanded = 0;
        for (Outcome o : all) {
            byResult.merge(o.result(), 1, Integer::sum);
            List<Long> at = logged.getOrDefault(o.requestId(), List.of());
            if (!at.isEmpty()) landedByResult.merge(o.result(), 1, Integer::sum);
            if (at.size() > 1) duplicated++;
            if (o.acknowledged()) {
                acked++;
                if (at.isEmpty()) missing++;
                else present++;
                if (at.size() == 1 && at.get(0) != o.revision()) wrongRevision++;
                if (!"1".equals(o.appended())) notOneEvent++;
            } else if (o.unknown()) {
                unknown++;
                if (!at.isEmpty()) unknownLanded++;
            } else if (!at.isEmpty()) {
                refusedLanded++; // a definite refusal (409, ...) that is in the log all the same
            }
        }
        Set<String> sent = all.stream().map(Outcome::requestId).collect(Collectors.toSet());
        long foreign = logged.keySet().stream().filter(id -> !sent.contains(id)).count();
        long gaps = 0;
        for (int i = 0; i < revisions.size(); i++) {
            if (revisions.get(i) != start + 1 + i) gaps++;
        }

        System.out.println("== Outcomes");
        System.out.printf("writes sent %d: %s%n", all.size(), byResult);
        System.out.printf("of which in the log: %s%n", landedByResult);
        System.out.printf("acknowledged %d, present in the log %d (missing %d, revision other than its ETag %d, not one event appended %d)%n",
                acked, present, missing, wrongRevision, notOneEvent);
        System.out.printf("unknown outcome (503, 500 or connection error) %d, of which landed %d%n", unknown, unknownLanded);
        System.out.printf("definitely refused but in the log %d, events no writer sent %d%n", refusedLanded, foreign);
        System.out.printf("duplicates %d; events %d, revisions %d..%d, gaps %d; both replicas at revision %d%n",
                duplicated, revisions.size(), start + 1, start + revisions.size(), gaps, head);
        System.out.println("== Recovery (from the fault to the first write sent after it that was acknowledged, and to every writer's)");
        recovery("replica A killed", killA, all);
        recovery("PostgreSQL killed", killPg, all);
        recovery("PostgreSQL started again", pgBack, all);
        long firstThroughA = all.stream().filter(o -> o.acknowledged() && o.replica().equals("A") && o.sentNanos() > aBack)
                .mapToLong(Outcome::doneNanos).min().orElse(-1);
        System.out.printf(Locale.ROOT, "replica A listening again: first write acknowledged through A after %.0f ms%n", (firstThroughA - aBack) / 1e6);
        System.out.println("== Throughput (acknowledged writes/s; 409: conflicts left after the control plane's own retries)");
        window("before the faults, after the warm-up", all, warm, killA);
        window("one replica", all, killA, killPg);
        window("one replica, PostgreSQL back", all, pgBack, aBack);
        window("after the faults, both replicas", all, aBack, end);
        StringBuilder perSecond = new StringBuilder();
        for (long s = 0; s * 1_000_000_000L < end; s++) perSecond.append(' ').append((long) (rate(all, s * 1_000_000_000L, (s + 1) * 1_000_000_000L)));
        System.out.println("per second:" + perSecond);
        System.out.printf("load average at the end: %s%n", loadAverage());

        List<String> failures = new ArrayList<>();
        if (missing > 0) failures.add(missing + " acknowledged writes missing");
        if (duplicated > 0) failures.add(duplicated + " writes in the log more than once");
        if (gaps > 0) failures.add(gaps + " revisions out of sequence");
        if (wrongRevision > 0) failures.add(wrongRevision + " acknowledged writes at another revision than acknowledged");
        if (refusedLanded + foreign > 0) failures.add((refusedLanded + foreign) + " events of refused or unknown writes");
        return failures;
    }

    private static void recovery(String fault, long at, List<Outcome> all) {
        Map<Integer, Long> firstByWriter = new HashMap<>();
        for (Outcome o : all) {
            if (o.acknowledged() && o.sentNanos() > at) firstByWriter.merge(o.writer(), o.doneNanos(), Math::min);
        }
        long first = firstByWriter.values().stream().mapToLong(Long::longValue).min().orElse(-1);
        long last = firstByWriter.values().stream().mapToLong(Long::longValue).max().orElse(-1);
        System.out.printf(Locale.ROOT, "%-26s first %6.0f ms, every writer %6.0f ms%n", fault + ":", (first - at) / 1e6, (last - at) / 1e6);
    }

    private static void window(String name, List<Outcome> all, long from, long to) {
        long conflicts = all.stream().filter(o -> o.result().equals("409") && o.doneNanos() >= from && o.doneNanos() < to).count();
        System.out.printf(Locale.ROOT, "%-37s %5.1f-%5.1f s: %6.1f/s, 409 %d%n", name + ":", from / 1e9, to / 1e9, rate(all, from, to), conflicts);
    }

    private static double rate(List<Outcome> all, long from, long to) {
        long n = all.stream().filter(o -> o.acknowledged() && o.doneNanos() >= from && o.doneNanos() < to).count();
        return n / ((to - from) / 1e9);
    }

    private static String loadAverage() {
        try {
            return EventStoreBenchmark.loadAverage();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static long revision(String url) {
        return Api.at(url).get("/v1/clusters/" + CLUSTER).then().statusCode(200).extract().jsonPath().getLong("revision");
    }

    /** The cluster's events after {@code after}, in log order: their revisions, and into {@code byRequest} where each request's are. */
    private static List<Long> clusterEvents(String url, long after, Map<String, List<Long>> byRequest) {
        List<Long> revisions = new ArrayList<>();
        String cursor = null;
        while (true) {
            var req = Api.at(url).queryParam("cluster", CLUSTER).queryParam("limit", 1000);
            if (cursor != null) req = req.queryParam("cursor", cursor);
            JsonPath page = req.get("/v1/events").then().statusCode(200).extract().jsonPath();
            List<String> streams = page.getList("items.stream", String.class);
            if (streams.isEmpty()) return revisions;
            List<Long> revs = page.getList("items.revision", Object.class).stream().map(r -> ((Number) r).longValue()).toList();
            List<String> ids = page.getList("items.metadata.requestId", String.class);
            for (int i = 0; i < streams.size(); i++) {
                if (!streams.get(i).equals("cluster/" + CLUSTER) || revs.get(i) <= after) continue;
                revisions.add(revs.get(i));
                byRequest.computeIfAbsent(ids.get(i), k -> new ArrayList<>()).add(revs.get(i));
            }
            cursor = page.getString("nextCursor");
            if (cursor == null) return revisions;
        }
    }
}
