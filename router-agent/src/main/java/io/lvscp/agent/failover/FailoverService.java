package io.lvscp.agent.failover;

import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.config.Secret;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.host.HostNetwork;
import io.lvscp.agent.metrics.AgentMetrics;
import io.lvscp.agent.host.Vip;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.stream.StreamMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Router failover, agent side: heartbeats with the peer router directly over UDP (so failover works with the
 * control plane down), the {@link RoleMachine} on them, and its decisions carried out: hold or release the VIPs
 * (the agent's {@code holdVips}), announce them on takeover ({@link Announcer}), report the change to the control plane
 * (sent when the stream is up, else as soon as it is), and the role gauge.
 *
 * <p>One thread runs everything but the announcements, every {@link #TICK_MILLIS} ms: it re-reads the pair from the
 * agent's desired state (a new peer, port or deadtime takes effect at once), drains the socket, ticks the machine
 * and sends a heartbeat every keepalive interval, and at once after a change of role. With a heartbeat key, what it
 * sends is signed and what it hears counts only if it verifies ({@link HeartbeatAuth}); a dropped heartbeat is counted
 * by reason, so that a forger can neither keep this router backup nor go unnoticed.
 */
public final class FailoverService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverService.class);
    static final long TICK_MILLIS = 50;
    private static final long REJECT_WARN_NANOS = TimeUnit.MINUTES.toNanos(1);

    /**
     * What the service needs of the agent: implemented by the agent's side ({@code io.lvscp.agent}), so that this
     * package does not depend on it, and by tests.
     */
    public interface Host {
        ClusterState desired();

        /** Completes once a reconcile pass with this setting has run: true when it programmed the addresses. */
        java.util.concurrent.CompletionStage<Boolean> holdVips(boolean hold);

        void report(StreamMessage m);

        boolean connected();

    }

    private final Host host;
    private final String cluster;
    private final String router;
    private final boolean preempt;
    private final Function<ClusterState, Collection<Vip>> vips;
    private final Announcer announcer;
    private final DoubleConsumer roleGauge;
    private final RoleMachine machine;
    private final HeartbeatAuth auth;
    private final Consumer<String> rejected;
    private final Map<String, long[]> rejectWarnings = new HashMap<>(); // reason -> {last warned (nanos), dropped since}
    private final ScheduledExecutorService loop;
    private volatile Peering peering;
    private HeartbeatLink link;
    private int linkPort = -1;
    private long lastSent = Long.MIN_VALUE / 2;
    private String lastSendError;
    private boolean reportedOnce;
    private boolean connectedBefore;
    // Role changes not yet sent (the stream was down), oldest first; bounded, the oldest dropped past that.
    private final java.util.ArrayDeque<StreamMessage.RoleChanged> unreported = new java.util.ArrayDeque<>();

    public FailoverService(Host host, String cluster, String router, boolean preempt, Function<ClusterState, Collection<Vip>> vips,
                           Announcer announcer, DoubleConsumer roleGauge, HeartbeatAuth auth, Consumer<String> rejected) {
        this.host = host;
        this.cluster = cluster;
        this.router = router;
        this.preempt = preempt;
        this.vips = vips;
        this.announcer = announcer;
        this.roleGauge = roleGauge;
        this.machine = new RoleMachine(cluster, router);
        this.auth = auth;
        this.rejected = rejected;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lvscp-failover-" + router);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The failover of a running agent, {@code host} (made before the agent starts, so that {@link #prepare()} decides
     * the first pass's addresses). The heartbeat socket lives in this process's network namespace.
     */
    public static FailoverService forAgent(Host host, AgentConfig config, CommandRunner runner, AgentMetrics metrics) {
        if (config.netns() != null) {
            LOG.warn("heartbeats use the agent process's own network namespace, not {} (netns): run the agent inside it", config.netns());
        }
        HostNetwork addresses = new HostNetwork(runner, config::device, java.nio.file.Path.of(config.stateDir()));
        java.util.concurrent.ExecutorService arp = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lvscp-announce-" + config.router());
            t.setDaemon(true);
            return t;
        });
        Secret key = config.heartbeatKey();
        if (key != null && config.failover().heartbeatKey() == null) warnIfOthersCanRead(Path.of(config.failover().heartbeatKeyFile()));
        return new FailoverService(host, config.cluster(), config.router(), config.preemptEnabled(), addresses::desiredVips,
                new Announcer(runner, arp, java.time.Duration.ofSeconds(10), System::nanoTime), a -> metrics.role(a >= 1),
                key == null ? HeartbeatAuth.none() : HeartbeatAuth.withKey(key), metrics::heartbeatRejected);
    }

    private static void warnIfOthersCanRead(Path keyFile) {
        try {
            var perms = Files.getPosixFilePermissions(keyFile);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                LOG.warn("heartbeat key file {} is readable by other users ({}): whoever reads it can forge heartbeats; chmod 600 it",
                        keyFile, PosixFilePermissions.toString(perms));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system, or already unreadable (then the agent did not start): nothing to say
        }
    }

    /**
     * Before the agent's first pass: a router whose saved state has a peer starts as backup and holds no VIP (it
     * may come back from a crash while its peer holds them); one without a peer keeps them, as before failover.
     * One with no saved state (a brand-new agent) holds nothing until this service has seen its first state: the
     * agent would otherwise add the VIPs in the pass that programs that state, while a peer may hold them, and
     * drop them only when the next tick found the peer (up to {@link #TICK_MILLIS} ms, enough to answer ARP, and for
     * an IPv6 VIP to advertise it). Without a peer, the machine makes it active at the tick after the state arrives.
     */
    public void prepare() {
        Peering p = Peering.of(host.desired(), router);
        if (p == null) host.holdVips(false);
        else if (p.peer() != null) startingAsBackup(p);
    }

    private void startingAsBackup(Peering p) {
        host.holdVips(false);
        roleGauge.accept(0);
        reportedOnce = true;
        report(new StreamMessage.RoleChanged(Role.backup.name(), "agent started; listening for heartbeats of peer "
                + p.peer().name() + " on udp " + p.port()));
    }

    public void start() {
        loop.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.error("failover tick failed", e);
            }
        }, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The role now (for tests and /healthz). */
    public Role role() {
        return machine.role();
    }

    private void tick() {
        long now = System.nanoTime();
        Peering p = Peering.of(host.desired(), router);
        if (!Objects.equals(p, peering)) reconfigure(p, now);
        if (p == null) return; // no state yet, or not enrolled: nothing to decide
        if (link != null) {
            for (HeartbeatLink.Datagram d : link.drain()) {
                HeartbeatAuth.Sealed s = HeartbeatAuth.parse(d.bytes(), d.length()).orElse(null);
                if (s == null) {
                    LOG.debug("ignored a datagram from {} on the heartbeat port: not a heartbeat", d.source());
                    continue;
                }
                HeartbeatMessage m = s.message();
                if (!fromPeer(p, d.source(), m)) continue;
                String why = auth.reject(s, System.currentTimeMillis());
                if (why != null) {
                    drop(why, d.source(), s);
                    continue;
                }
                long at = System.nanoTime();
                boolean wasHearing = machine.hearingPeer(at);
                machine.heard(m, at, System.currentTimeMillis()).ifPresent(this::carryOut);
                // Once per silence, so an operator (and a test) can tell "never heard" from "heard, then lost".
                if (!wasHearing && machine.hearingPeer(at)) LOG.info("hearing peer {} at {}: it is {}", m.router(), d.source(), m.role());
            }
        }
        machine.tick(System.nanoTime(), System.currentTimeMillis()).ifPresent(this::carryOut);
        if (link != null && p.peer() != null && System.nanoTime() - lastSent >= p.keepalive().toNanos()) send(p);
        flushReport();
    }

    private boolean fromPeer(Peering p, InetAddress source, HeartbeatMessage m) {
        if (p.peer() == null || !cluster.equals(m.cluster()) || !p.peer().name().equals(m.router())) {
            LOG.debug("ignored a heartbeat of {}/{} from {}: not this router's peer", m.cluster(), m.router(), source);
            return false;
        }
        if (!same(source, p.peer().publicAddress()) && !same(source, p.peer().privateAddress())) {
            drop("wrong_source", source, new HeartbeatAuth.Sealed(m, 0, null, null));
            return false;
        }
        return true;
    }

    /**
     * A heartbeat naming the peer that is not the peer's: counted, and logged at most once a minute per reason with
     * how many were dropped in between, so that whoever sends them cannot flood the log.
     */
    private void drop(String reason, InetAddress source, HeartbeatAuth.Sealed s) {
        rejected.accept(reason);
        long now = System.nanoTime();
        long[] w = rejectWarnings.computeIfAbsent(reason, r -> new long[] {now - REJECT_WARN_NANOS, 0});
        if (now - w[0] < REJECT_WARN_NANOS) {
            w[1]++;
            return;
        }
        String why = switch (reason) {
            case HeartbeatAuth.UNSIGNED -> "it is not signed, and this agent has a heartbeat key (is the peer's configured?)";
            case HeartbeatAuth.BAD_MAC -> "its MAC does not verify: forged, altered, or signed with another key";
            case HeartbeatAuth.OUTSIDE_WINDOW -> "its time is " + (s.time() - System.currentTimeMillis()) + " ms from this router's clock, more than "
                    + HeartbeatAuth.WINDOW.toSeconds() + " s: a recording replayed, or the routers' clocks are apart (NTP?)";
            case HeartbeatAuth.REPLAYED -> "it is no later than one already accepted: replayed";
            default -> "it does not come from one of the peer's addresses";
        };
        LOG.warn("dropped a heartbeat claiming to be {} from {}: {}{}", s.message().router(), source, why,
                w[1] == 0 ? "" : " (" + w[1] + " more dropped for this reason since the last such warning)");
        w[0] = now;
        w[1] = 0;
    }

    private static boolean same(InetAddress a, String address) {
        return address != null && IpAddresses.parse(address).map(a::equals).orElse(false);
    }

    private void reconfigure(Peering p, long now) {
        peering = p;
        if (p == null) return;
        // The cluster's heartbeat setting decides; the agent's own preempt setting can only turn it on (for a pair
        // whose control plane predates the setting).
        machine.configure(p.peerName(), p.selfPrimary(), preempt || p.preempt(), p.deadtime(), now);
        // The first state with a peer arrived after start (no saved state, or one without a peer): say it is backup.
        if (p.peer() != null && machine.role() == Role.backup && !reportedOnce) startingAsBackup(p);
        if (p.peer() == null) {
            closeLink();
            return;
        }
        if (link == null || linkPort != p.port()) {
            closeLink();
            boolean v6 = p.peer().publicAddress().indexOf(':') >= 0;
            try {
                link = HeartbeatLink.open(new InetSocketAddress(InetAddress.getByName(v6 ? "::" : "0.0.0.0"), p.port()));
                linkPort = p.port();
                LOG.info("heartbeats with peer {} at {} on udp {} every {} s, deadtime {} s, preemption {}, {}", p.peer().name(),
                        p.peer().publicAddress(), p.port(), p.keepalive().toSeconds(), p.deadtime().toSeconds(), preempt ? "on" : "off",
                        auth.authenticated() ? "signed with the heartbeat key (HMAC-SHA256)" : "UNAUTHENTICATED");
                if (!auth.authenticated()) {
                    LOG.warn("NO HEARTBEAT KEY: any host that can send UDP to port {} here can forge {}'s heartbeats, keep this router "
                            + "backup while {} is down, or force a split brain. Give both routers the same key: failover.heartbeatKeyFile "
                            + "(or LVSCP_HEARTBEAT_KEY_FILE); docs/failover.md", p.port(), p.peer().name(), p.peer().name());
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot listen for heartbeats on udp {}: {}; retrying", p.port(), e.getMessage());
                peering = null; // try again next tick
            }
        }
    }

    private void send(Peering p) {
        lastSent = System.nanoTime();
        InetSocketAddress to = new InetSocketAddress(IpAddresses.parse(p.peer().publicAddress()).orElseThrow(), p.port());
        IOException e = link.send(auth.seal(machine.heartbeat(), System.currentTimeMillis()), to);
        String err = e == null ? null : e.getMessage();
        if (!Objects.equals(err, lastSendError)) {
            if (err != null) LOG.warn("cannot send heartbeats to {}: {}", to, err);
            else LOG.info("heartbeats to {} go out again", to);
            lastSendError = err;
        }
    }

    private void carryOut(RoleMachine.Step s) {
        // Staying active (a split brain resolved in our favour): the addresses should be there, but are checked.
        java.util.concurrent.CompletionStage<Boolean> held = java.util.concurrent.CompletableFuture.completedFuture(false);
        if (s.changed()) {
            LOG.warn("router {} is now {}: {}", router, s.role(), s.reason());
            boolean holding = s.role() == Role.active;
            held = host.holdVips(holding);
            roleGauge.accept(holding ? 1 : 0);
            reportedOnce = true;
            report(new StreamMessage.RoleChanged(s.role().name(), s.reason()));
            Peering p = peering;
            if (link != null && p != null && p.peer() != null) send(p); // tell the peer at once
        } else {
            LOG.warn("router {} stays active: {}", router, s.reason());
        }
        // Announced once the pass that adds the addresses has run, as keepalived sends its gratuitous ARPs after
        // adding them: sooner would only poll the kernel for them, competing with the pass that adds them. After a
        // pass that programmed them, no check: a takeover's first gratuitous ARP is on the client's critical path.
        if (s.announce()) held.whenComplete((programmed, e) -> announcer.announce(vips.apply(host.desired()), Boolean.TRUE.equals(programmed)));
    }

    private synchronized void report(StreamMessage.RoleChanged m) {
        if (unreported.size() >= 64) unreported.removeFirst();
        unreported.addLast(m);
        flushReport();
    }

    private synchronized void flushReport() {
        // Only on a stream that was already up at the previous tick: the stream client publishes a new socket just
        // before it sends its hello, and a report squeezed in between would be refused ("the first message must be hello").
        boolean up = host.connected();
        boolean settled = up && connectedBefore;
        connectedBefore = up;
        while (settled && !unreported.isEmpty()) host.report(unreported.removeFirst());
    }

    private void closeLink() {
        if (link != null) link.close();
        link = null;
        linkPort = -1;
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeLink();
    }
}
