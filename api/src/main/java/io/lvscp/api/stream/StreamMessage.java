package io.lvscp.api.stream;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.model.ClusterState;
import java.util.List;

/**
 * The messages of the agent stream (WebSocket {@code /v1/agents/stream}, one JSON text frame each). Modelled on
 * Envoy's xDS: the agent says which revision it holds, the control plane answers with a snapshot or the deltas
 * since, then every new revision; the agent acks each revision it applied or nacks it with the error, keeping
 * the previous one. Heartbeats both ways keep an idle link honest and carry the head revision (a bookmark).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = StreamMessage.Hello.class, name = "hello"),
        @JsonSubTypes.Type(value = StreamMessage.Snapshot.class, name = "snapshot"),
        @JsonSubTypes.Type(value = StreamMessage.Delta.class, name = "delta"),
        @JsonSubTypes.Type(value = StreamMessage.Heartbeat.class, name = "heartbeat"),
        @JsonSubTypes.Type(value = StreamMessage.Refused.class, name = "refused"),
        @JsonSubTypes.Type(value = StreamMessage.Ack.class, name = "ack"),
        @JsonSubTypes.Type(value = StreamMessage.Nack.class, name = "nack"),
        @JsonSubTypes.Type(value = StreamMessage.Drift.class, name = "drift"),
        @JsonSubTypes.Type(value = StreamMessage.Stats.class, name = "stats"),
        @JsonSubTypes.Type(value = StreamMessage.HealthChanged.class, name = "health"),
        @JsonSubTypes.Type(value = StreamMessage.RoleChanged.class, name = "role"),
})
public sealed interface StreamMessage {
    /**
     * The largest message an agent accepts: a snapshot carries a whole cluster (about 17.5 MB of JSON at 10,000
     * virtual servers × 10 real servers), and a stream that cannot carry it leaves a new router with nothing.
     */
    int MAX_TO_AGENT_BYTES = 256 * 1024 * 1024;

    /** The largest message the control plane accepts from an agent; reports are capped well below it. */
    int MAX_FROM_AGENT_BYTES = 4 * 1024 * 1024;
    /** Agent → control plane, first: who it is and the revision it last applied (0: none). */
    record Hello(String cluster, String router, long revision, String driver, String agentVersion, String instance) implements StreamMessage {
        /**
         * {@code instance} names this run of the agent process (a new one after every restart): a control plane that
         * sees a new instance forgets what the previous one reported of real-server health, since a restarted agent
         * starts every server healthy and reports only what fails from then on.
         */
        public Hello(String cluster, String router, long revision, String driver, String agentVersion) {
            this(cluster, router, revision, driver, agentVersion, null);
        }
    }

    /** Control plane → agent: the whole desired state at {@code revision}. */
    record Snapshot(long revision, ClusterState state) implements StreamMessage {}

    /** Control plane → agent: the events from {@code fromRevision} (exclusive) to {@code revision}, in order. */
    record Delta(long fromRevision, long revision, List<Event> events) implements StreamMessage {}

    /** One cluster event as stored: its type name and JSON body. */
    record Event(long revision, String type, JsonNode data) {}

    /** Both ways: the sender is alive; from the control plane it carries the cluster's head revision. */
    record Heartbeat(long revision) implements StreamMessage {}

    /** Control plane → agent, then close: why the stream was refused (unknown router, bad hello). */
    record Refused(String reason) implements StreamMessage {}

    /**
     * Agent → control plane: {@code revision} is programmed in the kernel; it took {@code applyMillis}.
     * {@code connectionSync} is what the router runs of its cluster's connectionSync after it (agents older than the
     * field send none: unknown).
     */
    record Ack(long revision, long applyMillis, ConnectionSyncStatus connectionSync) implements StreamMessage {
        public Ack(long revision, long applyMillis) {
            this(revision, applyMillis, null);
        }
    }

    /**
     * What a router runs of its cluster's {@code connectionSync}, as its last pass left it (reported with acks and
     * stats): {@code running}, whether the agent has the connection sync daemons it set up for the setting running;
     * {@code daemons}, each of them as the kernel names it (role {@code master} or {@code backup}, the interface, the
     * sync id). None while the cluster has no connectionSync (the agent then leaves any other daemon alone, and does
     * not report it), and none on a driver that programs no kernel, which only remembers the setting.
     */
    record ConnectionSyncStatus(boolean running, List<SyncDaemon> daemons) {
        public static final ConnectionSyncStatus NONE = new ConnectionSyncStatus(false, List.of());
    }

    /** One IPVS connection sync daemon: {@code role} master or backup, on {@code device}, with {@code syncId}. */
    record SyncDaemon(String role, String device, int syncId) {}

    /** Agent → control plane: {@code revision} could not be programmed; the kernel still holds {@code appliedRevision}. */
    record Nack(long revision, long appliedRevision, String error) implements StreamMessage {}

    /** Agent → control plane: the kernel had drifted from {@code revision} and was corrected. */
    record Drift(long revision, List<String> corrections) implements StreamMessage {
        /** Enough to tell what happened; a wiped kernel of a big cluster would otherwise send every rule back. */
        public static final int MAX_CORRECTIONS = 100;

        /** {@code corrections} cut to {@link #MAX_CORRECTIONS}, the last line saying how many more there were. */
        public static Drift capped(long revision, List<String> corrections) {
            if (corrections.size() <= MAX_CORRECTIONS) return new Drift(revision, List.copyOf(corrections));
            List<String> head = new java.util.ArrayList<>(corrections.subList(0, MAX_CORRECTIONS - 1));
            head.add("... and " + (corrections.size() - MAX_CORRECTIONS + 1) + " more");
            return new Drift(revision, List.copyOf(head));
        }
    }

    /**
     * Agent → control plane: a summary of the router's data plane, shown on the router resource. {@code counters}
     * holds at most {@link #MAX_COUNTERS} real servers, the busiest; {@code omittedCounters} says how many were left
     * out (every one of them is on the agent's own /metrics). {@code connectionSync} as in {@link Ack}: a router's
     * sync daemons can stop and be restarted between revisions.
     */
    record Stats(int services, int destinations, long reconcileMillis, List<DestinationStats> counters, int omittedCounters,
                 ConnectionSyncStatus connectionSync) implements StreamMessage {
        public static final int MAX_COUNTERS = 1000;

        public Stats(int services, int destinations, long reconcileMillis, List<DestinationStats> counters, int omittedCounters) {
            this(services, destinations, reconcileMillis, counters, omittedCounters, null);
        }

        public Stats(int services, int destinations, long reconcileMillis, List<DestinationStats> counters) {
            this(services, destinations, reconcileMillis, counters, 0, null);
        }

        /** A summary with the {@link #MAX_COUNTERS} busiest real servers (by connections, then bytes). */
        public static Stats capped(int services, int destinations, long reconcileMillis, List<DestinationStats> counters) {
            return capped(services, destinations, reconcileMillis, counters, null);
        }

        /** The same, with the router's connection sync (null: not reported). */
        public static Stats capped(int services, int destinations, long reconcileMillis, List<DestinationStats> counters,
                                   ConnectionSyncStatus connectionSync) {
            if (counters.size() <= MAX_COUNTERS) {
                return new Stats(services, destinations, reconcileMillis, List.copyOf(counters), 0, connectionSync);
            }
            List<DestinationStats> busiest = counters.stream()
                    .sorted(java.util.Comparator.comparingLong(DestinationStats::connections)
                            .thenComparingLong(d -> d.bytesIn() + d.bytesOut()).reversed())
                    .limit(MAX_COUNTERS).toList();
            return new Stats(services, destinations, reconcileMillis, busiest, counters.size() - MAX_COUNTERS, connectionSync);
        }
    }

    /**
     * Agent → control plane: a health check changed its verdict on a real server ("connect refused", "expected
     * 200, got 503", "timeout after 2 s"). The agent has already acted on it; this is for the record.
     */
    record HealthChanged(String virtualServer, String realServer, boolean healthy, String reason) implements StreamMessage {}

    /** Agent → control plane: this router became {@code active} (it holds the VIPs) or {@code backup}, and why. */
    record RoleChanged(String role, String reason) implements StreamMessage {}

    record DestinationStats(String service, String destination, long connections, long packetsIn, long packetsOut,
                            long bytesIn, long bytesOut) {}
}
