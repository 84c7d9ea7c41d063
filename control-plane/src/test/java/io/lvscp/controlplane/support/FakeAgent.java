package io.lvscp.controlplane.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A router's agent as the control plane sees it: a real WebSocket client on {@code /v1/agents/stream} with the router's
 * agent credential, which says hello with a driver, keeps the link alive with heartbeats and sends what a test tells
 * it to (acks, stats). It programs nothing; for the control plane's own tests of what agents report.
 */
public final class FakeAgent implements AutoCloseable {
    private final WebSocket ws;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-agent-heartbeat");
        t.setDaemon(true);
        return t;
    });

    private FakeAgent(WebSocket ws) {
        this.ws = ws;
    }

    /** Connects as {@code router} of {@code cluster} (enrolled already) and says hello with {@code driver}, holding nothing. */
    public static FakeAgent hello(RunningControlPlane cp, String cluster, String router, String driver) {
        return hello(cp, cluster, router, driver, UUID.randomUUID().toString());
    }

    public static FakeAgent hello(RunningControlPlane cp, String cluster, String router, String driver, String instance) {
        FakeAgent agent = connect(cp, cluster, router, driver, instance, 0);
        // The snapshot answers the hello: the control plane has taken it (and is recording the router's status).
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> agent.received.stream().anyMatch(m -> "snapshot".equals(m.path("type").asText())));
        return agent;
    }

    /** Says hello holding {@code revision}, as an agent that comes from another control-plane process; does not wait. */
    public static FakeAgent holding(RunningControlPlane cp, String cluster, String router, long revision) {
        return connect(cp, cluster, router, "recording", UUID.randomUUID().toString(), revision);
    }

    /** Every message the control plane sent, in order. */
    public List<JsonNode> received() {
        return List.copyOf(received);
    }

    private static FakeAgent connect(RunningControlPlane cp, String cluster, String router, String driver, String instance, long revision) {
        String token = cp.agentToken(cluster, router);
        StringBuilder partial = new StringBuilder();
        FakeAgent[] self = new FakeAgent[1];
        List<JsonNode> early = new CopyOnWriteArrayList<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        JsonNode m = Json.mapper().readTree(partial.toString());
                        (self[0] == null ? early : self[0].received).add(m);
                    } catch (Exception e) {
                        throw new IllegalStateException("the control plane sent something that is not JSON", e);
                    }
                    partial.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        };
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(cp.baseUrl().replaceFirst("^http", "ws") + "/v1/agents/stream"), listener).join();
        FakeAgent agent = new FakeAgent(ws);
        self[0] = agent;
        agent.received.addAll(early);
        agent.send("{\"type\":\"hello\",\"cluster\":\"" + cluster + "\",\"router\":\"" + router + "\",\"revision\":" + revision + ",\"driver\":\""
                + driver + "\",\"agentVersion\":\"test\",\"instance\":\"" + instance + "\"}");
        agent.beats.scheduleAtFixedRate(() -> agent.send("{\"type\":\"heartbeat\",\"revision\":" + revision + "}"), 300, 300, TimeUnit.MILLISECONDS);
        return agent;
    }

    /** The revision of the last snapshot the control plane sent. */
    public long snapshotRevision() {
        return snapshot().path("revision").asLong();
    }

    /** How many messages of {@code type} (heartbeat, delta, ...) the control plane has sent so far. */
    public long received(String type) {
        return received.stream().filter(m -> type.equals(m.path("type").asText())).count();
    }

    /** The revision of the last delta received (0 if none). */
    public long deltaRevision() {
        return received.stream().filter(m -> "delta".equals(m.path("type").asText())).reduce((a, b) -> b)
                .map(m -> m.path("revision").asLong()).orElse(0L);
    }

    /** Whether the control plane has not closed the stream. */
    public boolean open() {
        return !ws.isInputClosed();
    }

    /** The last snapshot the control plane sent: the cluster's state exactly as a real agent receives it. */
    public JsonNode snapshot() {
        return received.stream().filter(m -> "snapshot".equals(m.path("type").asText())).reduce((a, b) -> b).orElseThrow();
    }

    public synchronized void send(String json) {
        ws.sendText(json, true).join();
    }

    @Override
    public void close() {
        beats.shutdownNow();
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "test over").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            ws.abort();
        }
    }
}
