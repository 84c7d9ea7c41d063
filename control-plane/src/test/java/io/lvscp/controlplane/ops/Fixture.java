package io.lvscp.controlplane.ops;

import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import io.lvscp.controlplane.eventstore.EventMetadata;
import io.lvscp.controlplane.eventstore.RecordedEvent;
import io.lvscp.controlplane.metrics.ControlPlaneMetrics;
import io.lvscp.controlplane.projection.ClusterProjections;
import java.time.OffsetDateTime;
import java.util.List;

/** A small cluster (one router, one virtual server, one drained real server) for meters fed by hand. */
public final class Fixture {
    private Fixture() {}

    static ClusterState cluster() {
        try {
            return Json.mapper().readValue("""
                    {"name": "web", "revision": 4, "settings": {"name": "web", "routingMethod": "direct"},
                     "routers": {"lvs1": {"name": "lvs1", "publicAddress": "192.168.26.9"}},
                     "virtualServers": {"http": {"spec": {"name": "http", "address": "192.168.26.10", "port": 80},
                       "realServers": {"rs1": {"name": "rs1", "address": "10.11.12.1", "state": "drained"}}}}}
                    """, ClusterState.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tells the meters a projection moved from one state to another, by one event committed now. */
    static void publish(ControlPlaneMetrics m, ClusterState before, ClusterState after) {
        RecordedEvent e = new RecordedEvent(after.revision(), "1", ClusterProjections.streamId(after.name()), after.revision(), "Test", "{}",
                new EventMetadata("test", null, null, null), OffsetDateTime.now());
        m.projected(before, after, List.of(e));
    }

    /** A registry with every meter the control plane defines, fed as a running one would be. */
    public static String allControlPlaneMeters() {
        ControlPlaneMetrics m = new ControlPlaneMetrics();
        ClusterState s = Fixture.cluster();
        Fixture.publish(m, ClusterState.absent("web"), s);
        m.appended(List.of(), 1_000_000);
        m.conflict();
        m.streamed("snapshot");
        m.agentConnected("web", "lvs1", 0, "run-1");
        m.agentAck("web", "lvs1", s.revision(), 12);
        m.agentNack("web", "lvs1", s.revision());
        m.driftCorrected("web", "lvs1");
        m.roleReported("web", "lvs1", true);
        m.healthReported("web", "http", "rs1", "lvs1", false);
        return m.registry().scrape();
    }
}
