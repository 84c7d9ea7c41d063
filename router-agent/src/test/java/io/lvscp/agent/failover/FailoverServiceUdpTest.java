package io.lvscp.agent.failover;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.config.Secret;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.api.model.ClusterSettings;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.Heartbeat;
import io.lvscp.api.model.RolePreference;
import io.lvscp.api.model.Router;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.stream.StreamMessage;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The failover service of backup lvs2 (127.0.0.1) on a real UDP socket on loopback, with heartbeat key {@link #KEY};
 * the test plays its peer lvs1 (127.0.0.2, primary) from sockets of its own. Deadtime 1 s. Genuine heartbeats of an
 * active lvs1 keep lvs2 backup; forged ones (unsigned, another key, replayed, from another address) do not, and
 * each is counted by reason.
 */
class FailoverServiceUdpTest {
    static final Secret KEY = Secret.of("0123456789abcdef0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    static final Secret WRONG = Secret.of("fedcba9876543210fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII));
    static final InetAddress LVS1 = address("127.0.0.2");

    final Map<String, AtomicInteger> rejected = new ConcurrentHashMap<>();
    final List<Boolean> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<AutoCloseable> closing = new ArrayList<>();
    int port;

    static InetAddress address(String a) {
        try {
            return InetAddress.getByName(a);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** lvs2's failover, started, on a free UDP port. */
    FailoverService backup() throws Exception {
        ClusterState state = pair();
        return service(() -> state);
    }

    /** The cluster: lvs2 (this router) and, unless {@code alone}, lvs1 as its peer; heartbeats on {@link #port}. */
    ClusterState pair(boolean alone) throws Exception {
        if (port == 0) {
            try (DatagramSocket probe = new DatagramSocket(0, address("127.0.0.1"))) {
                port = probe.getLocalPort();
            }
        }
        ClusterState s = ClusterState.absent("web").withSettings(new ClusterSettings("web", RoutingMethod.nat, null, new Heartbeat(port, 1, 1, false)))
                .withRouter(new Router("lvs2", "127.0.0.1", null, RolePreference.backup)).atRevision(1);
        return alone ? s : s.withRouter(new Router("lvs1", "127.0.0.2", null, RolePreference.primary));
    }

    ClusterState pair() throws Exception {
        return pair(false);
    }

    /** lvs2's failover on the agent's desired state as {@code desired} says it is now; prepared as the agent does, and started. */
    FailoverService service(java.util.function.Supplier<ClusterState> desired) throws Exception {
        FailoverService.Host host = new FailoverService.Host() {
            public ClusterState desired() {
                return desired.get();
            }

            public java.util.concurrent.CompletionStage<Boolean> holdVips(boolean hold) {
                held.add(hold);
                return java.util.concurrent.CompletableFuture.completedFuture(true);
            }

            public void report(StreamMessage m) {
            }

            public boolean connected() {
                return false;
            }
        };
        CommandRunner nothing = new CommandRunner() {
            public CommandResult run(List<String> argv, String stdin) {
                return new CommandResult(argv, 1, "", "not in this test");
            }

            public String where() {
                return "nowhere";
            }
        };
        var arp = Executors.newSingleThreadExecutor();
        closing.add(arp::shutdownNow);
        FailoverService s = new FailoverService(host, "web", "lvs2", false, st -> List.of(),
                new Announcer(nothing, arp, Duration.ofMillis(10), System::nanoTime), g -> { }, HeartbeatAuth.withKey(KEY),
                r -> rejected.computeIfAbsent(r, k -> new AtomicInteger()).incrementAndGet());
        closing.add(s);
        s.prepare();
        s.start();
        return s;
    }

    /** Sends datagrams to lvs2's heartbeat port from {@code from}, every 100 ms, until closed. */
    AutoCloseable sending(InetAddress from, java.util.function.Supplier<byte[]> next) throws Exception {
        HeartbeatLink link = HeartbeatLink.open(new InetSocketAddress(from, 0));
        var loop = Executors.newSingleThreadScheduledExecutor();
        InetSocketAddress to = new InetSocketAddress(address("127.0.0.1"), port);
        loop.scheduleAtFixedRate(() -> link.send(next.get(), to), 0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
        AutoCloseable stop = () -> {
            loop.shutdownNow();
            loop.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            link.close();
        };
        closing.add(stop);
        return stop;
    }

    static HeartbeatMessage lvs1Active(long seq) {
        return new HeartbeatMessage("web", "lvs1", Role.active, System.currentTimeMillis() - 60_000, true, false, seq);
    }

    int rejected(String reason) {
        return rejected.getOrDefault(reason, new AtomicInteger()).get();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) closing.get(i).close();
    }

    @Test
    void genuineHeartbeatsKeepTheBackupPassiveAndForgedOnesDoNot() throws Exception {
        FailoverService s = backup();
        assertEquals(List.of(false), held, "a router with a peer starts holding nothing");
        // lvs1, alive and active, with the pair's key: lvs2 stays backup well past deadtime. What it sent is recorded.
        HeartbeatAuth lvs1 = HeartbeatAuth.withKey(KEY);
        List<byte[]> recorded = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger seq = new AtomicInteger();
        AutoCloseable genuine = sending(LVS1, () -> {
            byte[] b = lvs1.seal(lvs1Active(seq.incrementAndGet()), System.currentTimeMillis());
            recorded.add(b);
            return b;
        });
        Awaitility.await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> s.role() == Role.backup);
        assertEquals(Map.of(), Map.copyOf(rejected), "nothing genuine was dropped");

        // lvs1 dies. A forger sends, from lvs1's own address, what would keep lvs2 passive if it counted: unsigned
        // heartbeats, heartbeats signed with another key, and lvs1's recorded ones again; and genuine-looking
        // copies from another address.
        genuine.close();
        long died = System.nanoTime();
        HeartbeatAuth wrongKey = HeartbeatAuth.withKey(WRONG);
        AtomicInteger turn = new AtomicInteger();
        sending(LVS1, () -> switch (turn.getAndIncrement() % 3) {
            case 0 -> lvs1Active(1000 + turn.get()).encode();
            case 1 -> wrongKey.seal(lvs1Active(1000 + turn.get()), System.currentTimeMillis());
            default -> recorded.get(turn.get() % recorded.size());
        });
        sending(address("127.0.0.3"), () -> lvs1.seal(lvs1Active(2000 + turn.get()), System.currentTimeMillis()));

        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> s.role() == Role.active);
        long tookMs = (System.nanoTime() - died) / 1_000_000;
        assertTrue(tookMs < 2500, "took over " + tookMs + " ms after the last genuine heartbeat: deadtime 1 s plus a keepalive at most");
        assertEquals(true, held.get(held.size() - 1), "and holds the VIPs");
        for (String reason : List.of(HeartbeatAuth.UNSIGNED, HeartbeatAuth.BAD_MAC, HeartbeatAuth.REPLAYED, "wrong_source")) {
            assertTrue(rejected(reason) > 0, reason + " counted: " + rejected);
        }
    }

    /**
     * A brand-new agent (no saved state) must hold no VIP before it knows whether it has a peer: the agent's first
     * pass, which programs the first state received, runs before the failover service's next tick.
     */
    @Test
    void aBrandNewAgentHoldsNothingUntilTheRoleIsDecided() throws Exception {
        var desired = new java.util.concurrent.atomic.AtomicReference<>(ClusterState.absent("web"));
        FailoverService s = service(desired::get);
        assertEquals(List.of(false), held, "released before the first pass: nothing is known yet");
        desired.set(pair());
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> s.role() == Role.backup);
        assertFalse(held.contains(true), "never held anything while the peer could: " + held);

        // The same for a router alone in its cluster: it becomes active at the tick after its first state.
        held.clear();
        var alone = new java.util.concurrent.atomic.AtomicReference<>(ClusterState.absent("web"));
        FailoverService single = service(alone::get);
        assertEquals(List.of(false), held);
        alone.set(pair(true));
        Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10)).until(() -> single.role() == Role.active);
        assertEquals(List.of(false, true), held);
    }

    @Test
    void aForgerAloneNeverKeepsAFreshBackupPassive() throws Exception {
        FailoverService s = backup();
        HeartbeatAuth wrongKey = HeartbeatAuth.withKey(WRONG);
        AtomicInteger n = new AtomicInteger();
        sending(LVS1, () -> n.incrementAndGet() % 2 == 0 ? lvs1Active(n.get()).encode() : wrongKey.seal(lvs1Active(n.get()), System.currentTimeMillis()));
        long started = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> s.role() == Role.active);
        assertTrue((System.nanoTime() - started) / 1_000_000 < 2500, "took over after deadtime as if the peer were silent");
        assertTrue(rejected(HeartbeatAuth.UNSIGNED) > 0 && rejected(HeartbeatAuth.BAD_MAC) > 0, rejected.toString());
    }
}
