package io.lvscp.controlplane.agents;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.Names;
import io.lvscp.api.stream.StreamMessage;
import io.lvscp.controlplane.auth.Principal;
import io.lvscp.controlplane.auth.Role;
import io.lvscp.controlplane.auth.TokenStore;
import io.lvscp.controlplane.eventstore.EventMetadata;
import io.lvscp.controlplane.eventstore.EventStore;
import io.lvscp.controlplane.eventstore.NewEvent;
import io.lvscp.controlplane.eventstore.RecordedEvent;
import io.lvscp.controlplane.metrics.ControlPlaneMetrics;
import io.lvscp.controlplane.projection.ClusterProjections;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's end of the agent stream. Each connected router gets the desired state of its cluster: a
 * snapshot when it is new or too far behind, otherwise the events since the revision it holds, then every new
 * revision as the projection learns of it (from this process or, by NOTIFY, from any other), in order, with no
 * gap and no repeat. What agents report goes to {@link RouterStatusStore} and, for drift, into the audit log.
 * Confined to the API verticle's event loop.
 */
public final class AgentGateway {
    private static final Logger LOG = LoggerFactory.getLogger(AgentGateway.class);
    private static final ObjectReader READER = Json.mapper().readerFor(StreamMessage.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** Beyond this many events behind, a snapshot is cheaper than the deltas (and the agent may have missed a reset). */
    public static final long MAX_DELTA_EVENTS = 1000;

    private final Vertx vertx;
    private final ClusterProjections projections;
    private final EventStore store;
    private final RouterStatusStore status;
    private final ControlPlaneMetrics metrics;
    private final long heartbeatMillis;
    private final Map<String, Set<Session>> sessions = new HashMap<>();
    private final SnapshotCache snapshots;
    private final TokenStore tokens;

    public AgentGateway(Vertx vertx, ClusterProjections projections, EventStore store, RouterStatusStore status,
                        ControlPlaneMetrics metrics, long heartbeatMillis, TokenStore tokens) {
        this.tokens = tokens;
        this.vertx = vertx;
        this.projections = projections;
        this.store = store;
        this.status = status;
        this.metrics = metrics;
        this.heartbeatMillis = heartbeatMillis;
        this.snapshots = new SnapshotCache(vertx);
        projections.addListener((before, after, events) -> {
            snapshots.forget(after.name());
            for (Session s : sessions.getOrDefault(after.name(), Set.of())) s.changed(before, after, events);
        });
    }

    /** The most daemons a router is believed to run: IPVS has a master and a backup. */
    private static final int MAX_SYNC_DAEMONS = 2;

    /**
     * What an agent reported of connection sync, as the API shows it; null when it reported nothing. Only well-formed
     * daemons are kept (a role IPVS has, an interface name, a one-byte sync id): the report is shown to operators as is.
     */
    static String connectionSyncJson(StreamMessage.ConnectionSyncStatus reported) {
        if (reported == null) return null;
        List<StreamMessage.SyncDaemon> daemons = reported.daemons() == null ? List.of() : reported.daemons().stream()
                .filter(d -> d != null && ("master".equals(d.role()) || "backup".equals(d.role())) && d.device() != null
                        && io.lvscp.api.model.Shapes.isDevice(d.device())
                        && d.syncId() >= 0 && d.syncId() <= 255)
                .limit(MAX_SYNC_DAEMONS).toList();
        return Json.mapper().valueToTree(new StreamMessage.ConnectionSyncStatus(reported.running(), daemons)).toString();
    }

    public static String observationStream(String cluster) {
        return "observations/" + cluster;
    }

    public int connected() {
        return sessions.values().stream().mapToInt(Set::size).sum();
    }

    /**
     * A router's agent said hello on {@code stream}, on this process or another ({@code "cluster router stream"}, from
     * {@link RouterStatusStore#STREAM_CHANNEL}). A stream of that router held here is then dead or dying — the agent
     * keeps one stream — though this end may not know it for three heartbeats (a link gone silent, the agent's host
     * gone): close it now, so that this process stops counting the router as connected while another serves it.
     * A notification that arrives after the agent came back here (it moved twice within one database round trip)
     * closes the live stream too; the agent then reconnects, which is all it costs.
     */
    public void streamOpened(String payload) {
        String[] p = payload.split(" ");
        if (p.length != 3) return;
        for (Session s : List.copyOf(sessions.getOrDefault(p[0], Set.of()))) {
            if (p[1].equals(s.router) && !p[2].equals(s.streamId)) {
                LOG.info("router {}/{} has a newer stream on another control-plane process; closing its stream here", p[0], p[1]);
                s.closed();
                s.ws.close((short) 4409, "replaced by a newer connection of the same router");
            }
        }
    }

    /** A stream authenticated (by the HTTP upgrade) with {@code agent}'s credential; the hello must match it. */
    public void handle(ServerWebSocket ws, Principal agent) {
        new Session(ws, agent).start();
    }

    private final class Session {
        private final ServerWebSocket ws;
        private final Principal agent;
        private String cluster;
        private String router;
        private long sentRevision = -1;
        private long lastHeard = System.nanoTime();
        private Future<Void> tail = Future.succeededFuture();
        // Status writes of one session go to the database in the order the agent reported them (a pool would
        // otherwise let an ack overtake the hello that created the row).
        private Future<Void> statusTail = Future.succeededFuture();
        private long timer = -1;
        private boolean closed;
        private final String streamId = java.util.UUID.randomUUID().toString();

        Session(ServerWebSocket ws, Principal agent) {
            this.ws = ws;
            this.agent = agent;
        }

        void start() {
            ws.textMessageHandler(this::received);
            // A message over the size limit, a broken frame, a reset: the stream is lost, and an operator must hear why.
            ws.exceptionHandler(e -> LOG.warn("stream of agent {}/{} failed: {}", cluster, router, e.toString()));
            ws.closeHandler(v -> closed());
            // The agent speaks first; one that says nothing is not an agent.
            timer = vertx.setPeriodic(heartbeatMillis, id -> beat());
        }

        private void beat() {
            if (System.nanoTime() - lastHeard > 3 * heartbeatMillis * 1_000_000L) {
                LOG.info("agent {}/{} silent for {} ms; closing its stream", cluster, router, 3 * heartbeatMillis);
                // A dead link would also swallow the close handshake: the router is gone now, not after its timeout.
                closed();
                ws.close((short) 4408, "no heartbeat");
                return;
            }
            if (cluster != null) send(new StreamMessage.Heartbeat(projections.get(cluster).revision()));
            // A revoked or expired credential loses its stream within a heartbeat, on whichever process holds it.
            if (agent != null) {
                tokens.stillValid(agent.tokenId()).onSuccess(valid -> {
                    if (!valid && !closed) refuse("the credential of this agent was revoked or has expired");
                });
            }
        }

        private void received(String text) {
            lastHeard = System.nanoTime();
            StreamMessage m;
            try {
                m = READER.readValue(text);
            } catch (Exception e) {
                refuse("unreadable message: " + e.getClass().getSimpleName());
                return;
            }
            if (cluster == null) {
                if (m instanceof StreamMessage.Hello h) hello(h);
                else refuse("the first message must be hello");
                return;
            }
            if (m instanceof StreamMessage.Ack a) {
                metrics.agentAck(cluster, router, a.revision(), a.applyMillis());
                String sync = connectionSyncJson(a.connectionSync());
                record((c, r) -> status.applied(c, r, a.revision(), a.applyMillis(), sync));
            } else if (m instanceof StreamMessage.Nack n) {
                metrics.agentNack(cluster, router, n.appliedRevision());
                LOG.warn("router {}/{} could not apply revision {}: {}", cluster, router, n.revision(), n.error());
                record((c, r) -> status.failed(c, r, n.revision(), n.appliedRevision(), n.error()));
            } else if (m instanceof StreamMessage.Drift d) {
                recordDrift(d);
            } else if (m instanceof StreamMessage.Stats s) {
                // The stream's "type" tag is the transport's, not part of the router's stats as the API shows them.
                com.fasterxml.jackson.databind.node.ObjectNode stats = Json.mapper().valueToTree(s);
                stats.remove("type");
                // Connection sync is a status of its own on the router, not a counter.
                stats.remove("connectionSync");
                String json = stats.toString();
                String sync = connectionSyncJson(s.connectionSync());
                record((c, r) -> status.stats(c, r, json, sync));
            } else if (m instanceof StreamMessage.HealthChanged hc) {
                recordHealth(hc);
            } else if (m instanceof StreamMessage.RoleChanged rc) {
                recordRole(rc);
            } else if (m instanceof StreamMessage.Heartbeat) {
                // lastHeard is all it is for
            } else {
                refuse("unexpected " + m.getClass().getSimpleName() + " from an agent");
            }
        }

        private void hello(StreamMessage.Hello h) {
            if (!Names.isValid(h.cluster()) || !Names.isValid(h.router())) {
                refuse("hello must name a cluster and a router");
                return;
            }
            if (agent == null || agent.role() != Role.agent || !agent.mayAccess(h.cluster()) || !h.router().equals(agent.router())) {
                refuse("this credential is not router " + h.router() + "'s of cluster " + h.cluster()
                        + (agent == null || agent.router() == null ? "" : "; it belongs to router " + agent.router() + " of cluster " + agent.clusters().get(0)));
                return;
            }
            ClusterState c = projections.get(h.cluster());
            if (!c.exists()) {
                refuse("cluster " + h.cluster() + " does not exist");
                return;
            }
            if (!c.routers().containsKey(h.router())) {
                refuse("router " + h.router() + " is not enrolled in cluster " + h.cluster()
                        + "; enrol it first with POST /v1/clusters/" + h.cluster() + "/routers");
                return;
            }
            // One stream per router: a newer connection (the agent restarted, or its old link is half-dead) wins.
            for (Session old : List.copyOf(sessions.getOrDefault(h.cluster(), Set.of()))) {
                if (old.router.equals(h.router())) {
                    LOG.info("router {}/{} connected again; closing its older stream", h.cluster(), h.router());
                    old.forget();
                    old.ws.close((short) 4409, "replaced by a newer connection of the same router");
                }
            }
            cluster = h.cluster();
            router = h.router();
            sessions.computeIfAbsent(cluster, k -> new HashSet<>()).add(this);
            LOG.info("router {}/{} connected at revision {} (driver {})", cluster, router, h.revision(), h.driver());
            metrics.agentConnected(cluster, router, h.revision(), h.instance());
            record((cl, r) -> status.connected(cl, r, h.driver(), h.instance(), streamId));
            enqueue(() -> {
                ClusterState head = projections.get(cluster);
                if (h.revision() <= head.revision()) return catchUp(h.revision(), head);
                // An agent ahead of this process: it came from a replica that saw newer appends before NOTIFY or the
                // sweep brought them here. Read them now rather than take it back to an older snapshot; only what
                // is still ahead of the database (a restored or replaced one) gets the snapshot of what is.
                return projections.catchUp(cluster).compose(caughtUp -> catchUp(h.revision(), caughtUp));
            });
        }

        /** Brings an agent holding {@code held} to {@code head}: deltas if few, a snapshot otherwise. */
        private Future<Void> catchUp(long held, ClusterState head) {
            if (held == head.revision()) {
                sentRevision = held;
                return send(new StreamMessage.Heartbeat(held));
            }
            if (held <= 0 || held > head.revision() || head.revision() - held > MAX_DELTA_EVENTS) {
                sentRevision = head.revision();
                metrics.streamed("snapshot");
                return snapshots.get(head).compose(json -> closed ? Future.succeededFuture() : ws.writeTextMessage(json));
            }
            return store.readStream(ClusterProjections.streamId(cluster), held, head.revision()).compose(events -> {
                sentRevision = head.revision();
                return send(delta(held, head.revision(), events));
            });
        }

        void changed(ClusterState before, ClusterState after, List<RecordedEvent> events) {
            enqueue(() -> {
                if (sentRevision >= after.revision()) return Future.succeededFuture();
                if (sentRevision == before.revision()) {
                    sentRevision = after.revision();
                    return send(delta(before.revision(), after.revision(), events));
                }
                return catchUp(sentRevision, after);
            });
        }

        private void recordDrift(StreamMessage.Drift d) {
            observe("DriftCorrected", Json.mapper().createObjectNode().put("router", router).put("revision", d.revision())
                    .set("corrections", Json.mapper().valueToTree(d.corrections())).toString());
            metrics.driftCorrected(cluster, router);
        }

        private void record(java.util.function.BiFunction<String, String, Future<Void>> write) {
            String c = cluster;
            String r = router;
            statusTail = statusTail.transform(ignored -> write.apply(c, r))
                    .onFailure(f -> LOG.warn("recording the status of router {}/{} failed", c, r, f));
        }

        private void recordHealth(StreamMessage.HealthChanged h) {
            if (!Names.isValid(h.virtualServer()) || !Names.isValid(h.realServer())) {
                refuse("health report names no valid virtual and real server");
                return;
            }
            String reason = h.reason() == null ? null : h.reason().length() > 512 ? h.reason().substring(0, 512) : h.reason();
            record((c, r) -> status.health(c, r, h.virtualServer(), h.realServer(), h.healthy(), reason));
            observe("RealServerHealthChanged", Json.mapper().createObjectNode().put("router", router)
                    .put("virtualServer", h.virtualServer()).put("realServer", h.realServer())
                    .put("healthy", h.healthy()).put("reason", reason).toString());
            metrics.healthReported(cluster, h.virtualServer(), h.realServer(), router, h.healthy());
        }

        private void recordRole(StreamMessage.RoleChanged rc) {
            if (!"active".equals(rc.role()) && !"backup".equals(rc.role())) {
                refuse("role must be active or backup");
                return;
            }
            String reason = rc.reason() == null ? null : rc.reason().length() > 512 ? rc.reason().substring(0, 512) : rc.reason();
            record((c, r) -> status.role(c, r, rc.role()));
            observe("RouterRoleChanged", Json.mapper().createObjectNode().put("router", router).put("role", rc.role())
                    .put("reason", reason).toString());
            metrics.roleReported(cluster, router, "active".equals(rc.role()));
        }

        /** An observation of this router goes into its cluster's audit log, in its own stream. */
        private void observe(String type, String data) {
            store.appendAny(observationStream(cluster), List.of(new NewEvent(type, data)),
                            new EventMetadata("router:" + router, null, ws.remoteAddress() == null ? null : ws.remoteAddress().hostAddress(), null))
                    .onFailure(f -> LOG.warn("recording {} of {}/{} failed", type, cluster, router, f));
        }

        private StreamMessage.Delta delta(long from, long to, List<RecordedEvent> events) {
            List<StreamMessage.Event> out = events.stream().map(e -> {
                try {
                    return new StreamMessage.Event(e.streamVersion(), e.type(), Json.mapper().readTree(e.data()));
                } catch (Exception x) {
                    throw new IllegalStateException("stored event " + e.position() + " is not JSON", x);
                }
            }).toList();
            return new StreamMessage.Delta(from, to, out);
        }

        private void enqueue(java.util.function.Supplier<Future<Void>> step) {
            tail = tail.transform(ignored -> closed ? Future.<Void>succeededFuture() : step.get())
                    .onFailure(f -> {
                        LOG.warn("stream to {}/{} failed; closing it so the agent reconnects", cluster, router, f);
                        ws.close((short) 1011, "control plane error");
                    });
        }

        private Future<Void> send(StreamMessage m) {
            if (closed) return Future.succeededFuture();
            metrics.streamed(m.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
            try {
                return ws.writeTextMessage(Json.mapper().writeValueAsString(m));
            } catch (Exception e) {
                return Future.failedFuture(e);
            }
        }

        private void refuse(String reason) {
            LOG.info("agent stream refused: {}", reason);
            send(new StreamMessage.Refused(reason)).onComplete(ar -> ws.close((short) 4403, reason.length() > 120 ? reason.substring(0, 120) : reason));
        }

        /** Leaves the registry without marking the router disconnected: a newer stream of it is taking over. */
        private void forget() {
            Set<Session> set = sessions.get(cluster);
            if (set != null) set.remove(this);
            cluster = null;
        }

        private void closed() {
            if (closed) return;
            closed = true;
            if (timer >= 0) vertx.cancelTimer(timer);
            if (cluster != null) {
                Set<Session> set = sessions.get(cluster);
                if (set != null) {
                    set.remove(this);
                    if (set.isEmpty()) {
                        sessions.remove(cluster);
                        snapshots.forget(cluster);
                    }
                }
                LOG.info("router {}/{} disconnected", cluster, router);
                metrics.agentDisconnected(cluster, router);
                record((c, r) -> status.disconnected(c, r, streamId));
            }
        }
    }
}
