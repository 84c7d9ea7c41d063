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

    /** Agent → control plane: {@code revision} is programmed in the kernel; it took {@code applyMillis}. */
    record Ack(long revision, long applyMillis) implements StreamMessage {}

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
     * out (every one of them is on the agent's own /metrics).
     */
    record Stats(int services, int destinations, long reconcileMillis, List<DestinationStats> counters, int omittedCounters)
            implements StreamMessage {
        public static final int MAX_COUNTERS = 1000;

        public Stats(int services, int destinations, long reconcileMillis, List<DestinationStats> counters) {
            this(services, destinations, reconcileMillis, counters, 0);
        }

        /** A summary with the {@link #MAX_COUNTERS} busiest real servers (by connections, then bytes). */
        public static Stats capped(int services, int destinations, long reconcileMillis, List<DestinationStats> counters) {
            if (counters.size() <= MAX_COUNTERS) return new Stats(services, destinations, reconcileMillis, List.copyOf(counters), 0);
            List<DestinationStats> busiest = counters.stream()
                    .sorted(java.util.Comparator.comparingLong(DestinationStats::connections)
                            .thenComparingLong(d -> d.bytesIn() + d.bytesOut()).reversed())
                    .limit(MAX_COUNTERS).toList();
            return new Stats(services, destinations, reconcileMillis, busiest, counters.size() - MAX_COUNTERS);
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
