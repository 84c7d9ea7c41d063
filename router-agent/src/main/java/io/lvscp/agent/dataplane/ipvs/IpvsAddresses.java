package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.api.model.IpAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
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
                Destination c = new Destination(canonical(d.address()), d.port(), d.forwarding(), d.weight());
                dests.put(c.key(), c);
            }
            services.put(k, new Service(k, s.scheduler(), s.persistenceSeconds(), s.persistenceNetmask(), dests));
        }
        return new ServiceTable(services);
    }

    /** The canonical spelling of an address literal; anything else (a name, an option) is refused. */
    static String canonical(String literal) {
        InetAddress a = IpAddresses.parse(literal).orElseThrow(
                () -> new IllegalArgumentException("not an IP address literal: " + printable(literal)));
        // Inet4Address.getHostAddress() is already dotted decimal; only IPv6 has several spellings.
        return a instanceof Inet6Address v6 ? ipv6(v6.getAddress()) : a.getHostAddress();
    }

    private static String ipv6(byte[] b) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        if (bestLen < 2) bestStart = -1;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLen - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') out.append(':');
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    /** For error messages: the value with control characters shown, so a log line stays one line. */
    static String printable(String s) {
        if (s == null) return "null";
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(c -> out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c) : Character.toString(c)));
        return out.toString();
    }
}
