package io.lvscp.agent.health;

/**
 * One real server's verdict from its check results, as nanny and keepalived decide it: a healthy server fails
 * after {@code fall} failures in a row; a failed one takes traffic again after {@code rise} successes in a row
 * that also span {@code reentry} (it has been answering for that long). A server starts healthy: an agent that
 * (re)starts keeps the traffic where it was until a check says otherwise. Not thread-safe; the monitor owns it.
 */
final class Hysteresis {
    private int rise;
    private int fall;
    private long reentryMillis;
    private boolean healthy = true;
    private int successes;
    private int failures;
    private long upSince;

    Hysteresis(int rise, int fall, long reentryMillis) {
        configure(rise, fall, reentryMillis);
    }

    /** New thresholds keep the verdict and the runs counted so far. */
    void configure(int rise, int fall, long reentryMillis) {
        this.rise = Math.max(1, rise);
        this.fall = Math.max(1, fall);
        this.reentryMillis = Math.max(0, reentryMillis);
    }

    /** A check result at time {@code now} (milliseconds, any origin); true when the verdict changed. */
    boolean record(boolean ok, long now) {
        if (ok) {
            failures = 0;
            if (successes == 0) upSince = now;
            if (successes < Integer.MAX_VALUE) successes++;
            if (!healthy && successes >= rise && now - upSince >= reentryMillis) {
                healthy = true;
                return true;
            }
        } else {
            successes = 0;
            if (failures < Integer.MAX_VALUE) failures++;
            if (healthy && failures >= fall) {
                healthy = false;
                return true;
            }
        }
        return false;
    }

    /** Forget the runs counted (the thing checked changed); the verdict stays until new results move it. */
    void restart() {
        successes = 0;
        failures = 0;
    }

    boolean healthy() {
        return healthy;
    }

    int successes() {
        return successes;
    }

    int failures() {
        return failures;
    }
}
