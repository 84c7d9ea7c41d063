package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.Scheduler;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** Short spellings of tables for the ipvs tests, in the shape DesiredTable produces. */
final class Tables {
    private Tables() {}

    static final ServiceKey WEB = tcp("192.0.2.10", 80);
    static final ServiceKey DNS = udp("192.0.2.10", 53);
    static final ServiceKey TLS = tcp("192.0.2.11", 443);
    static final ServiceKey WEB6 = tcp("2001:db8::10", 80);
    static final ServiceKey DNS6 = udp("2001:db8::10", 53);
    static final ServiceKey MARK = mark(80);
    static final ServiceKey MARK6 = mark6(81);

    /**
     * A router's table with every feature: TCP, UDP and firewall marks, IPv4 and IPv6; NAT, direct routing and
     * tunnels (one across address families); drained servers (weight 0); persistence with a netmask and without;
     * connection thresholds, upper and lower, upper alone, and equal.
     */
    static final ServiceTable SAMPLE = table(
            persistent(WEB, Scheduler.wlc, 300, "255.255.255.0", limited(masq("198.51.100.1", 8080, 3), 100, 50), masq("198.51.100.2", 8080, 0)),
            service(DNS, Scheduler.rr, gate("198.51.100.3", 53, 1), gate("198.51.100.4", 53, 2)),
            persistent(TLS, Scheduler.sh, 60, "255.255.255.255", ipip("203.0.113.5", 443, 5)),
            persistent(WEB6, Scheduler.mh, 120, "64", masq("2001:db8:1::1", 80, 1), limited(masq("2001:db8:1::2", 8080, 2), 9, 9),
                    ipip("203.0.113.9", 80, 1)),
            service(DNS6, Scheduler.wrr, gate("2001:db8:3::1", 53, 10)),
            persistent(MARK, Scheduler.rr, 600, "255.255.255.255", gate("198.51.100.5", 0, 1), limited(ipip("198.51.100.6", 0, 4), 5, 0),
                    masq("198.51.100.7", 8443, 1)),
            service(MARK6, Scheduler.lc, gate("2001:db8:2::1", 0, 1)));

    static ServiceKey tcp(String address, int port) {
        return ServiceKey.of(Protocol.tcp, address, port);
    }

    static ServiceKey udp(String address, int port) {
        return ServiceKey.of(Protocol.udp, address, port);
    }

    static ServiceKey mark(long mark) {
        return ServiceKey.mark(mark, false);
    }

    static ServiceKey mark6(long mark) {
        return ServiceKey.mark(mark, true);
    }

    static Service service(ServiceKey key, Scheduler scheduler, Destination... destinations) {
        return persistent(key, scheduler, 0, null, destinations);
    }

    static Service persistent(ServiceKey key, Scheduler scheduler, int seconds, String netmask, Destination... destinations) {
        SortedMap<String, Destination> dests = new TreeMap<>();
        for (Destination d : destinations) dests.put(d.key(), d);
        return new Service(key, scheduler, seconds, netmask, dests);
    }

    static Destination masq(String address, int port, int weight) {
        return new Destination(address, port, ForwardingMethod.masq, weight, 0, 0);
    }

    static Destination gate(String address, int port, int weight) {
        return new Destination(address, port, ForwardingMethod.gate, weight, 0, 0);
    }

    static Destination ipip(String address, int port, int weight) {
        return new Destination(address, port, ForwardingMethod.ipip, weight, 0, 0);
    }

    /** The real server with connection thresholds (ipvsadm -x, -y). */
    static Destination limited(Destination d, int upper, int lower) {
        return d.withThresholds(upper, lower);
    }

    static ServiceTable table(Service... services) {
        SortedMap<ServiceKey, Service> map = new TreeMap<>();
        Arrays.stream(services).forEach(s -> map.put(s.key(), s));
        return new ServiceTable(map);
    }

    /** The table with one service replaced (or added) by what {@code change} makes of it. */
    static ServiceTable with(ServiceTable table, ServiceKey key, UnaryOperator<Service> change) {
        SortedMap<ServiceKey, Service> map = new TreeMap<>(table.services());
        map.put(key, change.apply(map.get(key)));
        return new ServiceTable(map);
    }

    static ServiceTable without(ServiceTable table, ServiceKey key) {
        SortedMap<ServiceKey, Service> map = new TreeMap<>(table.services());
        map.remove(key);
        return new ServiceTable(map);
    }

    static Service withDestination(Service s, Destination d) {
        SortedMap<String, Destination> dests = new TreeMap<>(s.destinations());
        dests.put(d.key(), d);
        return new Service(s.key(), s.scheduler(), s.persistenceSeconds(), s.persistenceNetmask(), dests);
    }

    static Service withoutDestination(Service s, String destinationKey) {
        SortedMap<String, Destination> dests = new TreeMap<>(s.destinations());
        dests.remove(destinationKey);
        return new Service(s.key(), s.scheduler(), s.persistenceSeconds(), s.persistenceNetmask(), dests);
    }

    static Service withPersistence(Service s, int seconds, String netmask) {
        return new Service(s.key(), s.scheduler(), seconds, netmask, s.destinations());
    }

    /** n TCP services on 192.0.2.1 with two NAT real servers each, persistent every third: a large router's table. */
    static ServiceTable big(int n) {
        SortedMap<ServiceKey, Service> map = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            ServiceKey k = tcp("192.0.2.1", 10_000 + i);
            map.put(k, persistent(k, Scheduler.values()[i % 4], i % 3 == 0 ? 300 : 0, i % 3 == 0 ? "255.255.255.0" : null,
                    masq("198.51.100." + (1 + i % 200), 8000 + i, 1 + i % 5), masq("203.0.113." + (1 + i % 200), 8000 + i, 1)));
        }
        return new ServiceTable(map);
    }

    /** The table with the weight of the first real server of its middle service raised by one. */
    static ServiceTable withOneWeightChanged(ServiceTable table) {
        ServiceKey middle = new java.util.ArrayList<>(table.services().keySet()).get(table.services().size() / 2);
        return with(table, middle, s -> {
            Destination d = s.destinations().values().iterator().next();
            return withDestination(s, new Destination(d.address(), d.port(), d.forwarding(), d.weight() + 1, d.upperThreshold(), d.lowerThreshold()));
        });
    }

    static Service withScheduler(Service s, Scheduler scheduler) {
        return new Service(s.key(), scheduler, s.persistenceSeconds(), s.persistenceNetmask(), s.destinations());
    }
}
