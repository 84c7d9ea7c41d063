package io.lvscp.agent.bench;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
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
 * <pre>seq startMicros endMicros sourcePort ok|fail answer-or-reason</pre>
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

    /**
     * The JDK's own helpers for a pending connect's local address, looked up on first use (a holder class, so the
     * benchmark's JVM, which only calls {@link #micros()}, neither looks them up nor warns that it cannot).
     */
    private static final class Reflect {
        static final java.lang.reflect.Method GET_FD;
        static final java.lang.reflect.Method LOCAL_ADDRESS;

        static {
            java.lang.reflect.Method fd = null;
            java.lang.reflect.Method local = null;
            try {
                // SocketChannel.getLocalAddress() says nothing while a connect is pending; the kernel has bound the
                // socket by then. Asked through the JDK's own helper (needs --add-opens java.base/sun.nio.ch=ALL-UNNAMED).
                fd = Class.forName("sun.nio.ch.SocketChannelImpl").getDeclaredMethod("getFD");
                fd.setAccessible(true);
                local = Class.forName("sun.nio.ch.Net").getDeclaredMethod("localAddress", java.io.FileDescriptor.class);
                local.setAccessible(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                System.err.println("source ports will read 0: " + e);
                fd = null;
                local = null;
            }
            GET_FD = fd;
            LOCAL_ADDRESS = local;
        }

        private Reflect() {}
    }

    /** The source port the kernel gave the socket of a (possibly still pending) connect; 0 if it cannot be read. */
    private static int sourcePort(SocketChannel ch) {
        try {
            InetSocketAddress a = (InetSocketAddress) ch.getLocalAddress();
            if (a != null) return a.getPort();
            if (Reflect.GET_FD == null) return 0;
            return ((InetSocketAddress) Reflect.LOCAL_ADDRESS.invoke(null, Reflect.GET_FD.invoke(ch))).getPort();
        } catch (Exception e) {
            return 0;
        }
    }

    /** One request: "port ok name" or "port fail reason" (port: the client's source port, 0 if none was chosen). */
    private static String request(String host, int port, int timeout) {
        int local = 0;
        boolean connected = false;
        try (SocketChannel ch = SocketChannel.open(); Selector sel = Selector.open()) {
            ch.configureBlocking(false);
            // A non-blocking connect: the kernel picks the source port at once, so even a request that never connects
            // says which one it used (conntrack tells connections apart by it).
            boolean done = ch.connect(new InetSocketAddress(host, port));
            local = sourcePort(ch);
            SelectionKey key = ch.register(sel, SelectionKey.OP_CONNECT);
            if (!done) {
                if (sel.select(timeout) == 0) return local + " fail connect-timeout";
                ch.finishConnect();
            }
            connected = true;
            ByteBuffer out = ByteBuffer.wrap(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) ch.write(out); // a few bytes into an empty send buffer
            key.interestOps(SelectionKey.OP_READ);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) return local + " fail read-timeout";
                sel.select(left);
                sel.selectedKeys().clear();
                int n = ch.read(in);
                if (n < 0) break;
                answer.write(in.array(), 0, in.position());
                in.clear();
            }
            String response = answer.toString(StandardCharsets.UTF_8);
            int body = response.indexOf("\r\n\r\n");
            if (!response.startsWith("HTTP/1.") || body < 0) return local + " fail incomplete-answer";
            String status = response.substring(0, Math.min(response.length(), 12));
            if (!status.endsWith(" 200")) return local + " fail status-" + status.substring(9).trim();
            String name = response.substring(body + 4).trim();
            return name.isEmpty() ? local + " fail empty-body" : local + " ok " + name.replace(' ', '_');
        } catch (ConnectException e) {
            String m = String.valueOf(e.getMessage());
            return local + (m.contains("refused") ? " fail refused" : " fail connect-" + m.replace(' ', '-'));
        } catch (NoRouteToHostException e) {
            return local + " fail no-route";
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage()).replace(' ', '-');
            return local + " fail " + e.getClass().getSimpleName() + (connected ? "-after-connect-" : "-") + m;
        }
    }
}
