package io.lvscp.agent.stream;

import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestCertificates;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The whole path over TLS: a real control plane serving HTTPS from PEM files, REST calls that trust its CA, and a
 * real agent (recording driver) streaming over wss:// that checks the control plane's certificate against a
 * configured CA and, where the control plane requires it, presents a client certificate. And what must fail: an
 * agent that trusts another CA or reaches the control plane by a name its certificate lacks, plain HTTP on the
 * TLS port, and clients without an accepted certificate when one is required. Certificates are made with openssl.
 */
class TlsStreamTest {
    static Path dir;
    static TestCertificates ca;
    static TestCertificates otherCa;
    static TestCertificates.Issued server;

    RunningControlPlane cp;
    Path stateDir;
    final ListAppender<ILoggingEvent> streamLog = new ListAppender<>();

    @BeforeAll
    static void certificates() throws Exception {
        dir = Files.createTempDirectory("lvscp-tls");
        ca = TestCertificates.newCa(dir, "lvscp-ca");
        otherCa = TestCertificates.newCa(dir, "other-ca");
        // The address alone: an agent that says "localhost" must be turned away by the name check.
        server = ca.server("control-plane", "IP:127.0.0.1");
    }

    @AfterAll
    static void removeCertificates() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @BeforeEach
    void captureStreamLog() throws IOException {
        stateDir = Files.createTempDirectory("lvscp-tls-agent");
        streamLog.start();
        ((Logger) LoggerFactory.getLogger(StreamClient.class)).addAppender(streamLog);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(StreamClient.class)).detachAppender(streamLog);
        if (cp != null) cp.close();
    }

    private RunningControlPlane startControlPlane(Path clientCa) {
        return RunningControlPlane.onNewDatabase(new ControlPlaneConfig(null, null, null, null, new ControlPlaneConfig.Tls(
                server.cert().toString(), server.key().toString(), clientCa == null ? null : clientCa.toString())));
    }

    /** REST Assured as the test admin, trusting the test CA (and nothing else), checked against openapi.yaml as everywhere. */
    private RequestSpecification api() throws Exception {
        return Api.given(cp).trustStore(ca.trustStore());
    }

    private RequestSpecification api(TestCertificates.Issued clientCert) throws Exception {
        return api().keyStore(clientCert.pkcs12().toFile(), TestCertificates.PKCS12_PASSWORD);
    }

    interface Spec {
        RequestSpecification get() throws Exception;
    }

    private static void createCluster(Spec api) throws Exception {
        api.get().body("{\"name\":\"web\",\"routingMethod\":\"direct\"}").post("/v1/clusters").then().statusCode(201);
        api.get().body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\"}").post("/v1/clusters/web/routers").then().statusCode(201);
        api.get().body("{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.8\"}").post("/v1/clusters/web/routers").then().statusCode(201);
        api.get().body("{\"name\":\"http\",\"address\":\"192.168.26.10\",\"netmask\":\"255.255.255.0\",\"device\":\"eth0:1\",\"port\":80}")
                .post("/v1/clusters/web/virtual-servers").then().statusCode(201);
    }

    /** The router's agent credential, made over HTTPS ({@link RunningControlPlane#agentToken} speaks plain REST Assured). */
    private static String agentToken(Spec api, String router) throws Exception {
        return api.get().body("{\"name\":\"agent-" + router + "-" + java.util.UUID.randomUUID().toString().substring(0, 8)
                        + "\",\"role\":\"agent\",\"clusters\":[\"web\"],\"router\":\"" + router + "\"}")
                .post("/v1/tokens").then().statusCode(201).extract().path("token");
    }

    private AgentConfig agent(String router, String token, String controlPlane, Path caFile, TestCertificates.Issued clientCert) {
        return new AgentConfig(controlPlane, "web", router, "recording", stateDir.resolve(router).toString(), Map.of(), null, -1,
                "127.0.0.1", 0.5, 0.5, null, token, null, null, new AgentConfig.Tls(caFile == null ? null : caFile.toString(),
                clientCert == null ? null : clientCert.cert().toString(), clientCert == null ? null : clientCert.key().toString()))
                .withDefaults();
    }

    /** What the agents' stream logged at WARN; the appender adds under its own lock (AppenderBase.doAppend). */
    private List<String> streamWarnings() {
        synchronized (streamLog) {
            return streamLog.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private void forgetStreamLog() {
        synchronized (streamLog) {
            streamLog.list.clear();
        }
    }

    /** Waits for the agent to log (at WARN) a failed connection saying {@code why}, then checks it got nothing. */
    private void awaitRefused(AgentRuntime agent, String why) {
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> streamWarnings().stream().anyMatch(m -> m.contains(why)));
        assertEquals(0, agent.agent().desiredRevision(), "the agent received nothing");
    }

    private static HttpClient javaClient(SSLContext ssl) {
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void restAndTheAgentStreamRunOverTls() throws Exception {
        cp = startControlPlane(null);
        assertTrue(cp.baseUrl().startsWith("https://"));
        createCluster(this::api);
        String token = agentToken(this::api, "lvs1");

        try (AgentRuntime agent = AgentRuntime.start(agent("lvs1", token, cp.baseUrl(), ca.caCert(), null), ProcessRunner.local(), new RecordingDriver())) {
            long revision = api().get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getLong("revision");
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> agent.agent().appliedRevision() == revision);
            // A change after connecting reaches it too, and its acks come back over the same wss:// stream.
            api().body("{\"name\":\"rs1\",\"address\":\"10.0.0.1\"}").post("/v1/clusters/web/virtual-servers/http/real-servers")
                    .then().statusCode(201);
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> api().get("/v1/clusters/web/routers/lvs1").then()
                    .body("status.appliedRevision", equalTo((int) revision + 1), "status.connected", equalTo(true)));
            assertEquals(1, agent.agent().desired().virtualServers().get("http").realServers().size());
        }
        assertTrue(streamWarnings().isEmpty(), streamWarnings().toString());

        // Plain HTTP on the TLS port gets no answer; HTTPS from a client that does not trust the CA fails its handshake.
        String plain = cp.baseUrl().replace("https://", "http://") + "/healthz";
        assertThrows(IOException.class, () -> javaClient(SSLContext.getDefault()).send(get(plain), HttpResponse.BodyHandlers.ofString()));
        IOException untrusted = assertThrows(IOException.class,
                () -> javaClient(SSLContext.getDefault()).send(get(cp.baseUrl() + "/healthz"), HttpResponse.BodyHandlers.ofString()));
        assertInstanceOf(SSLException.class, untrusted, untrusted.toString());
        // The same request with the CA trusted is answered.
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ca.trustStore());
        SSLContext trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
        assertEquals(200, javaClient(trusting).send(get(cp.baseUrl() + "/healthz"), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void anAgentConnectsOnlyToACertificateItCanVerify() throws Exception {
        cp = startControlPlane(null);
        createCluster(this::api);
        String token = agentToken(this::api, "lvs1");

        // Another CA: the control plane's certificate is not trusted.
        try (AgentRuntime agent = AgentRuntime.start(agent("lvs1", token, cp.baseUrl(), otherCa.caCert(), null), ProcessRunner.local(), new RecordingDriver())) {
            awaitRefused(agent, "unable to find valid certification path");
        }
        forgetStreamLog();
        // No CA at all: the JVM's default trust store does not know a private CA either.
        try (AgentRuntime agent = AgentRuntime.start(agent("lvs1", token, cp.baseUrl(), null, null), ProcessRunner.local(), new RecordingDriver())) {
            awaitRefused(agent, "unable to find valid certification path");
        }
        forgetStreamLog();
        // The right CA but a name the certificate does not carry (it names 127.0.0.1 only).
        String byName = cp.baseUrl().replace("127.0.0.1", "localhost");
        try (AgentRuntime agent = AgentRuntime.start(agent("lvs1", token, byName, ca.caCert(), null), ProcessRunner.local(), new RecordingDriver())) {
            awaitRefused(agent, "No name matching localhost found");
        }
        api().get("/v1/clusters/web/routers/lvs1").then().statusCode(200)
                .body("status.connected", equalTo(false), "status.appliedRevision", equalTo(0));
    }

    @Test
    void eachUrlOfAListIsCheckedByItsOwnName() throws Exception {
        cp = startControlPlane(null);
        createCluster(this::api);
        String token = agentToken(this::api, "lvs1");
        // The same control plane twice: first by a name its certificate lacks, then by the address it names.
        String byName = cp.baseUrl().replace("127.0.0.1", "localhost");
        Path yaml = Files.writeString(stateDir.resolve("agent.yaml"), """
                controlPlane: [%s, %s]
                cluster: web
                router: lvs1
                driver: recording
                stateDir: %s
                metricsPort: -1
                heartbeatSeconds: 0.5
                tls: {caFile: %s}
                """.formatted(byName, cp.baseUrl(), stateDir.resolve("lvs1"), ca.caCert()));
        AgentConfig config = AgentConfig.load(yaml, Map.of()).withToken(token);
        assertEquals(List.of(), config.problems());
        try (AgentRuntime agent = AgentRuntime.start(config, ProcessRunner.local(), new RecordingDriver())) {
            long revision = api().get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getLong("revision");
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> agent.agent().appliedRevision() == revision);
            assertEquals(URI.create(cp.baseUrl()), agent.agent().controlPlane());
            assertTrue(streamWarnings().stream().anyMatch(m -> m.contains("No name matching localhost found")), streamWarnings().toString());
        }
    }

    @Test
    void aControlPlaneThatRequiresClientCertificatesRefusesAgentsAndClientsWithout() throws Exception {
        cp = startControlPlane(ca.caCert());
        TestCertificates.Issued operator = ca.client("operator");
        TestCertificates.Issued lvs1 = ca.client("lvs1");
        TestCertificates.Issued lvs2 = ca.client("lvs2");
        TestCertificates.Issued stranger = otherCa.client("lvs2");
        createCluster(() -> api(operator));
        String token1 = agentToken(() -> api(operator), "lvs1");
        String token2 = agentToken(() -> api(operator), "lvs2");

        // A REST client without a certificate is refused in the handshake, whatever the route.
        assertThrows(Exception.class, () -> api().get("/healthz"));

        // Agents without a certificate, or with one from a CA the control plane does not accept, get nothing.
        String refused = "closed the connection before the WebSocket upgrade";
        try (AgentRuntime agent = AgentRuntime.start(agent("lvs2", token2, cp.baseUrl(), ca.caCert(), null), ProcessRunner.local(), new RecordingDriver())) {
            awaitRefused(agent, refused);
        }
        forgetStreamLog();
        try (AgentRuntime agent = AgentRuntime.start(agent("lvs2", token2, cp.baseUrl(), ca.caCert(), stranger), ProcessRunner.local(), new RecordingDriver())) {
            awaitRefused(agent, refused);
        }
        api(operator).get("/v1/clusters/web/routers/lvs2").then().statusCode(200)
                .body("status.connected", equalTo(false), "status.appliedRevision", equalTo(0));

        // With their certificates, both agents receive and apply the state.
        try (AgentRuntime a1 = AgentRuntime.start(agent("lvs1", token1, cp.baseUrl(), ca.caCert(), lvs1), ProcessRunner.local(), new RecordingDriver());
             AgentRuntime a2 = AgentRuntime.start(agent("lvs2", token2, cp.baseUrl(), ca.caCert(), lvs2), ProcessRunner.local(), new RecordingDriver())) {
            long revision = api(operator).get("/v1/clusters/web").then().statusCode(200).extract().jsonPath().getLong("revision");
            Awaitility.await().atMost(Duration.ofSeconds(15))
                    .until(() -> a1.agent().appliedRevision() == revision && a2.agent().appliedRevision() == revision);
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> api(operator).get("/v1/clusters/web").then()
                    .body("routers.status.connected", contains(true, true)));
        }
    }
}
