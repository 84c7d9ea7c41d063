package io.lvscp.agent.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client of {@link FailureDetectionBenchmark}, run inside the client namespace ({@code ip netns exec}): starts one
 * HTTP request every {@code periodMs} (at a fixed rate, whether or not earlier ones have finished, so a hanging request
 * does not thin out the samples), each on a new TCP connection, with {@code timeoutMs} for the connect and again for
 * the answer. One line per request on stdout:
 *
 * <pre>seq startMicros endMicros ok|fail answer-or-reason</pre>
 *
 * Times are wall-clock microseconds since the epoch ({@link Instant#now()}, CLOCK_REALTIME), the same clock the
 * benchmark uses for the faults it injects. "ok" needs a complete {@code HTTP/1.x 200} answer with a body (the real
 * server's name). Prints "ready" first; exits when its stdin closes (the benchmark ended or died).
 *
 * <p>Args: host port periodMs timeoutMs.
 */
public final class ClientProbe {
    private ClientProbe() {}

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        long period = Long.parseLong(args[2]);
        int timeout = Integer.parseInt(args[3]);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        ExecutorService requests = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "probe");
            t.setDaemon(true);
            return t;
        });
        ScheduledExecutorService tick = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "probe-tick");
            t.setDaemon(true);
            return t;
        });
        AtomicLong seq = new AtomicLong();
        synchronized (out) {
            out.println("ready");
            out.flush();
        }
        tick.scheduleAtFixedRate(() -> {
            long n = seq.incrementAndGet();
            requests.execute(() -> {
                long start = micros();
                String result = request(host, port, timeout);
                long end = micros();
                synchronized (out) {
                    out.println(n + " " + start + " " + end + " " + result);
                    out.flush();
                }
            });
        }, 0, period, TimeUnit.MILLISECONDS);
        InputStream in = System.in;
        while (in.read() >= 0) {
            // nothing is sent on stdin: it only tells when the benchmark is gone
        }
        System.exit(0);
    }

    static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    private static String request(String host, int port, int timeout) {
        boolean connected = false;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), timeout);
            connected = true;
            s.setSoTimeout(timeout);
            OutputStream o = s.getOutputStream();
            o.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int body = response.indexOf("\r\n\r\n");
            if (!response.startsWith("HTTP/1.") || body < 0) return "fail incomplete-answer";
            String status = response.substring(0, Math.min(response.length(), 12));
            if (!status.endsWith(" 200")) return "fail status-" + status.substring(9).trim();
            String name = response.substring(body + 4).trim();
            return name.isEmpty() ? "fail empty-body" : "ok " + name.replace(' ', '_');
        } catch (SocketTimeoutException e) {
            return connected ? "fail read-timeout" : "fail connect-timeout";
        } catch (ConnectException e) {
            String m = String.valueOf(e.getMessage());
            return m.contains("refused") ? "fail refused" : "fail connect-" + m.replace(' ', '-');
        } catch (NoRouteToHostException e) {
            return "fail no-route";
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage()).replace(' ', '-');
            return "fail " + e.getClass().getSimpleName() + (connected ? "-after-connect-" : "-") + m;
        }
    }
}
