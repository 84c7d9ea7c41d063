package io.lvscp.controlplane.auth;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per API token for writes: a runaway script or a stolen token cannot flood the event log (every
 * write is an fsync and an event every agent must apply). Per process: behind a load balancer with N control
 * planes a token gets up to N times the rate, which is still bounded. Confined to the API's event loop.
 */
public final class WriteRateLimiter {
    private final double perSecond;
    private final double burst;
    private final LongSupplier nanos;
    private final Map<String, Bucket> buckets = new HashMap<>();

    private static final class Bucket {
        double tokens;
        long refilled;

        Bucket(double tokens, long refilled) {
            this.tokens = tokens;
            this.refilled = refilled;
        }
    }

    public WriteRateLimiter(double perSecond, double burst, LongSupplier nanos) {
        if (perSecond <= 0 || burst < 1) throw new IllegalArgumentException("the write rate must be positive and the burst at least 1");
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanos = nanos;
    }

    /** 0 if the write may go now (and it is counted), otherwise the seconds to wait before one may. */
    public long tryAcquire(String tokenId) {
        long now = nanos.getAsLong();
        Bucket b = buckets.computeIfAbsent(tokenId, k -> new Bucket(burst, now));
        b.tokens = Math.min(burst, b.tokens + (now - b.refilled) / 1e9 * perSecond);
        b.refilled = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return 0;
        }
        if (buckets.size() > 10_000) buckets.values().removeIf(x -> x.tokens + (now - x.refilled) / 1e9 * perSecond >= burst); // full ones hold nothing
        return Math.max(1, (long) Math.ceil((1 - b.tokens) / perSecond));
    }
}
