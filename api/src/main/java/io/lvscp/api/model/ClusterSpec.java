package io.lvscp.api.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A cluster's whole desired configuration as one document (GET and PUT /v1/clusters/{cluster}/spec): its settings,
 * routers, virtual servers with their real servers, and firewall marks. No revision and no status: the document says
 * what the cluster should be, so that what one reads can be kept in a file and applied again unchanged (the revision
 * travels in ETag). A list left out is empty: the document is the whole cluster. The server reads and writes it
 * (GET/PUT /v1/clusters/{cluster}/spec); {@code lvscp import} makes it from lvs.cf and keepalived.conf.
 */
public record ClusterSpec(String name, RoutingMethod routingMethod, NatRouter natRouter, Heartbeat heartbeat,
                          ConnectionSync connectionSync, List<Router> routers, List<VirtualServer> virtualServers,
                          List<FirewallMark> firewallMarks) {

    /** A virtual server's own settings and its real servers, as one object of the document. */
    public record VirtualServer(String name, String address, String netmask, String device, Integer port, Protocol protocol,
                                Long firewallMark, Scheduler scheduler, Persistence persistence, HealthCheck healthCheck,
                                Boolean quiesceOnFailure, SorryServer sorryServer, Boolean active, Integer quorum,
                                List<RealServer> realServers) {
        public VirtualServerSpec spec() {
            return new VirtualServerSpec(name, address, netmask, device, port, protocol, firewallMark, scheduler, persistence,
                    healthCheck, quiesceOnFailure, sorryServer, active, quorum);
        }

        /** A virtual server of the document from its own settings and its real servers (importers build them so). */
        public static VirtualServer of(VirtualServerSpec s, List<RealServer> realServers) {
            return new VirtualServer(s.name(), s.address(), s.netmask(), s.device(), s.port(), s.protocol(), s.firewallMark(),
                    s.scheduler(), s.persistence(), s.healthCheck(), s.quiesceOnFailure(), s.sorryServer(), s.active(), s.quorum(),
                    List.copyOf(realServers));
        }

        static VirtualServer of(VirtualServerState vs) {
            VirtualServerSpec s = vs.spec();
            return new VirtualServer(s.name(), s.address(), s.netmask(), s.device(), s.port(), s.protocol(), s.firewallMark(),
                    s.scheduler(), s.persistence(), s.healthCheck(), s.quiesceOnFailure(), s.sorryServer(), s.active(), s.quorum(),
                    new ArrayList<>(vs.realServers().values()));
        }
    }

    /** The document of a cluster's state, every default written out, so that applying it again changes nothing. */
    public static ClusterSpec of(ClusterState c) {
        ClusterSettings s = c.settings();
        return new ClusterSpec(c.name(), s.routingMethod(), s.natRouter(), s.heartbeat(), s.connectionSync(),
                new ArrayList<>(c.routers().values()),
                c.virtualServers().values().stream().map(VirtualServer::of).toList(),
                new ArrayList<>(c.firewallMarks().values()));
    }

    public static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
