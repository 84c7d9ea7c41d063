package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.RealServer;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@code ipvsadm -R} script that turns one table into another, naming only what differs. ipvsadm -R runs
 * every line even after one fails, so the lines come in an order in which none depends on a later one: deleted
 * services, deleted real servers, edited services, added services, edited real servers, added real servers.
 * Both tables must hold addresses as {@link IpvsAddresses#canonical} spells them.
 * <p>
 * Every value is checked again here although the models were validated: a value starting with '-' would be read
 * as an option, and a newline would start a command of its own.
 */
final class IpvsBatch {
    private static final long MAX_MARK = 0xffffffffL;
    private static final int MAX_WEIGHT = 65535;
    private static final int MAX_PERSISTENCE = 31 * 86400; // ipvsadm refuses a longer -p

    private IpvsBatch() {}

    static String between(ServiceTable actual, ServiceTable desired) {
        SortedMap<ServiceKey, Service> have = actual.services();
        SortedMap<ServiceKey, Service> want = desired.services();
        List<String> deleteServices = new ArrayList<>(), deleteServers = new ArrayList<>(), editServices = new ArrayList<>(),
                addServices = new ArrayList<>(), editServers = new ArrayList<>(), addServers = new ArrayList<>();

        for (ServiceKey k : have.keySet()) if (!want.containsKey(k)) deleteServices.add("-D " + service(k));
        for (Service w : want.values()) {
            Service h = have.get(w.key());
            if (h == w) continue; // the same object: unchanged (DesiredTable.Cache)
            if (h == null) addServices.add("-A " + service(w.key()) + scheduling(w));
            else if (!sameScheduling(h, w)) editServices.add("-E " + service(w.key()) + scheduling(w));
            SortedMap<String, Destination> hd = h == null ? new TreeMap<>() : h.destinations();
            for (Destination d : hd.values()) {
                if (!w.destinations().containsKey(d.key())) deleteServers.add("-d " + service(w.key()) + " -r " + server(d));
            }
            for (Destination d : w.destinations().values()) {
                Destination current = hd.get(d.key());
                if (current == null) addServers.add("-a " + service(w.key()) + destination(d));
                else if (!current.equals(d)) editServers.add("-e " + service(w.key()) + destination(d));
            }
        }
        StringBuilder script = new StringBuilder();
        for (List<String> lines : List.of(deleteServices, deleteServers, editServices, addServices, editServers, addServers)) {
            for (String line : lines) script.append(line).append('\n');
        }
        return script.toString();
    }

    /** "-t 192.0.2.1:80", "-u [2001:db8::1]:53", "-f 80", "-f 80 -6". */
    private static String service(ServiceKey k) {
        if (k.isMark()) {
            check(k.firewallMark() >= 1 && k.firewallMark() <= MAX_MARK, "firewall mark " + k.firewallMark() + " out of range");
            return "-f " + k.firewallMark() + (k.ipv6() ? " -6" : "");
        }
        check(k.protocol() != null, "no protocol in " + k);
        String option = switch (k.protocol()) {
            case tcp -> "-t ";
            case udp -> "-u ";
        };
        return option + hostPort(k.address(), k.port());
    }

    /** Persistence is spelled out in full, netmask included, so an edit also resets what it leaves at a default. */
    private static String scheduling(Service s) {
        check(s.scheduler() != null, "no scheduler for " + s.key());
        String line = " -s " + s.scheduler().name();
        if (s.persistenceSeconds() == 0) return line;
        check(s.persistenceSeconds() > 0 && s.persistenceSeconds() <= MAX_PERSISTENCE,
                "persistence of " + s.persistenceSeconds() + " s out of range in " + s.key());
        return line + " -p " + s.persistenceSeconds() + " -M " + netmask(s);
    }

    /**
     * ipvsadm -e sets every field of a real server from its line, a threshold left out being 0 (ipvsadm 1.31, checked
     * in the VM test), so leaving out a zero threshold also clears one set by hand.
     */
    private static String destination(Destination d) {
        check(d.weight() >= 0 && d.weight() <= MAX_WEIGHT, "weight " + d.weight() + " of " + d.key() + " out of range");
        check(d.forwarding() != null, "no forwarding method for " + d.key());
        check(d.upperThreshold() >= 0 && d.upperThreshold() <= RealServer.MAX_THRESHOLD,
                "upper threshold " + d.upperThreshold() + " of " + d.key() + " out of range");
        check(d.lowerThreshold() >= 0 && d.lowerThreshold() <= RealServer.MAX_THRESHOLD,
                "lower threshold " + d.lowerThreshold() + " of " + d.key() + " out of range");
        // The kernel refuses a lower threshold above the upper one (ERANGE), a lower one without an upper one (0) included.
        check(d.lowerThreshold() <= d.upperThreshold(),
                "lower threshold " + d.lowerThreshold() + " of " + d.key() + " above its upper threshold " + d.upperThreshold());
        String forwarding = switch (d.forwarding()) {
            case masq -> "-m";
            case gate -> "-g";
            case ipip -> "-i";
        };
        return " -r " + server(d) + " " + forwarding + " -w " + d.weight()
                + (d.upperThreshold() > 0 ? " -x " + d.upperThreshold() : "")
                + (d.lowerThreshold() > 0 ? " -y " + d.lowerThreshold() : "");
    }

    private static String server(Destination d) {
        return hostPort(d.address(), d.port());
    }

    private static String hostPort(String address, int port) {
        check(port >= 0 && port <= 65535, "port " + port + " out of range");
        String a = IpvsAddresses.canonical(address);
        return (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + port;
    }

    /** The netmask a service persists by, the host mask when none is given (which is what the kernel does). */
    private static String netmask(Service s) {
        String mask = s.persistenceNetmask() == null ? (s.key().ipv6() ? "128" : "255.255.255.255") : s.persistenceNetmask();
        check(IpAddresses.prefixLength(mask, s.key().ipv6()).isPresent(),
                "persistence netmask '" + IpvsAddresses.printable(mask) + "' of " + s.key() + " is not a netmask");
        return mask;
    }

    /** Whether -E has nothing to change. Without persistence the netmask means nothing. */
    private static boolean sameScheduling(Service a, Service b) {
        return a.scheduler() == b.scheduler() && a.persistenceSeconds() == b.persistenceSeconds()
                && (a.persistenceSeconds() == 0 || netmask(a).equals(netmask(b)));
    }

    private static void check(boolean ok, String problem) {
        if (!ok) throw new IllegalArgumentException(problem);
    }
}
