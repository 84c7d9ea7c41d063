package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.dataplane.ipvs.IpvsadmSaveParser.HostPort;
import io.lvscp.api.model.Protocol;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads {@code ipvsadm -Ln --thresholds --exact} (ipvsadm 1.31 on kernel 6.1, seen in the VM test), the one listing
 * that shows the real servers' connection thresholds, which {@code ipvsadm -S} leaves out:
 * <pre>
 * IP Virtual Server version 1.2.1 (size=4096)
 * Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn
 *   -> RemoteAddress:Port
 * TCP  192.0.2.10:80 wlc persistent 300 mask 255.255.255.0
 *   -> 198.51.100.1:8080            100        50         0          0
 * FWM  -1 fo
 *   -> 198.51.100.9:0               7          0          0          0
 * FWM  82 IPv6 rr
 *   -> [2001:db8::5]:0              9          9          0          0
 * </pre>
 * Each service line is followed by its real servers. Marks are printed as signed numbers, as by {@code -S}; SCTP
 * services are skipped with their real servers, as {@link IpvsadmSaveParser} skips them.
 */
final class IpvsThresholdsParser {
    /** Connection thresholds of one real server, 0 for none. */
    record Thresholds(int upper, int lower) {}

    private IpvsThresholdsParser() {}

    /** Thresholds by service, then by {@link Destination#key()}. */
    static Map<ServiceKey, Map<String, Thresholds>> parse(String listing) {
        Map<ServiceKey, Map<String, Thresholds>> out = new HashMap<>();
        Map<String, Thresholds> service = null;
        boolean inService = false;
        int number = 0;
        for (String raw : listing.split("\n")) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("IP Virtual Server ") || line.startsWith("Prot ") || line.equals("-> RemoteAddress:Port")) continue;
            String[] f = line.split("\\s+");
            try {
                if (f[0].equals("->")) {
                    if (!inService) throw new IllegalArgumentException("real server before any service");
                    if (service == null) continue; // of a service lvscp does not model
                    if (f.length < 4) throw new IllegalArgumentException("no thresholds");
                    HostPort hp = HostPort.of(f[1]);
                    service.put(Destination.key(hp.address(), hp.port()), new Thresholds(threshold(f[2]), threshold(f[3])));
                } else {
                    ServiceKey key = serviceKey(f);
                    inService = true;
                    service = key == null ? null : out.computeIfAbsent(key, k -> new HashMap<>());
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("ipvsadm -Ln --thresholds line " + number + " '" + IpvsAddresses.printable(line)
                        + "': " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** "TCP 192.0.2.1:80 ...", "UDP [2001:db8::1]:53 ...", "FWM 80 [IPv6] ..."; null for SCTP. */
    private static ServiceKey serviceKey(String[] f) {
        if (f.length < 2) throw new IllegalArgumentException("not a service line");
        return switch (f[0]) {
            case "TCP" -> address(Protocol.tcp, f[1]);
            case "UDP" -> address(Protocol.udp, f[1]);
            // Marks are unsigned 32-bit; ipvsadm prints them with %d, so 4294967295 reads "-1".
            case "FWM" -> ServiceKey.mark(Integer.toUnsignedLong((int) Long.parseLong(f[1])), f.length > 2 && f[2].equals("IPv6"));
            case "SCTP" -> null;
            default -> throw new IllegalArgumentException("not a service line");
        };
    }

    private static ServiceKey address(Protocol protocol, String text) {
        HostPort hp = HostPort.of(text);
        return ServiceKey.of(protocol, hp.address(), hp.port());
    }

    /**
     * A threshold as ipvsadm prints it, unsigned 32-bit. One above 2^31-1, which netlink but not ipvsadm can set,
     * reads as 2^31-1: no value lvscp asks for either, so it is still seen as drift.
     */
    static int threshold(String text) {
        long value = Long.parseLong(text);
        if (value < 0 || value > 0xffffffffL) throw new IllegalArgumentException("threshold " + text + " out of range");
        return (int) Math.min(value, Integer.MAX_VALUE);
    }

    /**
     * The table with each real server's thresholds from the listing. A real server the listing lacks (removed between
     * the two commands) keeps what the table says; the next pass reads the kernel again.
     */
    static ServiceTable merge(ServiceTable table, Map<ServiceKey, Map<String, Thresholds>> thresholds) {
        SortedMap<ServiceKey, Service> services = new TreeMap<>();
        for (Service s : table.services().values()) {
            Map<String, Thresholds> listed = thresholds.getOrDefault(s.key(), Map.of());
            SortedMap<String, Destination> dests = new TreeMap<>();
            for (Destination d : s.destinations().values()) {
                Thresholds t = listed.get(d.key());
                dests.put(d.key(), t == null ? d : d.withThresholds(t.upper(), t.lower()));
            }
            services.put(s.key(), new Service(s.key(), s.scheduler(), s.persistenceSeconds(), s.persistenceNetmask(), dests));
        }
        return new ServiceTable(services);
    }
}
