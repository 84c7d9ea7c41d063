package io.lvscp.agent.host;

import io.lvscp.api.model.ClusterState;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the agent asks of the host around the load-balancing table: the floating VIPs a state asks for, and bringing
 * the host's addresses and forwarding to that state. {@link HostNetwork} does it on the kernel; {@link #recording()}
 * programs nothing (driver recording, whose addresses are fictional).
 */
public interface HostAddresses {
    /** The VIPs a cluster's state asks this router to hold. */
    SortedSet<Vip> desiredVips(ClusterState state);

    /**
     * Brings addresses and forwarding to what {@code state} asks; returns what it had to change, for drift reports.
     * {@code checkForwarding} false skips re-reading forwarding when the caller knows nothing about it changed.
     */
    List<String> apply(ClusterState state, boolean holdVips, boolean checkForwarding);

    /** Programs nothing and asks for no VIP; remembers whether it was last asked to hold them, and how often. */
    static Recording recording() {
        return new Recording();
    }

    /** The recording driver's host: nothing on the kernel, so nothing to change and nothing to report. */
    final class Recording implements HostAddresses {
        private volatile boolean held;
        private final java.util.concurrent.atomic.AtomicLong applies = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public SortedSet<Vip> desiredVips(ClusterState state) {
            return new TreeSet<>();
        }

        @Override
        public List<String> apply(ClusterState state, boolean holdVips, boolean checkForwarding) {
            held = holdVips;
            applies.incrementAndGet();
            return List.of();
        }

        /** The holdVips of the last apply (false before any). */
        public boolean held() {
            return held;
        }

        /** How many times it was asked to apply. */
        public long applies() {
            return applies.get();
        }
    }
}
