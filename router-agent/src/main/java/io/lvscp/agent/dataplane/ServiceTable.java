package io.lvscp.agent.dataplane;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything a driver programs: the load-balancing table, the common language of the ipvs and nftables drivers,
 * of the reconciler's diff and of the drift check. Two tables are equal when the kernel would behave the same.
 */
public record ServiceTable(SortedMap<ServiceKey, Service> services) {
    public static final ServiceTable EMPTY = new ServiceTable(Collections.emptySortedMap());

    public ServiceTable {
        services = Collections.unmodifiableSortedMap(new TreeMap<>(services));
    }

    public int destinationCount() {
        return services.values().stream().mapToInt(s -> s.destinations().size()).sum();
    }
}
