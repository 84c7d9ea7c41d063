package io.lvscp.agent.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The loopback bridge the failover tests use to let agents inside router namespaces reach the control plane on the
 * host's loopback: without it nothing answers on 127.0.0.1 inside the namespace; with it, HTTP requests and a
 * 1 MiB echo go through intact. Every address used is a loopback; the link is a Unix socket file.
 */
class LoopbackBridgeTest {

    /** Inside the namespace: sends {@code args[1]} random bytes to 127.0.0.1:args[0], reads the echo, prints both digests. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        byte[] data = new byte[Integer.parseInt(args[1])];
        new Random(7).nextBytes(data);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(data);
                    s.shutdownOutput();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            byte[] back = s.getInputStream().readAllBytes();
            writer.join();
            System.out.println(digest(data) + " " + digest(back) + " " + back.length);
        }
    }

    static String digest(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aNamespaceReachesTheHostsLoopbackOnlyThroughTheBridge() throws Exception {
        FailoverLab.requireRootAndTools();
        String ns = "lvscp-lb-" + Long.toString(ProcessHandle.current().pid() % 100000, 36);
        Path dir = Files.createTempDirectory("lvscp-bridge-");
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        http.createContext("/", ex -> {
            byte[] b = "host-loopback".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Connection", "close");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        int port = http.getAddress().getPort();
        List<Process> started = new ArrayList<>();
        ServerSocket echo = new ServerSocket();
        echo.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread echoes = new Thread(() -> {
            while (!echo.isClosed()) {
                try (Socket s = echo.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    in.transferTo(out);
                    s.shutdownOutput();
                } catch (Exception ignored) {
                    // closed
                }
            }
        });
        echoes.setDaemon(true);
        echoes.start();
        FailoverLab.sh("ip", "netns", "add", ns);
        try (LoopbackBridge.HostEnd httpEnd = new LoopbackBridge.HostEnd(dir.resolve("http.sock"), port);
             LoopbackBridge.HostEnd echoEnd = new LoopbackBridge.HostEnd(dir.resolve("echo.sock"), echo.getLocalPort())) {
            FailoverLab.sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            // Without a forwarder, the namespace's own loopback has nothing on that port.
            assertEquals(Map.of("failed", 3), probe(ns, port, 3));

            started.add(forwarder(ns, port, httpEnd.socket()));
            assertEquals(Map.of("host-loopback", 20, "failed", 0), probe(ns, port, 20));

            started.add(forwarder(ns, 7, echoEnd.socket()));
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, java(), "-cp", System.getProperty("java.class.path"),
                    LoopbackBridgeTest.class.getName(), "7", String.valueOf(1 << 20)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String[] parts = out.substring(out.lastIndexOf('\n') + 1).split(" ");
            assertEquals(3, parts.length, out);
            assertEquals(parts[0], parts[1], "the echo came back intact: " + out);
            assertEquals(String.valueOf(1 << 20), parts[2]);
        } finally {
            for (Process p : started) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            FailoverLab.sh("ip", "netns", "del", ns);
            http.stop(0);
            echo.close();
        }
    }

    private static Process forwarder(String ns, int port, Path socket) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, java(), "-cp", System.getProperty("java.class.path"),
                LoopbackBridge.class.getName(), String.valueOf(port), socket.toString()).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertEquals("ready", line);
        return p;
    }

    private static Map<String, Integer> probe(String ns, int port, int count) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, java(), "-cp", System.getProperty("java.class.path"),
                HttpProbe.class.getName(), "127.0.0.1", String.valueOf(port), String.valueOf(count)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Map<String, Integer> counts = new java.util.HashMap<>();
        for (String part : out.substring(out.lastIndexOf('\n') + 1).split(" ")) {
            String[] kv = part.split("=");
            if (kv.length != 2) throw new IllegalStateException("probe printed: " + out);
            counts.put(kv[0], Integer.parseInt(kv[1]));
        }
        return counts;
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
