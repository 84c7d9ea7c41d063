package io.lvscp.agent.failover;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.host.Vip;
import io.lvscp.api.json.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the neighbours that the addresses moved here: for each IPv4 VIP, once it is on its device, three
 * gratuitous ARP requests ({@code arping -U -c 3 -I <dev> <vip>}, iputils-arping), through the agent's command
 * runner so they leave from the router's namespace. The first goes out at once, the other two a second apart, for
 * neighbours that missed one. IPv6 VIPs need nothing here: the kernel sends an unsolicited neighbour advertisement
 * as the address is added, because {@link io.lvscp.agent.host.HostNetwork} set {@code ndisc_notify} (and
 * {@code accept_dad=0}) on its device first (docs/failover.md). Runs on its own threads: a takeover never waits for
 * an announcement.
 */
public final class Announcer {
    private static final Logger LOG = LoggerFactory.getLogger(Announcer.class);

    private final CommandRunner runner;
    private final ExecutorService executor;
    private final Duration waitForAddress;
    private final LongSupplier nanos;

    public Announcer(CommandRunner runner, ExecutorService executor, Duration waitForAddress, LongSupplier nanos) {
        this.runner = runner;
        this.executor = executor;
        this.waitForAddress = waitForAddress;
        this.nanos = nanos;
    }

    /** The argv that announces one IPv4 VIP. */
    public static List<String> arping(Vip v) {
        return List.of("arping", "-U", "-c", "3", "-I", v.device(), v.address());
    }

    /** Announces each VIP once it is present; completes when all are done. */
    public CompletableFuture<Void> announce(Collection<Vip> vips) {
        return announce(vips, false);
    }

    /**
     * Announces each VIP; {@code present}: the caller knows they are in the kernel (the pass that added them has just
     * succeeded), so they are not looked for first.
     */
    public CompletableFuture<Void> announce(Collection<Vip> vips, boolean present) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Vip v : vips) {
            if (v.address().indexOf(':') >= 0) {
                LOG.info("{} is IPv6: the kernel announces it as it is added (unsolicited neighbour advertisement, ndisc_notify on {}); "
                        + "if it was already there, it is not announced again", v, v.device());
                continue;
            }
            all.add(CompletableFuture.runAsync(() -> announceOne(v, present), executor));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
    }

    private void announceOne(Vip v, boolean known) {
        long deadline = nanos.getAsLong() + waitForAddress.toNanos();
        while (!known && !present(v)) {
            if (nanos.getAsLong() - deadline > 0) {
                LOG.warn("{} did not appear within {} ms; not announced", v, waitForAddress.toMillis());
                return;
            }
            try {
                Thread.sleep(20); // polling the kernel for the address the reconcile pass is adding
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        CommandResult r = runner.run(arping(v));
        if (r.ok()) {
            LOG.info("announced {} (gratuitous ARP)", v);
        } else {
            LOG.warn("announcing {} failed (arping exited {}): {}", v, r.exitCode(), (r.stderr() + r.stdout()).strip());
        }
    }

    private boolean present(Vip v) {
        CommandResult r = runner.run(List.of("ip", "-j", "addr", "show", "dev", v.device()));
        if (!r.ok()) return false;
        try {
            for (JsonNode link : Json.mapper().readTree(r.stdout())) {
                for (JsonNode a : link.path("addr_info")) {
                    if (v.address().equals(a.path("local").asText()) && !a.path("tentative").asBoolean(false)) return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
