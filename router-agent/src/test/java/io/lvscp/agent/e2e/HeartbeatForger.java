package io.lvscp.agent.e2e;

import io.lvscp.agent.config.Secret;
import io.lvscp.agent.failover.HeartbeatAuth;
import io.lvscp.agent.failover.HeartbeatMessage;
import io.lvscp.agent.failover.Role;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A forger for the end-to-end tests, run inside a router's namespace (so its datagrams come from that router's
 * address): every 100 ms, a heartbeat of {@code router} claiming the active role as the primary, alternately unsigned
 * and signed with a key that is not the pair's. Without authentication either would keep the peer backup.
 * Arguments: cluster router peer-address port. Runs until killed.
 */
public final class HeartbeatForger {
    public static void main(String[] args) throws Exception {
        String cluster = args[0];
        String router = args[1];
        InetSocketAddress to = new InetSocketAddress(args[2], Integer.parseInt(args[3]));
        HeartbeatAuth wrongKey = HeartbeatAuth.withKey(Secret.of("not-the-pair-s-key-not-the-pair-s-key".getBytes(StandardCharsets.US_ASCII)));
        long since = System.currentTimeMillis() - 3_600_000;
        try (DatagramSocket socket = new DatagramSocket()) {
            System.out.println("ready");
            System.out.flush();
            for (long seq = 1; ; seq++) {
                HeartbeatMessage m = new HeartbeatMessage(cluster, router, Role.active, since, true, false, seq);
                byte[] b = seq % 2 == 0 ? m.encode() : wrongKey.seal(m, System.currentTimeMillis());
                socket.send(new DatagramPacket(b, b.length, to));
                Thread.sleep(100);
            }
        }
    }
}
