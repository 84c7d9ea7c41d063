package io.lvscp.controlplane.projection;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the projections current with appends made by any process: LISTEN for the store's wake-ups, and a
 * sweep every few seconds for what a dropped connection may have missed. On every (re)subscription the
 * projections catch up in full, since notifications sent while away are gone.
 */
public final class EventNotifications {
    private static final Logger LOG = LoggerFactory.getLogger(EventNotifications.class);
    public static final String CHANNEL = io.lvscp.controlplane.eventstore.EventStore.CHANNEL;

    private final Vertx vertx;
    private final ClusterProjections projections;
    private final PgSubscriber subscriber;
    private long sweepTimer = -1;
    private volatile boolean stopping;
    private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile java.util.function.Consumer<String> routerStreams = payload -> { };

    public EventNotifications(Vertx vertx, PgConnectOptions options, ClusterProjections projections) {
        this.vertx = vertx;
        this.projections = projections;
        this.subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> Math.min(5000L, 100L << Math.min(retries, 6)));
    }

    /** Also wakes {@code listener} on every notification and (re)subscription: a hint to re-read, never the data. */
    public void onAppended(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * Hands every payload of {@link io.lvscp.controlplane.agents.RouterStatusStore#STREAM_CHANNEL} ("cluster router
     * stream": a router's agent said hello on that stream) to {@code handler}, on this process's event loop.
     */
    public void onRouterStream(java.util.function.Consumer<String> handler) {
        routerStreams = handler;
    }

    private void wakeListeners() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.warn("an event listener failed", e);
            }
        }
    }

    public Future<Void> start(long sweepMillis) {
        subscriber.channel(CHANNEL)
                .subscribeHandler(v -> {
                    projections.catchUpAll().onFailure(f -> LOG.warn("catch-up after subscribe failed", f));
                    wakeListeners();
                })
                .handler(payload -> {
                    // One line per append ("stream version"), several appends to a NOTIFY; each stream caught up once.
                    java.util.Set<String> streams = new java.util.LinkedHashSet<>();
                    for (String line : payload.split("\n")) {
                        int space = line.lastIndexOf(' ');
                        streams.add(space > 0 ? line.substring(0, space) : line);
                    }
                    for (String stream : streams) {
                        if (!stream.startsWith(ClusterProjections.STREAM_PREFIX)) continue;
                        projections.catchUp(stream.substring(ClusterProjections.STREAM_PREFIX.length()))
                                .onFailure(f -> LOG.warn("catch-up of {} failed", stream, f));
                    }
                    wakeListeners();
                });
        subscriber.channel(io.lvscp.controlplane.agents.RouterStatusStore.STREAM_CHANNEL).handler(payload -> {
            try {
                routerStreams.accept(payload);
            } catch (RuntimeException e) {
                LOG.warn("a router stream notification failed", e);
            }
        });
        subscriber.closeHandler(v -> {
            if (!stopping) LOG.warn("event notification connection closed; reconnecting");
        });
        return subscriber.connect().onSuccess(v -> sweepTimer = vertx.setPeriodic(sweepMillis, id ->
                projections.catchUpAll().onFailure(f -> LOG.debug("periodic catch-up failed", f))));
    }

    public Future<Void> stop() {
        stopping = true;
        if (sweepTimer >= 0) vertx.cancelTimer(sweepTimer);
        return subscriber.close();
    }
}
