package io.lvscp.controlplane.http;

import static io.lvscp.controlplane.http.Fixtures.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import io.restassured.path.json.JsonPath;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live feed, {@code GET /v1/events?follow=true}, read as a client would read it: java.net.http's client on the
 * stream, messages parsed as Server-Sent Events. Every wait is for a condition, with a bound.
 */
class EventFeedTest {
    static final Duration BOUND = Duration.ofSeconds(30);
    static RunningControlPlane cp;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        // A short keep-alive to see one soon; a small write-queue bound so that a client that never reads is dropped soon.
        cp = RunningControlPlane.onNewDatabase(new ControlPlaneConfig(null, null, null, null, null,
                new ControlPlaneConfig.Feed(300, 64 * 1024)));
    }

    @AfterAll
    static void stop() {
        cp.close();
    }

    /** One SSE message: its id and data, or a comment. */
    record Message(String id, String event, String data, String comment) {
        JsonPath json() {
            return new JsonPath(data);
        }
    }

    /** A follower on a thread of its own, its messages in a queue as they come. */
    static final class Feed implements AutoCloseable {
        final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
        final HttpResponse<Stream<String>> response;
        final Thread reader;

        Feed(String query, String token, String lastEventId) throws Exception {
            var b = HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/events?follow=true" + query))
                    .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream");
            if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
            response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
            // The first comment says the subscription is in place: what is written after it is followed.
            Message first = next(m -> m.comment() != null);
            assertTrue(first.comment().startsWith("following from "), first.comment());
        }

        private void read() {
            String id = null, event = null;
            StringBuilder data = null;
            try {
                for (var it = response.body().iterator(); it.hasNext(); ) {
                    String line = it.next();
                    if (line.isEmpty()) {
                        if (data != null) messages.add(new Message(id, event, data.toString(), null));
                        id = null;
                        event = null;
                        data = null;
                    } else if (line.startsWith(":")) {
                        messages.add(new Message(null, null, null, line.substring(1).trim()));
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    } else if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                    }
                }
            } catch (RuntimeException e) {
                // closed by the test
            }
            messages.add(new Message(null, null, null, "EOF"));
        }

        Message next(java.util.function.Predicate<Message> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (System.nanoTime() < deadline) {
                Message m = messages.poll(100, TimeUnit.MILLISECONDS);
                if (m != null && wanted.test(m)) return m;
            }
            throw new AssertionError("no such message within " + BOUND);
        }

        /** The next {@code n} events (comments skipped). */
        List<Message> events(int n) throws InterruptedException {
            List<Message> out = new ArrayList<>();
            while (out.size() < n) out.add(next(m -> m.data() != null));
            return out;
        }

        @Override
        public void close() {
            response.body().close();
        }
    }

    static void setWeight(String cluster, String rs, int weight) {
        Api.given(cp).body("{\"weight\": " + weight + "}").put("/v1/clusters/{c}/virtual-servers/http/real-servers/{rs}/weight", cluster, rs)
                .then().statusCode(200);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + " not within " + BOUND);
            Thread.sleep(50);
        }
    }

    @Test
    void eventsWrittenAfterSubscribingArriveInOrderWithTheirCursorsAsIds() throws Exception {
        seedCluster(cp, "feed-order");
        try (Feed feed = new Feed("&cluster=feed-order", RunningControlPlane.ADMIN_TOKEN, null)) {
            for (int w = 2; w <= 6; w++) setWeight("feed-order", "rs1", w);
            List<Message> got = feed.events(5);
            for (int i = 0; i < 5; i++) {
                assertEquals("RealServerWeightChanged", got.get(i).json().getString("type"));
                assertEquals(i + 2, got.get(i).json().getInt("data.weight"), got.get(i).data());
                assertEquals(got.get(i).json().getString("cursor"), got.get(i).id(), "the id is the event's cursor");
            }
            // The same events, in the same order, as the log gives them.
            List<String> log = Api.given(cp).queryParam("cluster", "feed-order").queryParam("type", "RealServerWeightChanged").get("/v1/events")
                    .then().statusCode(200).extract().jsonPath().getList("items.cursor");
            assertEquals(log, got.stream().map(Message::id).toList());
        }
    }

    @Test
    void filtersApplyAsInTheLog() throws Exception {
        seedCluster(cp, "feed-filter-a");
        seedCluster(cp, "feed-filter-b");
        String dave = cp.token("dave", "operator");
        try (Feed byType = new Feed("&cluster=feed-filter-a&type=RealServerDrained", RunningControlPlane.ADMIN_TOKEN, null);
             Feed byActor = new Feed("&actor=dave", RunningControlPlane.ADMIN_TOKEN, null)) {
            setWeight("feed-filter-a", "rs1", 5);
            Api.given(cp).post("/v1/clusters/feed-filter-b/virtual-servers/http/real-servers/rs1/drain").then().statusCode(200);
            Api.as(cp, dave).post("/v1/clusters/feed-filter-a/virtual-servers/http/real-servers/rs2/drain").then().statusCode(200);
            Api.given(cp).post("/v1/clusters/feed-filter-a/virtual-servers/http/real-servers/rs1/drain").then().statusCode(200);

            List<Message> drained = byType.events(2);
            assertEquals(List.of("rs2", "rs1"), drained.stream().map(m -> m.json().getString("data.realServer")).toList());
            drained.forEach(m -> assertEquals("feed-filter-a", m.json().getString("cluster")));
            Message daves = byActor.events(1).get(0);
            assertEquals("dave", daves.json().getString("metadata.actor"));
            assertEquals("rs2", daves.json().getString("data.realServer"));
            // Nothing else came to either: the next event each sees is one written now, to their filters.
            Api.as(cp, dave).post("/v1/clusters/feed-filter-b/virtual-servers/http/real-servers/rs2/drain").then().statusCode(200);
            Message next = byActor.events(1).get(0);
            assertEquals("feed-filter-b", next.json().getString("cluster"));
            assertTrue(byType.messages.stream().noneMatch(m -> m.data() != null), "the type/cluster feed got " + byType.messages);
        }
    }

    @Test
    void resumingWithLastEventIdGivesExactlyTheMissedEvents() throws Exception {
        seedCluster(cp, "feed-resume");
        String lastId;
        try (Feed feed = new Feed("&cluster=feed-resume", RunningControlPlane.ADMIN_TOKEN, null)) {
            setWeight("feed-resume", "rs1", 2);
            setWeight("feed-resume", "rs1", 3);
            lastId = feed.events(2).get(1).id();
        }
        // Written while no one follows.
        for (int w = 4; w <= 8; w++) setWeight("feed-resume", "rs1", w);
        try (Feed again = new Feed("&cluster=feed-resume", RunningControlPlane.ADMIN_TOKEN, lastId)) {
            setWeight("feed-resume", "rs1", 9);
            List<Integer> weights = again.events(6).stream().map(m -> m.json().getInt("data.weight")).toList();
            assertEquals(List.of(4, 5, 6, 7, 8, 9), weights, "no gap, no repeat");
        }
        // The cursor parameter resumes the same way (for clients that cannot set headers).
        try (Feed byParam = new Feed("&cluster=feed-resume&cursor=" + lastId, RunningControlPlane.ADMIN_TOKEN, null)) {
            assertEquals(List.of(4, 5, 6, 7, 8, 9), byParam.events(6).stream().map(m -> m.json().getInt("data.weight")).toList());
        }
    }

    @Test
    void aKeepAliveComesWhenIdle() throws Exception {
        try (Feed feed = new Feed("&cluster=feed-idle", RunningControlPlane.ADMIN_TOKEN, null)) {
            assertEquals("keep-alive", feed.next(m -> m.comment() != null).comment());
        }
    }

    @Test
    void aScopedViewerSeesNothingOfAnotherCluster() throws Exception {
        seedCluster(cp, "feed-scope-a");
        seedCluster(cp, "feed-scope-b");
        String viewer = cp.token("viewer-a", "viewer", "feed-scope-a");
        // Without naming its cluster, or naming another, a scoped token is refused as for the log.
        for (String q : List.of("", "&cluster=feed-scope-b")) {
            var res = HTTP.send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/events?follow=true" + q))
                    .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, res.statusCode(), res.body());
            assertTrue(res.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        }
        try (Feed feed = new Feed("&cluster=feed-scope-a", viewer, null)) {
            setWeight("feed-scope-b", "rs1", 7);
            setWeight("feed-scope-a", "rs1", 4);
            Message m = feed.events(1).get(0);
            assertEquals("feed-scope-a", m.json().getString("cluster"));
            assertEquals(4, m.json().getInt("data.weight"));
        }
    }

    @Test
    void badParametersAre400Problems() throws Exception {
        Api.badInput(cp).queryParam("follow", "yes").get("/v1/events").then().statusCode(400)
                .contentType(startsWith("application/problem+json")).body("detail", containsString("follow"));
        Api.badInput(cp).queryParam("follow", "true").queryParam("cursor", "not-a-cursor").get("/v1/events").then().statusCode(400)
                .contentType(startsWith("application/problem+json")).body("detail", containsString("cursor"));
        Api.badInput(cp).queryParam("follow", "true").header("Last-Event-ID", "!!").get("/v1/events").then().statusCode(400)
                .contentType(startsWith("application/problem+json")).body("detail", containsString("Last-Event-ID"));
        Api.badInput(cp).queryParam("follow", "true").queryParam("limit", "5").get("/v1/events").then().statusCode(400)
                .contentType(startsWith("application/problem+json"));
        Api.badInput(cp).queryParam("follow", "true").queryParam("since", "yesterday").get("/v1/events").then().statusCode(400)
                .contentType(startsWith("application/problem+json"));
        // follow=false is the page, as without it.
        Api.given(cp).queryParam("follow", "false").queryParam("limit", 1).get("/v1/events").then().statusCode(200).body("items", notNullValue());
    }

    @Test
    void aClientThatNeverReadsIsDroppedAndWritersAreNotSlowed() throws Exception {
        seedCluster(cp, "feed-slow");
        long droppedBefore = dropped();
        var stuck = HTTP.send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/events?follow=true"))
                .header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stuck.statusCode());
        try (Feed fast = new Feed("&cluster=feed-slow", RunningControlPlane.ADMIN_TOKEN, null);
             Connection db = TestPostgres.jdbc(cp.databaseUrl()); var s = db.createStatement()) {
            // Far more than the socket buffers on both sides hold, in events of 32 KiB, straight into the log.
            s.execute("INSERT INTO events (stream_id, stream_version, event_type, data, metadata)"
                    + " SELECT 'test/padding', g, 'Padding', jsonb_build_object('pad', repeat('x', 32768)), '{\"actor\":\"padding\"}'::jsonb"
                    + " FROM generate_series(1, 1500) g");
            // Writers meanwhile: each write answered promptly, and a client that reads gets them all.
            long t0 = System.nanoTime();
            for (int w = 1; w <= 50; w++) setWeight("feed-slow", "rs1", 1 + w % 20);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "50 writes took " + took);
            assertEquals(50, fast.events(50).size());
            await("the stuck client dropped", () -> dropped() > droppedBefore);
            // Its connection is closed: its stream ends once what the socket held is read.
            InputStream in = stuck.body();
            byte[] buf = new byte[1 << 16];
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (in.read(buf) >= 0) assertTrue(System.nanoTime() < deadline, "the dropped stream did not end");
            in.close();
            // The client that reads is still followed.
            setWeight("feed-slow", "rs2", 3);
            assertEquals("rs2", fast.events(1).get(0).json().getString("data.realServer"));
        }
    }

    private static long dropped() {
        String metrics = io.restassured.RestAssured.get(cp.baseUrl() + "/metrics").then().statusCode(200).extract().asString();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("lvscp_feed_dropped_total")) return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        throw new AssertionError("no lvscp_feed_dropped_total in /metrics");
    }
}
