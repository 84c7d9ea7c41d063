package io.lvscp.controlplane;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs asynchronous tasks one after another per key, and tasks of different keys side by side. Confined to
 * one Vert.x context (no locks): every submit must come from it.
 */
public final class KeyedSequencer {
    private final Map<String, Future<?>> tails = new HashMap<>();

    public <T> Future<T> submit(String key, Supplier<Future<T>> task) {
        Future<?> tail = tails.get(key);
        Promise<T> done = Promise.promise();
        Future<T> mine = done.future();
        tails.put(key, mine);
        Future<?> start = tail == null ? Future.succeededFuture() : tail.transform(ignored -> Future.succeededFuture());
        start.compose(ignored -> {
            try {
                return task.get();
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }).onComplete(ar -> {
            if (tails.get(key) == mine) tails.remove(key);
            done.handle(ar);
        });
        return mine;
    }
}
