package io.lvscp.agent.dataplane.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.reconcile.Changes;
import io.lvscp.agent.reconcile.OwnedApply;
import io.lvscp.agent.reconcile.OwnedServices;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link DataplaneDriver} promises the agent, one test each, run against each driver on its real kernel
 * (nftables in a network namespace, IPVS in a VM) and against the recording driver in every build: a subclass per
 * driver gives the driver, every command it ran, the kernel's own tool for changes made by hand, and what it
 * refuses; {@link KernelDriverContract} adds traffic for drivers with a kernel.
 * <p>
 * The tables use the seed chapter's addresses (VIP 192.168.26.10, real servers 10.11.12.1-3), which the traffic labs
 * give the router and the real servers; the feature tables, never carried traffic, use documentation ranges.
 */
public abstract class DriverContract {
    public static final String VIP = "192.168.26.10";
    public static final ServiceKey WEB = ServiceKey.of(Protocol.tcp, VIP, 80);
    public static final ServiceKey TLS = ServiceKey.of(Protocol.tcp, VIP, 443);
    public static final ServiceKey DNS = ServiceKey.of(Protocol.udp, VIP, 53);
    public static final ServiceKey MARK = ServiceKey.mark(7, false);
    public static final ServiceKey IDLE = ServiceKey.of(Protocol.tcp, "192.168.26.11", 80);

    /**
     * A router's table as DesiredTable makes it, with what every driver can do: weighted, hashed and round-robin
     * scheduling, TCP, UDP and a firewall mark, a real server on another port, a drained one (weight 0), and a
     * service with no real servers at all.
     */
    public static final ServiceTable TABLE = table(
            service(WEB, Scheduler.wrr, masq(server(1), 80, 1), masq(server(2), 80, 2), masq(server(3), 80, 3)),
            service(TLS, Scheduler.sh, masq(server(1), 443, 1), masq(server(2), 8443, 1)),
            service(DNS, Scheduler.rr, masq(server(1), 53, 1), masq(server(2), 53, 0)),
            service(MARK, Scheduler.wrr, masq(server(1), 0, 1), masq(server(3), 0, 2)),
            service(IDLE, Scheduler.rr));

    /** The weight-only change: real server 1 of the web service from 1 to 4. */
    public static final ServiceTable REWEIGHTED = withWeights(TABLE, WEB, 4, 2, 3);

    /** What a change by hand does to {@link #TABLE}, with the kernel's own tool. */
    public enum Drift {
        /** Real server 2 taken out of the web service. */
        DESTINATION_DELETED(server(2) + ":80"),
        /** Real server 1 of the web service given another share of its traffic. */
        WEIGHT_CHANGED(server(1) + ":80"),
        /** Everything the driver made, gone. */
        FLUSHED(null);

        /** The real server of {@link #WEB} the change is about. */
        public final String destination;

        Drift(String destination) {
            this.destination = destination;
        }
    }

    /**
     * A feature of lvscp's model some driver may not program, in a table that has nothing else unusual, and the
     * words each reason a driver gives for refusing it must contain.
     */
    public record Feature(String name, String named, ServiceTable table) {}

    public static final List<Feature> FEATURES = features();

    private static List<Feature> features() {
        List<Feature> out = new ArrayList<>();
        for (Scheduler s : Scheduler.values()) {
            ServiceKey k = ServiceKey.of(Protocol.tcp, "192.0.2.20", 1000 + s.ordinal());
            out.add(new Feature("scheduler " + s, "scheduler " + s,
                    table(service(k, s, masq("198.51.100.20", 80, 1), masq("198.51.100.21", 80, 2)))));
        }
        ServiceKey v6 = ServiceKey.of(Protocol.tcp, "2001:db8::10", 80);
        out.add(new Feature("IPv6 virtual server", "IPv6", table(service(v6, Scheduler.wrr, masq("2001:db8:1::1", 80, 1)))));
        ServiceKey mark6 = ServiceKey.mark(81, true);
        out.add(new Feature("IPv6 firewall-mark service", "IPv6", table(service(mark6, Scheduler.wrr, masq("2001:db8:1::2", 0, 1)))));
        ServiceKey sticky = ServiceKey.of(Protocol.tcp, "192.0.2.30", 80);
        out.add(new Feature("persistence", "persistent", table(new Service(sticky, Scheduler.rr, 300, "255.255.255.0",
                destinations(masq("198.51.100.30", 80, 1))))));
        out.add(new Feature("connection thresholds", "connection thresholds", table(service(ServiceKey.of(Protocol.tcp, "192.0.2.31", 80),
                Scheduler.wrr, masq("198.51.100.31", 80, 1).withThresholds(100, 50)))));
        out.add(new Feature("direct routing", "gate forwarding", table(service(ServiceKey.of(Protocol.tcp, "192.0.2.32", 80),
                Scheduler.wrr, dest("198.51.100.32", 80, ForwardingMethod.gate, 1)))));
        out.add(new Feature("tunnelling", "ipip forwarding", table(service(ServiceKey.of(Protocol.tcp, "192.0.2.33", 80),
                Scheduler.wrr, dest("198.51.100.33", 80, ForwardingMethod.ipip, 1)))));
        out.add(new Feature("direct routing to another port", "gate forwarding", table(service(ServiceKey.of(Protocol.tcp, "192.0.2.34", 80),
                Scheduler.wrr, dest("198.51.100.34", 8080, ForwardingMethod.gate, 1)))));
        out.add(new Feature("tunnelling to another port", "ipip forwarding", table(service(ServiceKey.of(Protocol.tcp, "192.0.2.35", 80),
                Scheduler.wrr, dest("198.51.100.35", 8080, ForwardingMethod.ipip, 1)))));
        out.add(new Feature("firewall-mark real server with a port", "port", table(service(ServiceKey.mark(90, false),
                Scheduler.wrr, masq("198.51.100.36", 8443, 1)))));
        return List.copyOf(out);
    }

    // ---- what a subclass gives -------------------------------------------------------------------------------

    protected abstract DataplaneDriver driver();

    /** Leaves nothing in the kernel, neither lvscp's nor anyone else's; not through the driver. */
    protected abstract void emptyKernel();

    /** Every command the driver ran since {@link #forgetCommands()}, reads included, as {@link CommandLog#spelled}. */
    protected abstract List<String> commands();

    protected abstract void forgetCommands();

    /** Whether a command of {@link #commands()} changes the kernel (anything but a read). */
    protected abstract boolean changesKernel(String command);

    /** Makes {@code drift} to a kernel holding {@link #TABLE}, with the kernel's own tool, behind the driver's back. */
    protected abstract void byHand(Drift drift);

    /** Puts services or tables in the kernel that lvscp did not make, with the kernel's own tool. */
    protected abstract void addForeign();

    /** Those foreign things as the kernel's tool prints them: compared byte for byte. */
    protected abstract String foreign();

    /** The names of the {@link #FEATURES} this driver refuses. */
    protected abstract Set<String> refused();

    /** The exact kernel-changing commands for {@link #TABLE} to {@link #REWEIGHTED}: the least this kernel allows. */
    protected abstract List<String> weightChangeCommands();

    @BeforeEach
    void fromAnEmptyKernel() {
        emptyKernel();
        forgetCommands();
    }

    // ---- the contract ----------------------------------------------------------------------------------------

    @Test
    void fromEmptyAnAppliedTableReadsBackEqual() {
        assertEquals(ServiceTable.EMPTY, driver().read(), "an empty kernel reads as no services");
        assertEquals(List.of(), driver().unsupported(TABLE), "every driver can program the contract's table");
        driver().apply(driver().read(), TABLE);
        assertTrue(commands().stream().anyMatch(this::changesKernel), "the table went into the kernel: " + commands());
        assertEquals(TABLE, driver().read());
    }

    @Test
    void reapplyingChangesNothing() {
        driver().apply(driver().read(), TABLE);
        ServiceTable once = driver().read();
        forgetCommands();

        // Once from what the kernel says (an equal table, not the same object), once from the table itself.
        driver().apply(driver().read(), TABLE);
        driver().apply(TABLE, TABLE);

        assertEquals(List.of(), changes(), "nothing differs, so nothing of the kernel changes");
        assertEquals(once, driver().read());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Drift.class)
    void driftByHandIsReadAndRepaired(Drift drift) {
        driver().apply(driver().read(), TABLE);
        byHand(drift);

        ServiceTable seen = driver().read();
        if (drift == Drift.FLUSHED) {
            assertEquals(ServiceTable.EMPTY, seen, "a flushed kernel reads as empty");
        } else {
            for (Service s : TABLE.services().values()) {
                if (!s.key().equals(WEB)) assertEquals(s, seen.services().get(s.key()), "only the web service drifted");
            }
            List<String> changes = Changes.between(seen, TABLE);
            assertTrue(changes.stream().anyMatch(c -> c.contains(drift.destination)), drift + " shows in read(): " + changes);
        }

        driver().apply(seen, TABLE);
        assertEquals(TABLE, driver().read(), "apply(read(), desired) repairs " + drift);
        forgetCommands();
        driver().apply(driver().read(), TABLE);
        assertEquals(List.of(), changes(), "repaired for good: the next pass has nothing to do");
    }

    @Test
    void foreignServicesAndTablesAreLeftByteForByte() {
        addForeign();
        String foreign = foreign();
        assertFalse(foreign.isBlank(), "the foreign part is there to compare");
        OwnedServices owned = new OwnedServices(null);
        ServiceTable smaller = new ServiceTable(new TreeMap<>(REWEIGHTED.services().headMap(TLS)));

        // Added, changed (a weight, a service gone), then all removed: lvscp's part each time, and nothing else.
        for (ServiceTable want : List.of(TABLE, smaller, ServiceTable.EMPTY)) {
            OwnedApply.apply(driver(), owned, want);
            assertEquals(foreign, foreign(), "after applying " + want.services().keySet());
            ServiceTable kernel = driver().read();
            assertEquals(want, OwnedApply.mine(owned, kernel, want));
        }
        assertEquals(Set.of(), TABLE.services().keySet().stream().filter(driver().read().services()::containsKey).collect(Collectors.toSet()),
                "nothing of lvscp's is left");
    }

    @Test
    void unsupportedFeaturesAreNamedBeforeAnyCommandRuns() {
        Set<String> known = FEATURES.stream().map(Feature::name).collect(Collectors.toSet());
        assertTrue(known.containsAll(refused()), "refuses only features the contract knows: " + refused());
        driver().apply(driver().read(), TABLE);
        ServiceTable before = driver().read();
        forgetCommands();

        SortedMap<ServiceKey, Service> programmable = new TreeMap<>(TABLE.services());
        for (Feature f : FEATURES) {
            List<String> why = driver().unsupported(f.table());
            if (refused().contains(f.name())) {
                assertFalse(why.isEmpty(), driver().name() + " cannot program " + f.name() + " and must say so");
                for (String reason : why) assertTrue(reason.contains(f.named()), f.name() + ": the reason names '" + f.named() + "': " + reason);
            } else {
                assertEquals(List.of(), why, driver().name() + " programs " + f.name());
                programmable.putAll(f.table().services());
            }
        }
        assertEquals(List.of(), commands(), "deciding ran nothing on the kernel");
        assertEquals(before, driver().read());

        // What a driver does not refuse, it programs: all of it at once, read back as given.
        ServiceTable all = new ServiceTable(programmable);
        assertEquals(List.of(), driver().unsupported(all));
        driver().apply(driver().read(), all);
        assertEquals(all, driver().read());
    }

    @Test
    void aWeightOnlyChangeIsMinimal() {
        driver().apply(driver().read(), TABLE);
        forgetCommands();

        driver().apply(driver().read(), REWEIGHTED);

        assertEquals(weightChangeCommands(), changes());
        assertEquals(REWEIGHTED, driver().read());
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** The commands since the last forget that changed the kernel. */
    protected List<String> changes() {
        return commands().stream().filter(this::changesKernel).toList();
    }

    public static String server(int i) {
        return "10.11.12." + i;
    }

    public static Destination masq(String address, int port, int weight) {
        return dest(address, port, ForwardingMethod.masq, weight);
    }

    public static Destination dest(String address, int port, ForwardingMethod forwarding, int weight) {
        return new Destination(address, port, forwarding, weight, 0, 0);
    }

    public static Service service(ServiceKey key, Scheduler scheduler, Destination... destinations) {
        return new Service(key, scheduler, 0, null, destinations(destinations));
    }

    private static SortedMap<String, Destination> destinations(Destination... destinations) {
        SortedMap<String, Destination> out = new TreeMap<>();
        for (Destination d : destinations) out.put(d.key(), d);
        return out;
    }

    public static ServiceTable table(Service... services) {
        SortedMap<ServiceKey, Service> out = new TreeMap<>();
        for (Service s : services) out.put(s.key(), s);
        return new ServiceTable(out);
    }

    /** {@code table} with the real servers of {@code key} given these weights, in their order. */
    public static ServiceTable withWeights(ServiceTable table, ServiceKey key, int... weights) {
        Service s = table.services().get(key);
        List<Destination> ds = List.copyOf(s.destinations().values());
        if (ds.size() != weights.length) throw new IllegalArgumentException(key + " has " + ds.size() + " real servers");
        SortedMap<String, Destination> out = new TreeMap<>();
        for (int i = 0; i < weights.length; i++) {
            Destination d = ds.get(i);
            out.put(d.key(), new Destination(d.address(), d.port(), d.forwarding(), weights[i], d.upperThreshold(), d.lowerThreshold()));
        }
        SortedMap<ServiceKey, Service> services = new TreeMap<>(table.services());
        services.put(key, new Service(key, s.scheduler(), s.persistenceSeconds(), s.persistenceNetmask(), out));
        return new ServiceTable(services);
    }
}
