package io.lvscp.controlplane.feed;

import io.lvscp.controlplane.eventstore.EventStore;
import io.lvscp.controlplane.eventstore.LogCursor;
import io.lvscp.controlplane.eventstore.LogQuery;
import io.lvscp.controlplane.eventstore.RecordedEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of the feed. It holds no events of its own: it reads a page from the store after the last cursor it
 * sent, writes it, and reads again while there is more, so what it buffers is bounded by the socket's write queue.
 * A client whose write queue stays full past that bound is dropped rather than buffered for: the writers and the
 * other followers never wait for it, and it resumes with its last id when it can keep up.
 *
 * <p>Everything runs on the request's context (the store is asynchronous; wakes from elsewhere are handed to it), so
 * the fields need no locks.
 */
final class Follower {
    private static final Logger LOG = LoggerFactory.getLogger(Follower.class);
    static final int PAGE = 100;
    /** How long a dropped client gets to take its last message before the connection is cut. */
    private static final long GOODBYE_MILLIS = 2000;

    private final EventFeed feed;
    private final Vertx vertx;
    private final EventStore store;
    private final HttpServerResponse response;
    private final LogQuery filter;
    private final Function<RecordedEvent, String> json;
    private final long keepAliveMillis;
    private final String who;
    private final int maxQueuedBytes;
    private final io.vertx.core.http.HttpConnection connection;
    private LogCursor cursor;
    private boolean reading;
    private boolean again;
    private boolean closed;
    private boolean sentSinceKeepAlive;
    private long sweepTimer = -1;
    private long keepAliveTimer = -1;
    private final io.vertx.core.Context context;

    Follower(EventFeed feed, Vertx vertx, EventStore store, HttpServerResponse response, LogCursor from, LogQuery filter,
             Function<RecordedEvent, String> json, long keepAliveMillis, int maxQueuedBytes, String who,
             io.vertx.core.http.HttpConnection connection) {
        this.feed = feed;
        this.vertx = vertx;
        this.store = store;
        this.response = response;
        this.cursor = from;
        this.filter = filter;
        this.json = json;
        this.keepAliveMillis = keepAliveMillis;
        this.who = who;
        this.maxQueuedBytes = maxQueuedBytes;
        this.context = vertx.getOrCreateContext();
        this.connection = connection;
        response.setWriteQueueMaxSize(maxQueuedBytes);
    }

    void start() {
        // Compression would hold messages back in the deflater until it had a block's worth; SSE must flush each.
        response.setChunked(true).setStatusCode(200)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("Content-Encoding", "identity")
                .putHeader("X-Accel-Buffering", "no");
        response.closeHandler(v -> stop(false));
        response.exceptionHandler(e -> stop(false));
        // The comment sends the headers at once: the client knows it is subscribed before any event comes.
        response.write(": following from " + cursor.encode() + "\n\n");
        sweepTimer = vertx.setPeriodic(EventFeed.SWEEP_MILLIS, id -> wake());
        keepAliveTimer = vertx.setPeriodic(keepAliveMillis, id -> keepAlive());
        wake();
    }

    /** A wake from another context (the notification listener): handed to this follower's. */
    void wakeFromAnywhere() {
        context.runOnContext(v -> wake());
    }

    /** Reads from the store after the last cursor sent; a wake during a read makes it read once more after. */
    private void wake() {
        if (closed) return;
        if (reading) {
            again = true;
            return;
        }
        reading = true;
        again = false;
        LogQuery q = new LogQuery(cursor, null, filter.streamIds(), filter.type(), filter.actor(), filter.since(), filter.until(), PAGE);
        store.readLog(q).onComplete(ar -> {
            reading = false;
            if (closed) return;
            if (ar.failed()) {
                // The next notification or sweep tries again from the same cursor: nothing is skipped.
                LOG.debug("event feed read failed", ar.cause());
                return;
            }
            List<RecordedEvent> events = ar.result();
            send(events);
            if (closed) return;
            if (events.size() == PAGE || again) wake();
        });
    }

    /** Writes the page one message at a time, so that a client that stopped reading is caught at the bound, not a page past it. */
    private void send(List<RecordedEvent> events) {
        for (RecordedEvent e : events) {
            response.write(Buffer.buffer("id: " + e.cursor().encode() + "\ndata: " + json.apply(e) + "\n\n"));
            cursor = e.cursor();
            sentSinceKeepAlive = true;
            if (response.writeQueueFull()) {
                dropSlow();
                return;
            }
        }
    }

    private void keepAlive() {
        if (closed) return;
        if (!sentSinceKeepAlive) {
            response.write(": keep-alive\n\n");
            if (response.writeQueueFull()) dropSlow();
        }
        sentSinceKeepAlive = false;
    }

    private void dropSlow() {
        LOG.warn("event feed: dropped {} (a follower of /v1/events?follow=true): its connection's write queue is over {} bytes;"
                + " it may resume from its last id {}", who, maxQueuedBytes, cursor.encode());
        stop(true);
        String reason = "this client reads too slowly: its write queue passed " + maxQueuedBytes
                + " bytes; reconnect with Last-Event-ID to resume";
        if (response.ended()) return;
        long cut = vertx.setTimer(GOODBYE_MILLIS, id -> closeConnection());
        response.end(": dropped: " + reason + "\nevent: error\ndata: {\"reason\":\"slow-consumer\",\"detail\":\"" + reason + "\"}\n\n")
                .onComplete(ar -> {
                    vertx.cancelTimer(cut);
                    closeConnection();
                });
    }

    private void closeConnection() {
        try {
            connection.close();
        } catch (RuntimeException e) {
            // already closed
        }
    }

    private void stop(boolean slow) {
        if (closed) return;
        closed = true;
        vertx.cancelTimer(sweepTimer);
        vertx.cancelTimer(keepAliveTimer);
        feed.gone(this, slow);
    }
}
