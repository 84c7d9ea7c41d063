package io.lvscp.agent.dataplane;

import io.lvscp.agent.dataplane.contract.DriverContract;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.Scheduler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The recording driver keeps the contract in memory: its table is its kernel, {@link RecordingDriver#byHand} the
 * operator's tool, and its writes the commands. It refuses nothing: every feature goes in and reads back. No
 * kernel, so no traffic test.
 */
class RecordingDriverContractTest extends DriverContract {
    private static final ServiceKey FOREIGN = ServiceKey.of(Protocol.tcp, VIP, 25);

    private final List<String> writes = Collections.synchronizedList(new ArrayList<>());
    private final RecordingDriver driver = new RecordingDriver(writes::add);

    @Override
    protected DataplaneDriver driver() {
        return driver;
    }

    @Override
    protected void emptyKernel() {
        driver.byHand(t -> ServiceTable.EMPTY);
    }

    @Override
    protected List<String> commands() {
        return List.copyOf(writes);
    }

    @Override
    protected void forgetCommands() {
        writes.clear();
    }

    @Override
    protected boolean changesKernel(String command) {
        return true; // it writes nothing but changes; reads are not logged
    }

    @Override
    protected void byHand(Drift drift) {
        driver.byHand(t -> switch (drift) {
            case DESTINATION_DELETED -> edit(t, WEB, s -> s.remove(drift.destination));
            case WEIGHT_CHANGED -> edit(t, WEB, s -> s.put(drift.destination, masq(server(1), 80, 5)));
            case FLUSHED -> ServiceTable.EMPTY;
        });
    }

    @Override
    protected void addForeign() {
        driver.byHand(t -> {
            SortedMap<ServiceKey, Service> all = new TreeMap<>(t.services());
            all.put(FOREIGN, service(FOREIGN, Scheduler.lc, masq(server(9), 25, 3)));
            return new ServiceTable(all);
        });
    }

    @Override
    protected String foreign() {
        return String.valueOf(driver.read().services().get(FOREIGN));
    }

    @Override
    protected Set<String> refused() {
        return Set.of();
    }

    @Override
    protected List<String> weightChangeCommands() {
        return List.of("edit 10.11.12.1:80 in tcp 192.168.26.10:80: masq weight 4");
    }

    private static ServiceTable edit(ServiceTable t, ServiceKey key, java.util.function.Consumer<SortedMap<String, Destination>> change) {
        Service s = t.services().get(key);
        SortedMap<String, Destination> ds = new TreeMap<>(s.destinations());
        change.accept(ds);
        SortedMap<ServiceKey, Service> all = new TreeMap<>(t.services());
        all.put(key, new Service(key, s.scheduler(), s.persistenceSeconds(), s.persistenceNetmask(), ds));
        return new ServiceTable(all);
    }
}
