package io.lvscp.agent.health;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs blocking checks on a bounded pool of daemon threads in this JVM: network checks when the real servers are
 * reachable from the agent's own namespace, program checks always (they block on a child process).
 */
public final class LocalProber implements Prober {
    private final ExecutorService pool;
    private final Function<CheckSpec, CheckResult> check;

    public LocalProber(Function<CheckSpec, CheckResult> check, int threads, String name) {
        this.check = check;
        this.pool = pool(threads, name);
    }

    /** Network checks in this JVM. */
    public static LocalProber network() {
        return new LocalProber(NetworkChecks::run, 64, "lvscp-health-check");
    }

    @Override
    public CompletableFuture<CheckResult> probe(CheckSpec spec) {
        return CompletableFuture.supplyAsync(() -> check.apply(spec), pool);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    static ExecutorService pool(int threads, String name) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        p.allowCoreThreadTimeOut(true);
        return p;
    }
}
