package io.lvscp.controlplane.feed;

import io.lvscp.controlplane.eventstore.EventStore;
import io.lvscp.controlplane.eventstore.LogCursor;
import io.lvscp.controlplane.eventstore.LogQuery;
import io.lvscp.controlplane.eventstore.RecordedEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The live event feed's followers, and what wakes them. A notification is only a hint that the log moved: each
 * follower then reads the store from its own cursor, so order, filters and completeness come from the database,
 * and a notification lost or arriving before its event is visible costs at most one sweep's delay.
 */
public final class EventFeed {
    /** How often a follower re-reads without a notification: events held back behind an older open transaction. */
    static final long SWEEP_MILLIS = 1000;

    private final Vertx vertx;
    private final EventStore store;
    private final long keepAliveMillis;
    private final int maxQueuedBytes;
    private final Set<Follower> followers = ConcurrentHashMap.newKeySet();
    private final AtomicLong dropped = new AtomicLong();

    public EventFeed(Vertx vertx, EventStore store, long keepAliveMillis, int maxQueuedBytes) {
        this.vertx = vertx;
        this.store = store;
        this.keepAliveMillis = keepAliveMillis;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    /**
     * Streams to {@code response} every event after {@code from} that {@code filter} selects (its cursor and limit
     * are ignored), as Server-Sent Events, until the client goes or falls too far behind.
     */
    public void follow(HttpServerResponse response, io.vertx.core.http.HttpConnection connection, LogCursor from, LogQuery filter, Function<RecordedEvent, String> json, String who) {
        Follower f = new Follower(this, vertx, store, response, from, filter, json, keepAliveMillis, maxQueuedBytes, who, connection);
        followers.add(f);
        f.start();
    }

    /** Something was appended (or the notification link came back): every follower re-reads. */
    public void wake() {
        for (Follower f : followers) f.wakeFromAnywhere();
    }

    public int followers() {
        return followers.size();
    }

    /** Followers dropped for not reading fast enough, since start. */
    public long dropped() {
        return dropped.get();
    }

    void gone(Follower f, boolean slow) {
        if (followers.remove(f) && slow) dropped.incrementAndGet();
    }
}
