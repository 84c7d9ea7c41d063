package io.lvscp.agent.health;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.lvscp.api.model.HealthCheckKind;
import io.lvscp.api.model.Protocol;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each network check against real servers on loopback: what passes, what fails, and the words it fails with. */
class NetworkChecksTest {
    static HttpServer http;
    static HttpsServer https;
    static ServerSocket echo;
    static ServerSocket silent;
    static DatagramSocket udp;
    static final List<Socket> held = new ArrayList<>();
    static final CountDownLatch stop = new CountDownLatch(1);

    @BeforeAll
    static void servers() throws Exception {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        http.setExecutor(Executors.newCachedThreadPool());
        routes(http);
        http.start();

        https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        https.setHttpsConfigurator(new HttpsConfigurator(selfSigned()));
        https.setExecutor(Executors.newCachedThreadPool());
        routes(https);
        https.start();

        // send/expect over TCP: answers "+OK <the line sent>" and closes
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(() -> {
            while (!echo.isClosed()) {
                try (Socket s = echo.accept()) {
                    String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                    s.getOutputStream().write(("+OK " + line + "\r\n").getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                    // next
                }
            }
        });
        // accepts and never says a word
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(() -> {
            while (!silent.isClosed()) {
                try {
                    held.add(silent.accept());
                } catch (Exception e) {
                    return;
                }
            }
        });
        // send/expect over UDP: answers "pong:<what came>"
        udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        daemon(() -> {
            byte[] buf = new byte[1500];
            while (!udp.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udp.receive(p);
                    byte[] reply = ("pong:" + new String(buf, 0, p.getLength(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                    udp.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (Exception e) {
                    return;
                }
            }
        });
    }

    private static void routes(HttpServer s) {
        s.createContext("/", ex -> answer(ex, 200, "hello world from rs1"));
        s.createContext("/down", ex -> answer(ex, 503, "maintenance"));
        s.createContext("/slow", ex -> {
            try {
                stop.await(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(ex, 200, "late");
        });
    }

    private static void answer(HttpExchange ex, int status, String body) throws java.io.IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
    }

    /** A self-signed certificate made by the JDK's keytool, as a real server's often is. */
    private static SSLContext selfSigned() throws Exception {
        Path dir = Files.createTempDirectory("lvscp-tls");
        Path store = dir.resolve("rs.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "rs", "-keyalg", "EC", "-dname", "CN=rs1.example",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "secret1", "-keypass", "secret1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            ks.load(in, "secret1".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "secret1".toCharArray());
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kmf.getKeyManagers(), null, null);
        return c;
    }

    @AfterAll
    static void close() throws Exception {
        stop.countDown();
        http.stop(0);
        https.stop(0);
        echo.close();
        silent.close();
        udp.close();
        for (Socket s : held) s.close();
    }

    static CheckSpec spec(HealthCheckKind kind, int port, Protocol protocol, String path, String send, String expect, boolean regex) {
        return new CheckSpec(kind, "127.0.0.1", port, protocol, path, 200, send, expect, regex, null, 1000);
    }

    static CheckSpec web(String path, String expect, boolean regex) {
        return spec(HealthCheckKind.http, http.getAddress().getPort(), Protocol.tcp, path, null, expect, regex);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void assertResult(CheckResult.Status status, String reason, CheckResult r) {
        assertEquals(status, r.status(), r.toString());
        assertEquals(reason, r.reason(), r.toString());
    }

    @Test
    void tcpConnects() throws Exception {
        assertResult(CheckResult.Status.UP, "connected", NetworkChecks.run(spec(HealthCheckKind.tcp, echo.getLocalPort(), Protocol.tcp, null, null, null, false)));
        assertResult(CheckResult.Status.DOWN, "connect refused", NetworkChecks.run(spec(HealthCheckKind.tcp, closedPort(), Protocol.tcp, null, null, null, false)));
    }

    @Test
    void httpWantsTheExpectedStatus() {
        assertResult(CheckResult.Status.UP, "got 200", NetworkChecks.run(web("/", null, false)));
        assertResult(CheckResult.Status.DOWN, "expected 200, got 503", NetworkChecks.run(web("/down", null, false)));
        CheckSpec maintenance = new CheckSpec(HealthCheckKind.http, "127.0.0.1", http.getAddress().getPort(), Protocol.tcp, "/down", 503,
                null, null, false, null, 1000);
        assertResult(CheckResult.Status.UP, "got 503", NetworkChecks.run(maintenance));
    }

    @Test
    void httpBodyBySubstringOrRegex() {
        assertEquals(CheckResult.Status.UP, NetworkChecks.run(web("/", "world", false)).status());
        assertEquals(CheckResult.Status.UP, NetworkChecks.run(web("/", "wor.d from rs\\d", true)).status());
        assertResult(CheckResult.Status.DOWN, "got 200 but the body does not contain \"planet\": \"hello world from rs1\"",
                NetworkChecks.run(web("/", "planet", false)));
        assertResult(CheckResult.Status.DOWN, "got 200 but the body does not match /^world/: \"hello world from rs1\"",
                NetworkChecks.run(web("/", "^world", true)));
    }

    @Test
    void aSlowServerTimesOutWithinTheTimeout() {
        long t0 = System.nanoTime();
        CheckResult r = NetworkChecks.run(web("/slow", null, false));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertResult(CheckResult.Status.DOWN, "timeout after 1 s", r);
        assertTrue(ms >= 900 && ms < 1500, "took " + ms + " ms");
    }

    @Test
    void httpsAcceptsASelfSignedCertificate() throws Exception {
        CheckSpec s = new CheckSpec(HealthCheckKind.https, "127.0.0.1", https.getAddress().getPort(), Protocol.tcp, "/", 200, null, "hello", false, null, 3000);
        assertResult(CheckResult.Status.UP, "got 200, body has \"hello\"", NetworkChecks.run(s));
        CheckSpec down = new CheckSpec(HealthCheckKind.https, "127.0.0.1", https.getAddress().getPort(), Protocol.tcp, "/down", 200, null, null, false, null, 3000);
        assertResult(CheckResult.Status.DOWN, "expected 200, got 503", NetworkChecks.run(down));
        // a server that answers in plain text at once, as a plain HTTP server does to a stray byte
        try (ServerSocket plain = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            daemon(() -> {
                try (Socket c = plain.accept()) {
                    c.getOutputStream().write("HTTP/1.0 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (Exception e) {
                    // done
                }
            });
            CheckResult notTls = NetworkChecks.run(new CheckSpec(HealthCheckKind.https, "127.0.0.1", plain.getLocalPort(), Protocol.tcp, "/", 200,
                    null, null, false, null, 2000));
            assertEquals(CheckResult.Status.DOWN, notTls.status());
            assertTrue(notTls.reason().startsWith("TLS failed: "), "https against plain text: " + notTls);
        }
    }

    @Test
    void sendExpectOverTcp() throws Exception {
        int port = echo.getLocalPort();
        assertResult(CheckResult.Status.UP, "reply matched", NetworkChecks.run(spec(HealthCheckKind.expect, port, Protocol.tcp, null, "PING\\r\\n", "+OK PING", false)));
        assertResult(CheckResult.Status.UP, "reply matched", NetworkChecks.run(spec(HealthCheckKind.expect, port, Protocol.tcp, null, "PING\\r\\n", "^\\+OK P[A-Z]+", true)));
        assertResult(CheckResult.Status.DOWN, "reply does not contain \"-ERR\": \"+OK PING\"",
                NetworkChecks.run(spec(HealthCheckKind.expect, port, Protocol.tcp, null, "PING\\r\\n", "-ERR", false)));
        assertResult(CheckResult.Status.DOWN, "timeout after 1 s",
                NetworkChecks.run(spec(HealthCheckKind.expect, silent.getLocalPort(), Protocol.tcp, null, "PING\\r\\n", "+OK", false)));
        assertResult(CheckResult.Status.DOWN, "connect refused",
                NetworkChecks.run(spec(HealthCheckKind.expect, closedPort(), Protocol.tcp, null, "PING\\r\\n", "+OK", false)));
    }

    @Test
    void sendExpectOverUdp() throws Exception {
        int port = udp.getLocalPort();
        assertResult(CheckResult.Status.UP, "reply matched", NetworkChecks.run(spec(HealthCheckKind.expect, port, Protocol.udp, null, "ping", "pong:ping", false)));
        assertResult(CheckResult.Status.DOWN, "reply does not match /^PONG/: \"pong:ping\"",
                NetworkChecks.run(spec(HealthCheckKind.expect, port, Protocol.udp, null, "ping", "^PONG", true)));
        int closed;
        try (DatagramSocket d = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            closed = d.getLocalPort();
        }
        assertResult(CheckResult.Status.DOWN, "port unreachable", NetworkChecks.run(spec(HealthCheckKind.expect, closed, Protocol.udp, null, "ping", "pong", false)));
    }

    @Test
    void escapesInSendStrings() {
        assertEquals("GET / HTTP/1.0\r\n\r\n", NetworkChecks.unescape("GET / HTTP/1.0\\r\\n\\r\\n"));
        assertEquals("a\\b\tc\\x", NetworkChecks.unescape("a\\\\b\\tc\\x"));
    }
}
