package io.lvscp.agent.dataplane;

import io.lvscp.api.model.*;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The load-balancing table a cluster's desired state asks for, given what the health checks say:
 * <ul>
 *   <li>inactive virtual servers are absent;</li>
 *   <li>drained real servers stay with weight 0, so their established connections finish (LVS quiescing) while
 *       new ones go elsewhere; an operator's drain wins over any health verdict;</li>
 *   <li>a failed real server is removed, or kept with weight 0 when its virtual server quiesces on failure
 *       (Piranha's quiesce_server, keepalived's inhibit_on_failure);</li>
 *   <li>with fewer healthy real servers than the virtual server's quorum, all of them are withdrawn (keepalived's
 *       quorum): a pool too small to carry the load would only fail slowly;</li>
 *   <li>when no real server is left to take new connections, the sorry server (if any) takes them.</li>
 * </ul>
 */
public final class DesiredTable {
    private DesiredTable() {}

    public static ServiceTable from(ClusterState state) {
        return from(state, HealthView.ALL_HEALTHY);
    }

    public static ServiceTable from(ClusterState state, HealthView health) {
        SortedMap<ServiceKey, Service> services = new TreeMap<>();
        if (!state.exists()) return new ServiceTable(services);
        for (VirtualServerState vs : state.virtualServers().values()) {
            Service s = service(vs, health);
            if (s != null) services.put(s.key(), s);
        }
        return new ServiceTable(services);
    }

    /**
     * Tables for a cluster that changes a little at a time. The state's persistent maps keep a virtual server that a
     * revision did not touch as the very same object, so its service is made again only when the object or its
     * servers' health verdicts differ: a pass for one change at 10,000 virtual servers builds one service, not all
     * (and parses one service's addresses, not 110,000). The unchanged services are the same objects as before,
     * which the diffs then pass over at the cost of a reference comparison. Confined to the reconciler's thread.
     */
    public static final class Cache {
        private record Entry(VirtualServerState vs, java.util.Set<String> failing, Service service) {}

        private Map<String, Entry> entries = new java.util.HashMap<>();

        public ServiceTable from(ClusterState state, HealthView health) {
            SortedMap<ServiceKey, Service> services = new TreeMap<>();
            Map<String, Entry> next = new java.util.HashMap<>();
            if (state.exists()) {
                for (VirtualServerState vs : state.virtualServers().values()) {
                    java.util.Set<String> failing = failing(vs, health);
                    Entry e = entries.get(vs.spec().name());
                    if (e == null || e.vs() != vs || !e.failing().equals(failing)) e = new Entry(vs, failing, service(vs, health));
                    next.put(vs.spec().name(), e);
                    if (e.service() != null) services.put(e.service().key(), e.service());
                }
            }
            entries = next;
            return new ServiceTable(services);
        }

        private static java.util.Set<String> failing(VirtualServerState vs, HealthView health) {
            java.util.Set<String> out = null;
            for (RealServer rs : vs.realServers().values()) {
                if (!health.healthy(vs.spec().name(), rs.name())) {
                    if (out == null) out = new java.util.HashSet<>();
                    out.add(rs.name());
                }
            }
            return out == null ? java.util.Set.of() : out;
        }
    }

    /** The service one virtual server asks for, or null when it is inactive. */
    private static Service service(VirtualServerState vs, HealthView health) {
        VirtualServerSpec s = vs.spec();
        if (!s.isActive()) return null;
        boolean ipv6 = s.address().indexOf(':') >= 0;
        ServiceKey key = s.firewallMark() != null ? ServiceKey.mark(s.firewallMark(), ipv6)
                : ServiceKey.of(s.protocol(), canonical(s.address()), s.port());
        SortedMap<String, Destination> dests = new TreeMap<>();
        int healthy = 0;
        for (RealServer rs : vs.realServers().values()) {
            if (rs.state() == RealServerState.active && health.healthy(s.name(), rs.name())) healthy++;
        }
        boolean quorate = s.quorum() == null || healthy >= s.quorum();
        boolean anyServing = false;
        for (RealServer rs : quorate ? vs.realServers().values() : java.util.List.<RealServer>of()) {
            boolean drained = rs.state() == RealServerState.drained;
            boolean failed = !drained && !health.healthy(s.name(), rs.name());
            if (failed && !Boolean.TRUE.equals(s.quiesceOnFailure())) continue;
            int weight = drained || failed ? 0 : rs.weight();
            anyServing |= weight > 0;
            Destination d = new Destination(canonical(rs.address()), rs.port() == null ? 0 : rs.port(), rs.forwarding(), weight,
                    threshold(rs.upperThreshold()), threshold(rs.lowerThreshold()));
            dests.put(d.key(), d);
        }
        if (!anyServing && s.sorryServer() != null) {
            SorryServer sorry = s.sorryServer();
            int port = sorry.port() != null ? sorry.port() : s.port() == null ? 0 : s.port();
            Destination d = new Destination(canonical(sorry.address()), port, ForwardingMethod.masq, 1, 0, 0);
            dests.put(d.key(), d);
        }
        Persistence p = s.persistence();
        return new Service(key, s.scheduler(), p == null ? 0 : p.timeoutSeconds(), p == null ? null : p.netmask(), dests);
    }

    // A real server last written before lvscp had thresholds carries none (an old event, a state saved by an older
    // agent, an older control plane): it has no threshold, as the kernel's 0 says.
    private static int threshold(Integer value) {
        return value == null ? RealServer.NO_THRESHOLD : value;
    }

    // Spelled as the kernel prints addresses, so that desired and read-back tables compare equal.
    private static String canonical(String address) {
        return IpAddresses.canonical(address).orElse(address);
    }

    /** The names of the virtual servers behind each service key, for errors and metrics. */
    public static Map<ServiceKey, String> names(ClusterState state) {
        Map<ServiceKey, String> out = new TreeMap<>();
        for (VirtualServerState vs : state.virtualServers().values()) {
            VirtualServerSpec s = vs.spec();
            boolean ipv6 = s.address().indexOf(':') >= 0;
            out.put(s.firewallMark() != null ? ServiceKey.mark(s.firewallMark(), ipv6)
                    : ServiceKey.of(s.protocol(), canonical(s.address()), s.port()), s.name());
        }
        return out;
    }
}
