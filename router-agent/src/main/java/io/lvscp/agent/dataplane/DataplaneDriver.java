package io.lvscp.agent.dataplane;

import io.lvscp.api.model.ConnectionSync;
import io.lvscp.api.stream.StreamMessage;
import java.util.List;

/**
 * Programs the load-balancing table into the kernel. Level-based: {@link #read()} says what the kernel has now
 * (only what this driver manages), {@link #apply} changes it from that to the desired table in one batch. A
 * driver that cannot express part of a table says so in {@link #unsupported} before anything is applied, and the
 * agent nacks the revision with those reasons; the limits of the real drivers are {@link io.lvscp.api.driver.DriverLimits},
 * which the control plane applies to writes too. Blocking: called on a worker thread.
 */
public interface DataplaneDriver {
    String name();

    /** Why this driver cannot program the table, one reason per problem; empty when it can. */
    List<String> unsupported(ServiceTable desired);

    ServiceTable read();

    /** Makes the kernel hold {@code desired}, given that it holds {@code actual}; changes only what differs. */
    void apply(ServiceTable actual, ServiceTable desired);

    /**
     * The kernel's counters per real server (connections, packets, bytes since the service was made), for
     * /metrics and the summary sent to the control plane. A driver whose kernel keeps none returns none.
     */
    default List<StreamMessage.DestinationStats> stats() {
        return List.of();
    }

    /**
     * Why this driver cannot keep established connections across a takeover (a cluster's {@code connectionSync});
     * null when it can.
     */
    default String whyNoConnectionSync() {
        return "the " + name() + " driver cannot synchronise connections between the routers of a pair";
    }

    /**
     * Makes this router's connection synchronisation what {@code wanted} says (null: none running); what it changed,
     * one line each. Only called when {@link #whyNoConnectionSync()} is null.
     */
    default List<String> syncConnections(ConnectionSync wanted) {
        return List.of();
    }

    /**
     * The connection sync daemons the last {@link #syncConnections} left running, for the router's status on the
     * control plane; none when it runs none, or its kernel has no such thing.
     */
    default List<StreamMessage.SyncDaemon> syncDaemons() {
        return List.of();
    }
}
