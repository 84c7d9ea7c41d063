package io.lvscp.agent.failover;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The UDP socket of the heartbeats, in the network namespace of the agent's own process (that is why the agent
 * runs on the router itself, or inside its namespace). Non-blocking: the failover loop drains it on each tick.
 */
public final class HeartbeatLink implements AutoCloseable {
    /** A datagram as received: who sent it and the bytes. */
    public record Datagram(InetAddress source, byte[] bytes, int length) {}

    private final DatagramChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(HeartbeatMessage.MAX_BYTES + 1);

    private HeartbeatLink(DatagramChannel channel) {
        this.channel = channel;
    }

    /** Listens on {@code local} (an address and port; the wildcard address for every interface). */
    public static HeartbeatLink open(InetSocketAddress local) {
        try {
            DatagramChannel ch = DatagramChannel.open(local.getAddress() instanceof java.net.Inet4Address
                    ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            try {
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                ch.bind(local);
                ch.configureBlocking(false);
                return new HeartbeatLink(ch);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for heartbeats on udp " + local, e);
        }
    }

    public int port() {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one datagram; a failure (no route while a link is down) is returned, not thrown: heartbeats go on. */
    public IOException send(byte[] bytes, InetSocketAddress to) {
        try {
            channel.send(ByteBuffer.wrap(bytes), to);
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    /** Every datagram waiting now. */
    public List<Datagram> drain() {
        List<Datagram> out = new ArrayList<>();
        try {
            while (true) {
                buffer.clear();
                SocketAddress from = channel.receive(buffer);
                if (from == null) return out;
                buffer.flip();
                byte[] b = new byte[buffer.remaining()];
                buffer.get(b);
                out.add(new Datagram(((InetSocketAddress) from).getAddress(), b, b.length));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot receive heartbeats", e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
