package io.lvscp.controlplane.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.Query;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;

/**
 * The pool with a deadline on every query. The SQL client has none, and a query on a connection whose peer went
 * silent (a network cut: no reset, TCP retransmitting for a quarter of an hour) would otherwise hold its request that
 * long; past the deadline it fails as the database being away (503, {@link DatabaseUnavailable}). The connection stays
 * busy until TCP gives up, so others are used or made, and the pool's own wait bounds the rest. A write that missed
 * its deadline may still reach the database when the network returns (as a lost answer to a COMMIT would): a client
 * told 503 re-reads before it writes again, and If-Match makes the retry safe.
 * <p>
 * Done as a dynamic proxy over the client's interfaces (Pool, Query, PreparedQuery) so that every store keeps using
 * the client's own API and none can forget the deadline.
 */
public final class BoundedPool {
    private BoundedPool() {}

    public static Pool of(Pool pool, long deadline, TimeUnit unit) {
        return wrap(pool, Pool.class, deadline, unit);
    }

    private static <T> T wrap(T target, Class<T> type, long deadline, TimeUnit unit) {
        InvocationHandler h = (proxy, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof Future<?> f) return f.timeout(deadline, unit);
            Class<?> returns = method.getReturnType();
            if (returns == PreparedQuery.class) return wrap((PreparedQuery<?>) result, PreparedQuery.class, deadline, unit);
            if (returns == Query.class) return wrap((Query<?>) result, Query.class, deadline, unit);
            return result;
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h));
    }
}
