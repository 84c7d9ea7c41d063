package io.lvscp.cli.imports;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.lvscp.api.model.ConnectionSync;
import io.lvscp.api.model.FirewallMark;
import io.lvscp.api.model.HealthCheck;
import io.lvscp.api.model.Heartbeat;
import io.lvscp.api.model.NatRouter;
import io.lvscp.api.model.Persistence;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.Router;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.Scheduler;
import io.lvscp.api.model.SorryServer;
import io.lvscp.api.model.VirtualServerSpec;

import java.util.List;

/**
 * A whole cluster in one document: its settings ({@link io.lvscp.api.model.ClusterSettings}'s fields), its routers,
 * its virtual servers each with its real servers, and its firewall marks. Serialized with lvscp's Jackson
 * conventions ({@link io.lvscp.api.json.Json}: absent fields left out).
 */
public record ClusterDocument(
        String name,
        RoutingMethod routingMethod,
        NatRouter natRouter,
        Heartbeat heartbeat,
        @JsonInclude(JsonInclude.Include.NON_NULL) ConnectionSync connectionSync,
        List<Router> routers,
        List<VirtualServer> virtualServers,
        List<FirewallMark> firewallMarks) {

    /** A virtual server: every field of {@link VirtualServerSpec}, and its real servers. */
    public record VirtualServer(
            String name,
            String address,
            String netmask,
            String device,
            Integer port,
            Protocol protocol,
            Long firewallMark,
            Scheduler scheduler,
            Persistence persistence,
            HealthCheck healthCheck,
            Boolean quiesceOnFailure,
            SorryServer sorryServer,
            Boolean active,
            Integer quorum,
            List<RealServer> realServers) {

        public static VirtualServer of(VirtualServerSpec s, List<RealServer> realServers) {
            return new VirtualServer(s.name(), s.address(), s.netmask(), s.device(), s.port(), s.protocol(),
                    s.firewallMark(), s.scheduler(), s.persistence(), s.healthCheck(), s.quiesceOnFailure(),
                    s.sorryServer(), s.active(), s.quorum(), List.copyOf(realServers));
        }

        public VirtualServerSpec spec() {
            return new VirtualServerSpec(name, address, netmask, device, port, protocol, firewallMark, scheduler,
                    persistence, healthCheck, quiesceOnFailure, sorryServer, active, quorum);
        }
    }
}
