package io.lvscp.agent.failover;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class HeartbeatMessageTest {
    @Test
    void encodesToOneReadableLineAndBack() {
        HeartbeatMessage m = new HeartbeatMessage("web", "lvs1", Role.active, 1712345678901L, true, false, 42);
        String text = new String(m.encode(), StandardCharsets.US_ASCII);
        assertEquals("lvscp-heartbeat/1 cluster=web router=lvs1 role=active since=1712345678901 primary=1 preempt=0 seq=42", text);
        assertEquals(m, HeartbeatMessage.decode(m.encode(), m.encode().length).orElseThrow());
        HeartbeatMessage b = new HeartbeatMessage("web", "lvs2", Role.backup, 0, false, true, 1);
        assertEquals(b, HeartbeatMessage.decode(b.encode(), b.encode().length).orElseThrow());
    }

    @Test
    void anythingElseIsIgnored() {
        for (String bad : List.of("", "hello", "lvscp-heartbeat/2 cluster=web router=lvs1 role=active since=1 primary=1 preempt=0 seq=1",
                "lvscp-heartbeat/1 cluster=web router=lvs1 role=active since=0 primary=1 preempt=0 seq=1",
                "lvscp-heartbeat/1 cluster=web router=lvs1 role=backup since=5 primary=1 preempt=0 seq=1",
                "lvscp-heartbeat/1 cluster=web router=lvs1 role=boss since=5 primary=1 preempt=0 seq=1",
                "lvscp-heartbeat/1 cluster=Web router=lvs1 role=active since=5 primary=1 preempt=0 seq=1",
                "lvscp-heartbeat/1 cluster=web router=lvs1 role=active since=5 primary=yes preempt=0 seq=1",
                "lvscp-heartbeat/1 cluster=web cluster=web role=active since=5 primary=1 preempt=0 seq=1",
                "lvscp-heartbeat/1 cluster=web router=lvs1 role=active since=5 primary=1 preempt=0 seq=x",
                "lvscp-heartbeat/1 cluster=web router=lvs1 role=active since=5 primary=1 preempt=0 seq=1 extra=1",
                "lvscp-heartbeat/1 cluster=web router=lvs1 role=active since=5 primary=1 preempt=0 seq=1" + " ".repeat(600))) {
            byte[] b = bad.getBytes(StandardCharsets.US_ASCII);
            assertTrue(HeartbeatMessage.decode(b, b.length).isEmpty(), bad);
        }
    }

    @Test
    void twoLinksOnLoopbackExchangeHeartbeats() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (HeartbeatLink a = HeartbeatLink.open(new InetSocketAddress(lo, 0));
             HeartbeatLink b = HeartbeatLink.open(new InetSocketAddress(lo, 0))) {
            HeartbeatMessage m = new HeartbeatMessage("web", "lvs1", Role.backup, 0, true, false, 1);
            assertNull(a.send(m.encode(), new InetSocketAddress(lo, b.port())));
            List<HeartbeatLink.Datagram> got = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> {
                got.addAll(b.drain());
                return !got.isEmpty();
            });
            assertEquals(lo, got.get(0).source());
            assertEquals(m, HeartbeatMessage.decode(got.get(0).bytes(), got.get(0).length()).orElseThrow());
            assertTrue(a.drain().isEmpty());
        }
    }
}
