package io.lvscp.controlplane.eventstore;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.db.Database;
import io.lvscp.controlplane.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The event store on a real PostgreSQL: appends, optimistic concurrency, and a global log that never skips. */
@ExtendWith(VertxExtension.class)
class EventStoreTest {
    private static final EventMetadata META = new EventMetadata("tester", "req-1", "127.0.0.1", "because");
    private static String url;
    private static Database database;
    private static Pool pool;
    private static EventStore store;

    @BeforeAll
    static void setUp(Vertx vertx) throws Exception {
        url = TestPostgres.newDatabase();
        database = Database.open(new ControlPlaneConfig.Database(url, null, null, 16, null));
        database.migrate();
        pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(16)).connectingTo(database.connectOptions()).using(vertx).build();
        store = new EventStore(pool);
    }

    @AfterAll
    static void tearDown() throws Exception {
        await(pool.close());
        database.close();
    }

    static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) throw x;
            throw e;
        }
    }

    private static List<NewEvent> events(int n) {
        List<NewEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new NewEvent("TestEvent", "{\"i\":" + i + "}"));
        return out;
    }

    private static List<RecordedEvent> readAll(LogCursor from) throws Exception {
        List<RecordedEvent> out = new ArrayList<>();
        LogCursor c = from;
        while (true) {
            List<RecordedEvent> page = await(store.readLog(new LogQuery(c, null, null, null, null, null, null, 500)));
            if (page.isEmpty()) return out;
            out.addAll(page);
            c = page.get(page.size() - 1).cursor();
        }
    }

    @Test
    void appendsAreReadBackInVersionOrderWithTheirMetadata() throws Exception {
        AppendResult first = await(store.append("cluster/read-back", 0, events(2), META));
        AppendResult second = await(store.append("cluster/read-back", 2, events(3), META));
        assertEquals(2, first.version());
        assertEquals(5, second.version());
        List<RecordedEvent> all = await(store.readStream("cluster/read-back", 0, Long.MAX_VALUE));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), all.stream().map(RecordedEvent::streamVersion).toList());
        assertEquals("{\"i\": 2}", all.get(4).data());
        assertEquals(META, all.get(0).metadata());
        assertEquals(List.of(3L, 4L, 5L), await(store.readStream("cluster/read-back", 2, 5)).stream().map(RecordedEvent::streamVersion).toList());
    }

    @Test
    void aStaleWriterIsRefusedAndAppendsNothing() throws Exception {
        await(store.append("cluster/stale", 0, events(1), META));
        await(store.append("cluster/stale", 1, events(1), META));
        assertThrows(ConcurrencyConflict.class, () -> await(store.append("cluster/stale", 1, events(4), META)));
        assertThrows(ConcurrencyConflict.class, () -> await(store.append("cluster/stale", 0, events(1), META)));
        assertThrows(ConcurrencyConflict.class, () -> await(store.append("cluster/never-made", 3, events(1), META)));
        assertEquals(2, await(store.readStream("cluster/stale", 0, Long.MAX_VALUE)).size());
        assertTrue(await(store.readStream("cluster/never-made", 0, Long.MAX_VALUE)).isEmpty());
    }

    @Test
    void concurrentCreatorsOfOneStreamGetOneWinner() throws Exception {
        List<Future<AppendResult>> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) all.add(store.append("cluster/race", 0, events(1), META));
        await(Future.join(all).otherwiseEmpty());
        long won = all.stream().filter(Future::succeeded).count();
        assertEquals(1, won);
        assertTrue(all.stream().filter(Future::failed).allMatch(f -> f.cause() instanceof ConcurrencyConflict));
        assertEquals(1, await(store.readStream("cluster/race", 0, Long.MAX_VALUE)).size());
    }

    /**
     * The classic trap: an append that drew a lower position commits after one with a higher position. A reader
     * that tails by position would move past the lower one before it is visible and never see it.
     */
    @Test
    void aTailReaderNeverSkipsAnEventThatCommitsOutOfPositionOrder() throws Exception {
        LogCursor start = tail();
        try (Connection slow = TestPostgres.jdbc(url)) {
            slow.setAutoCommit(false);
            long lowPosition = insertByHand(slow, "cluster/slow-low");
            AppendResult fast = await(store.append("cluster/fast-high", 0, events(1), META));
            long highPosition = fast.events().get(0).position();
            assertTrue(highPosition > lowPosition, "the fast append drew the higher position");

            // The naive reader sees the high position alone, and would checkpoint past the low one.
            assertEquals(List.of(highPosition), positionsAbove(start.position()));
            // lvscp's reader shows nothing of either transaction while the older one runs.
            List<RecordedEvent> during = readAll(start);
            assertTrue(during.stream().noneMatch(e -> e.position() == highPosition || e.position() == lowPosition), during.toString());

            slow.commit();
            List<Long> after = readAll(start).stream().map(RecordedEvent::position).toList();
            assertEquals(List.of(lowPosition, highPosition), after);
        }
    }

    /** The reverse: the transaction that began first draws its position last. Still seen, exactly once. */
    @Test
    void aTransactionThatStartedFirstButInsertedLastIsStillSeen() throws Exception {
        LogCursor start = tail();
        try (Connection early = TestPostgres.jdbc(url)) {
            early.setAutoCommit(false);
            try (Statement s = early.createStatement()) {
                s.execute("SELECT pg_current_xact_id()"); // takes its transaction id now
            }
            AppendResult later = await(store.append("cluster/started-later", 0, events(1), META));
            List<RecordedEvent> first = readAll(start);
            assertTrue(first.isEmpty(), "nothing is visible past a running older transaction: " + first);
            long earlyPosition = insertByHand(early, "cluster/started-early");
            early.commit();
            List<Long> seen = readAll(start).stream().map(RecordedEvent::position).toList();
            assertEquals(List.of(earlyPosition, later.events().get(0).position()), seen);
        }
    }

    @Test
    void manyConcurrentWritersLoseNothingAndATailReaderSeesEachEventOnce() throws Exception {
        LogCursor start = tail();
        int streams = 4;
        int writers = 12;
        int appendsPerWriter = 25;
        Map<String, AtomicInteger> committed = new ConcurrentHashMap<>();
        AtomicInteger conflicts = new AtomicInteger();
        List<Future<Void>> work = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String stream = "cluster/busy-" + (w % streams);
            committed.putIfAbsent(stream, new AtomicInteger());
            work.add(writeLoop(stream, appendsPerWriter, committed.get(stream), conflicts));
        }
        // Tail concurrently with the writers, keeping only a cursor, as a projection would.
        List<RecordedEvent> tailed = Collections.synchronizedList(new ArrayList<>());
        LogCursor cursor = start;
        while (!Future.all(work).isComplete()) {
            List<RecordedEvent> page = await(store.readLog(new LogQuery(cursor, null, null, null, null, null, null, 50)));
            tailed.addAll(page);
            if (!page.isEmpty()) cursor = page.get(page.size() - 1).cursor();
        }
        await(Future.all(work));
        tailed.addAll(readAll(cursor));

        int expected = writers * appendsPerWriter;
        assertEquals(expected, committed.values().stream().mapToInt(AtomicInteger::get).sum());
        assertTrue(conflicts.get() > 0, "the writers of one stream raced (otherwise this test proves little)");
        Set<Long> unique = new HashSet<>();
        for (RecordedEvent e : tailed) assertTrue(unique.add(e.position()), "event " + e.position() + " read twice: "
                + tailed.stream().map(x -> x.transactionId() + "/" + x.position()).toList());
        assertEquals(expected, tailed.size(), "the tail reader saw every committed event");
        for (var s : committed.entrySet()) {
            List<Long> versions = await(store.readStream(s.getKey(), 0, Long.MAX_VALUE)).stream().map(RecordedEvent::streamVersion).toList();
            List<Long> gapFree = new ArrayList<>();
            for (long v = 1; v <= s.getValue().get(); v++) gapFree.add(v);
            assertEquals(gapFree, versions, "versions of " + s.getKey() + " have no gap");
        }
    }

    /** Appends n single events to a stream, re-reading its version after each conflict as a real writer would. */
    private Future<Void> writeLoop(String stream, int remaining, AtomicInteger committed, AtomicInteger conflicts) {
        if (remaining == 0) return Future.succeededFuture();
        return store.streamVersions(stream)
                .map(v -> v.getOrDefault(stream, 0L))
                .compose(version -> store.append(stream, version, events(1), META))
                .transform(ar -> {
                    if (ar.succeeded()) {
                        committed.incrementAndGet();
                        return writeLoop(stream, remaining - 1, committed, conflicts);
                    }
                    if (ar.cause() instanceof ConcurrencyConflict) {
                        conflicts.incrementAndGet();
                        return writeLoop(stream, remaining, committed, conflicts);
                    }
                    return Future.failedFuture(ar.cause());
                });
    }

    private static LogCursor tail() throws Exception {
        List<RecordedEvent> all = readAll(LogCursor.START);
        return all.isEmpty() ? LogCursor.START : all.get(all.size() - 1).cursor();
    }

    private static long insertByHand(Connection c, String stream) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("INSERT INTO streams (stream_id, version) VALUES ('" + stream + "', 1)");
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO events (stream_id, stream_version, event_type, data, metadata)"
                + " VALUES (?, 1, 'TestEvent', '{}', '{\"actor\":\"tester\"}') RETURNING global_position")) {
            p.setString(1, stream);
            try (ResultSet r = p.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static List<Long> positionsAbove(long position) throws Exception {
        try (Connection c = TestPostgres.jdbc(url);
             PreparedStatement p = c.prepareStatement("SELECT global_position FROM events WHERE global_position > ? ORDER BY 1")) {
            p.setLong(1, position);
            List<Long> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) out.add(r.getLong(1));
            }
            return out;
        }
    }
}
