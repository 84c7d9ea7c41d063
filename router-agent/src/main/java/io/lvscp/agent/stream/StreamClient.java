package io.lvscp.agent.stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.api.json.Json;
import io.lvscp.api.stream.StreamMessage;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of the stream. Keeps one WebSocket to the control plane up: says hello with the revision it
 * holds, hands every message from the control plane to the agent, sends heartbeats, and reconnects with
 * exponential backoff and jitter after any loss — a silent link (three missed heartbeats) counts as lost.
 * With several control-plane URLs (replicas on one database) each loss or failed connect moves to the next one,
 * round-robin: the replica that failed is the least likely to answer next, and any replica can serve any agent
 * since the hello says which revision the agent holds. Runs on its Vert.x event loop.
 */
public final class StreamClient {
    private static final Logger LOG = LoggerFactory.getLogger(StreamClient.class);
    private static final ObjectReader READER = Json.mapper().readerFor(StreamMessage.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Vertx vertx;
    private final List<URI> controlPlanes;
    // One client per URL: TLS options, the host name check among them, belong to a client, not to a connection.
    private final List<WebSocketClient> clients;
    private volatile int current;
    private final String credential;
    private final StreamMessage.Hello helloTemplate;
    private final LongSupplier heldRevision;
    private final Consumer<StreamMessage> onMessage;
    private final Consumer<Boolean> onConnected;
    private final long heartbeatMillis;
    // Retries back off up to ten heartbeats (30 s at most): an agent told to watch its link closely also retries sooner.
    private final long maxBackoffMillis;
    private static final int INLINE_READ_CHARS = 256 * 1024;
    private volatile WebSocket socket;
    private io.vertx.core.Future<Void> inbox = io.vertx.core.Future.succeededFuture();
    private int failures;
    private long lastHeard;
    private long heartbeatTimer = -1;
    private boolean stopped;

    public StreamClient(Vertx vertx, URI controlPlane, String credential, StreamMessage.Hello hello, LongSupplier heldRevision,
                        Consumer<StreamMessage> onMessage, Consumer<Boolean> onConnected, long heartbeatMillis) {
        this(vertx, List.of(controlPlane), credential, hello, heldRevision, onMessage, onConnected, heartbeatMillis, null);
    }

    /**
     * With {@code tls} for https:// control planes: each one's certificate must chain to {@code tls.caFile} (the JVM's
     * trust store without one) and name that URL's host; {@code certFile}/{@code keyFile} are presented when asked.
     * The first URL is tried first.
     */
    public StreamClient(Vertx vertx, List<URI> controlPlanes, String credential, StreamMessage.Hello hello, LongSupplier heldRevision,
                        Consumer<StreamMessage> onMessage, Consumer<Boolean> onConnected, long heartbeatMillis, AgentConfig.Tls tls) {
        if (controlPlanes.isEmpty()) throw new IllegalArgumentException("no control-plane URL");
        this.vertx = vertx;
        this.credential = credential;
        this.controlPlanes = List.copyOf(controlPlanes);
        this.helloTemplate = hello;
        this.heldRevision = heldRevision;
        this.onMessage = onMessage;
        this.onConnected = onConnected;
        this.heartbeatMillis = heartbeatMillis;
        this.maxBackoffMillis = Math.max(1000, Math.min(30_000, 10 * heartbeatMillis));
        WebSocketClientOptions options = new WebSocketClientOptions().setConnectTimeout((int) Math.max(1000, heartbeatMillis * 2))
                .setClosingTimeout((int) Math.max(1, heartbeatMillis / 1000))
                // A snapshot carries the whole cluster: tens of megabytes for a big one, compressed on the wire.
                .setMaxMessageSize(StreamMessage.MAX_TO_AGENT_BYTES)
                .setTryUsePerMessageCompression(true);
        List<WebSocketClient> made = new ArrayList<>();
        for (URI u : this.controlPlanes) made.add(vertx.createWebSocketClient(withTls(u, tls, new WebSocketClientOptions(options))));
        this.clients = List.copyOf(made);
    }

    private static WebSocketClientOptions withTls(URI controlPlane, AgentConfig.Tls tls, WebSocketClientOptions o) {
        if (!"https".equals(controlPlane.getScheme())) return o;
        // Host name verification (HTTPS rules: a subject alternative name matching the URL's host) is Vert.x's
        // default for WebSocket clients; said here so that it stays on.
        o.setVerifyHost(true).setTrustAll(false);
        if (tls == null) return o;
        if (tls.caFile() != null) o.setTrustOptions(new PemTrustOptions().addCertPath(tls.caFile()));
        if (tls.clientCertificate()) o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certFile()).setKeyPath(tls.keyFile()));
        return o;
    }

    public void start() {
        connect();
    }

    public boolean connected() {
        return socket != null;
    }

    /** The control plane the stream is up with, or null while it is down. */
    public URI connectedTo() {
        return socket == null ? null : controlPlanes.get(current);
    }

    /** Sends a message if the stream is up; reports are best effort, the next ack or hello supersedes them. */
    public void send(StreamMessage m) {
        WebSocket ws = socket;
        if (ws == null) return;
        try {
            ws.writeTextMessage(Json.mapper().writeValueAsString(m));
        } catch (Exception e) {
            LOG.warn("cannot send {}", m.getClass().getSimpleName(), e);
        }
    }

    /** Drops the link and connects again, saying hello with the revision held now. */
    public void reconnect() {
        WebSocket ws = socket;
        if (ws != null) ws.close();
    }

    public void stop() {
        stopped = true;
        if (heartbeatTimer >= 0) vertx.cancelTimer(heartbeatTimer);
        if (socket != null) socket.close();
        clients.forEach(WebSocketClient::close);
    }

    private void connect() {
        if (stopped) return;
        URI controlPlane = controlPlanes.get(current);
        WebSocketClient client = clients.get(current);
        boolean tls = "https".equals(controlPlane.getScheme());
        int port = controlPlane.getPort() > 0 ? controlPlane.getPort() : (tls ? 443 : 80);
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(controlPlane.getHost()).setPort(port).setSsl(tls)
                .setURI("/v1/agents/stream")
                // An upgrade that gets no answer (a link that swallows packets) must fail, not hang.
                .setTimeout(3 * heartbeatMillis);
        if (credential != null) o.addHeader("Authorization", "Bearer " + credential);
        client.connect(o).onSuccess(ws -> opened(ws, controlPlane)).onFailure(f -> {
            if (f instanceof io.vertx.core.http.UpgradeRejectedException r && (r.getStatus() == 401 || r.getStatus() == 403)) {
                // An operator has to act (a new credential, or the right one); retrying gently meanwhile.
                LOG.error("control plane {} refused this agent's credential ({}): {}", controlPlane, r.getStatus(),
                        r.getBody() == null ? "" : r.getBody().toString());
                failures = Math.max(failures, 6);
            } else if (tlsFailure(f) != null) {
                // Not a passing outage: a certificate, a CA or a name is wrong, and an operator has to act.
                LOG.warn("TLS with control plane {} failed: {}; check tls.caFile, and that the control plane's certificate names {}; retrying",
                        controlPlane, causes(tlsFailure(f)), controlPlane.getHost());
            } else if (tls && f instanceof WebSocketHandshakeException && String.valueOf(f.getMessage()).contains("closed")) {
                // With TLS 1.3 a server checks the client's certificate after the client has finished its handshake:
                // a refusal arrives as an alert (logged by Vert.x) and a closed connection, not as a failed handshake.
                LOG.warn("control plane {} closed the connection before the WebSocket upgrade ({}); a control plane that requires "
                        + "client certificates does this to an agent without one it accepts: check tls.certFile and tls.keyFile; retrying",
                        controlPlane, f.getMessage());
            } else {
                LOG.info("control plane {} unreachable ({}); retrying", controlPlane, f.getMessage());
            }
            next();
            retry();
        });
    }

    /** A failed connect or a lost stream: the next attempt goes to the next URL (the same one when there is one). */
    private void next() {
        current = (current + 1) % controlPlanes.size();
    }

    /** The messages of a failure and its causes, each once: Vert.x's own says only "Failed to create SSL connection". */
    private static String causes(Throwable f) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = f; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m == null || out.indexOf(m) >= 0) continue;
            if (out.length() > 0) out.append(": ");
            out.append(m);
        }
        return out.toString();
    }

    /** A handshake that failed on a certificate or a name; one that timed out is an unreachable control plane. */
    private static SSLException tlsFailure(Throwable f) {
        for (Throwable t = f; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) return null;
            if (t instanceof SSLException e) return e;
        }
        return null;
    }

    private void opened(WebSocket ws, URI controlPlane) {
        lastHeard = System.nanoTime();
        ws.textMessageHandler(text -> received(ws, text));
        ws.closeHandler(v -> closed(ws));
        // A message over the size limit or a broken frame loses the stream: say so where an operator looks.
        ws.exceptionHandler(e -> LOG.warn("stream to {} failed: {}", controlPlane, e.toString()));
        StreamMessage.Hello h = new StreamMessage.Hello(helloTemplate.cluster(), helloTemplate.router(), heldRevision.getAsLong(),
                helloTemplate.driver(), helloTemplate.agentVersion(), helloTemplate.instance());
        // The hello goes out before the socket is published: a report sent from another thread meanwhile would
        // otherwise reach the control plane first and get the agent refused.
        try {
            ws.writeTextMessage(Json.mapper().writeValueAsString(h));
        } catch (Exception e) {
            LOG.warn("cannot send hello", e);
        }
        socket = ws;
        heartbeatTimer = vertx.setPeriodic(heartbeatMillis, id -> {
            if (System.nanoTime() - lastHeard > 3 * heartbeatMillis * 1_000_000L) {
                LOG.warn("control plane silent for {} ms; reconnecting", 3 * heartbeatMillis);
                // A dead link would also swallow the close handshake: give up on it now, not after its timeout.
                closed(ws);
                ws.close();
                return;
            }
            send(new StreamMessage.Heartbeat(heldRevision.getAsLong()));
        });
        LOG.info("connected to {} at revision {}", controlPlane, h.revision());
        onConnected.accept(true);
    }

    private void received(WebSocket ws, String text) {
        lastHeard = System.nanoTime();
        // Messages are handed on in the order they came, even when a big one is read on a worker thread.
        inbox = inbox.transform(ignored -> read(text)).andThen(ar -> {
            if (socket != ws) return; // the stream it came on is gone; the next hello starts afresh
            if (ar.succeeded()) {
                deliver(ar.result());
            } else {
                LOG.warn("unreadable message from the control plane; reconnecting", ar.cause());
                reconnect();
            }
        }).mapEmpty();
    }

    /** Small messages are read at once; a snapshot of a big cluster takes longer than the event loop may be held. */
    private io.vertx.core.Future<StreamMessage> read(String text) {
        if (text.length() < INLINE_READ_CHARS) {
            try {
                return io.vertx.core.Future.succeededFuture(READER.readValue(text));
            } catch (Exception e) {
                return io.vertx.core.Future.failedFuture(e);
            }
        }
        return vertx.executeBlocking(() -> READER.<StreamMessage>readValue(text), false);
    }

    private void deliver(StreamMessage m) {
        if (m instanceof StreamMessage.Refused r) {
            LOG.error("the control plane refused this agent: {}", r.reason());
            failures = Math.max(failures, 6); // an operator has to act; don't hammer it meanwhile
            return;
        }
        failures = 0;
        onMessage.accept(m);
    }

    private void closed(WebSocket ws) {
        if (socket != ws) return;
        socket = null;
        if (heartbeatTimer >= 0) vertx.cancelTimer(heartbeatTimer);
        heartbeatTimer = -1;
        onConnected.accept(false);
        next();
        retry();
    }

    private void retry() {
        if (stopped) return;
        long base = Math.min(maxBackoffMillis, 250L << Math.min(failures, 7));
        failures++;
        long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        vertx.setTimer(Math.max(50, delay), id -> connect());
    }
}
