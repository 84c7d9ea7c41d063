package io.lvscp.controlplane.projection;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.event.ClusterEvents;
import io.lvscp.api.json.Json;
import io.lvscp.controlplane.eventstore.NewEvent;
import io.lvscp.controlplane.eventstore.RecordedEvent;
import java.io.UncheckedIOException;

/** Cluster events to and from their stored JSON. */
public final class EventCodec {
    // Stored events were valid when written; reading tolerates fields a newer writer added (forward compatible).
    private static final ObjectReader STORED = Json.mapper().reader().without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private EventCodec() {}

    public static NewEvent encode(ClusterEvent event) {
        try {
            return new NewEvent(event.type(), Json.mapper().writeValueAsString(event));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ClusterEvent decode(RecordedEvent e) {
        Class<? extends ClusterEvent> type = ClusterEvents.typeNamed(e.type());
        if (type == null) throw new IllegalStateException("event " + e.position() + " has unknown type " + e.type());
        try {
            return STORED.readValue(e.data(), type);
        } catch (java.io.IOException ex) {
            throw new UncheckedIOException("event " + e.position() + " of type " + e.type() + " cannot be read", ex);
        }
    }
}
