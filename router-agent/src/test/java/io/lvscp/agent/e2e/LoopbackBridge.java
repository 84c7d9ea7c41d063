package io.lvscp.agent.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Reaches a TCP port on the host's loopback from inside a network namespace, without a route between them and
 * without any address but loopback: a Unix domain socket (a file, visible from every network namespace) joins
 * the two loopbacks. Inside the namespace, {@link #main} (run there with {@code ip netns exec}) listens on
 * 127.0.0.1:port and relays each connection to the socket file; on the host, {@link HostEnd} accepts on the
 * socket file and relays to 127.0.0.1:port there. Byte streams both ways, half-closes passed on.
 */
public final class LoopbackBridge {
    private LoopbackBridge() {}

    /** In a namespace: {@code LoopbackBridge <port> <socket file>}; prints "ready" once listening. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path socket = Path.of(args[1]);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            server.bind(new InetSocketAddress("127.0.0.1", port));
            System.out.println("ready");
            System.out.flush();
            while (true) {
                SocketChannel in = server.accept();
                try {
                    SocketChannel out = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                    relay(in, out);
                } catch (IOException e) {
                    in.close(); // the host end is not there (yet): the client sees a closed connection
                }
            }
        }
    }

    /** On the host: accepts on a Unix socket file and relays each connection to 127.0.0.1:port. */
    public static final class HostEnd implements AutoCloseable {
        private final ServerSocketChannel server;
        private final Path socket;
        private final CopyOnWriteArrayList<SocketChannel> open = new CopyOnWriteArrayList<>();

        public HostEnd(Path socket, int port) throws IOException {
            this.socket = socket;
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread t = new Thread(() -> {
                while (server.isOpen()) {
                    try {
                        SocketChannel in = server.accept();
                        try {
                            SocketChannel out = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                            open.add(in);
                            open.add(out);
                            relay(in, out);
                        } catch (IOException e) {
                            in.close(); // the control plane is down: so is the connection
                        }
                    } catch (ClosedChannelException e) {
                        return;
                    } catch (IOException e) {
                        if (!server.isOpen()) return;
                    }
                }
            }, "loopback-bridge-" + socket.getFileName());
            t.setDaemon(true);
            t.start();
        }

        public Path socket() {
            return socket;
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (SocketChannel c : open) c.close();
            Files.deleteIfExists(socket);
        }
    }

    static void relay(SocketChannel a, SocketChannel b) {
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger(2);
        pump(a, b, running);
        pump(b, a, running);
    }

    /** Copies from → to until end of stream, then half-closes {@code to}; on an error, or when both ways ended, closes both. */
    private static void pump(SocketChannel from, SocketChannel to, java.util.concurrent.atomic.AtomicInteger running) {
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buf) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) to.write(buf);
                    buf.clear();
                }
                to.shutdownOutput();
                if (running.decrementAndGet() == 0) {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "loopback-bridge-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
