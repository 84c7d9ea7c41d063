package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.api.model.IpAddresses;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Addresses in the one spelling ipvsadm prints (glibc's inet_ntop): IPv4 as is, IPv6 lower case with the longest
 * run of two or more zero groups written "::". The diff keys services and real servers by these strings, so a
 * desired "2001:DB8:0::1" must become "2001:db8::1" before it meets what the kernel reports.
 */
final class IpvsAddresses {
    private IpvsAddresses() {}

    /** The table with every address spelled canonically; refuses a table holding anything but address literals. */
    static ServiceTable canonical(ServiceTable table) {
        SortedMap<ServiceKey, Service> services = new TreeMap<>();
        for (Service s : table.services().values()) {
            ServiceKey k = s.key().isMark() ? s.key()
                    : ServiceKey.of(s.key().protocol(), canonical(s.key().address()), s.key().port());
            SortedMap<String, Destination> dests = new TreeMap<>();
            for (Destination d : s.destinations().values()) {
                Destination c = new Destination(canonical(d.address()), d.port(), d.forwarding(), d.weight(), d.upperThreshold(), d.lowerThreshold());
                dests.put(c.key(), c);
            }
            services.put(k, new Service(k, s.scheduler(), s.persistenceSeconds(), s.persistenceNetmask(), dests));
        }
        return new ServiceTable(services);
    }

    /** The canonical spelling of an address literal; anything else (a name, an option) is refused. */
    static String canonical(String literal) {
        return IpAddresses.canonical(literal).orElseThrow(
                () -> new IllegalArgumentException("not an IP address literal: " + printable(literal)));
    }

    /** For error messages: the value with control characters shown, so a log line stays one line. */
    static String printable(String s) {
        if (s == null) return "null";
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(c -> out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c) : Character.toString(c)));
        return out.toString();
    }
}
