package io.lvscp.api.model;

/**
 * A virtual server's own settings. The floating VIP (address, netmask, device) is always given, since the
 * active router must hold it; the service is either VIP:port/protocol or, with {@code firewallMark}, every
 * packet the cluster's firewall-mark rules gather into that mark.
 */
public record VirtualServerSpec(
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
        Integer quorum) {

    /** With {@code scheduler} {@code wlc} when none is given (the control plane decides it by its routers' drivers instead). */
    public VirtualServerSpec withDefaults(String pathName) {
        return withDefaults(pathName, Scheduler.wlc);
    }

    /**
     * The defaults resolved, so that events and agents never have to guess them; {@code defaultScheduler} is the
     * scheduler of one that names none (see {@link io.lvscp.api.driver.DriverLimits#defaultScheduler}).
     */
    public VirtualServerSpec withDefaults(String pathName, Scheduler defaultScheduler) {
        return new VirtualServerSpec(
                name == null ? pathName : name,
                address,
                netmask,
                device,
                port,
                protocol == null ? Protocol.tcp : protocol,
                firewallMark,
                scheduler == null ? defaultScheduler : scheduler,
                persistence == null ? null : new Persistence(persistence.timeoutSeconds(),
                        persistence.netmask() == null ? IpAddresses.hostMask(address) : persistence.netmask()),
                healthCheck == null ? HealthCheck.defaultTcp() : healthCheck.withDefaults(),
                quiesceOnFailure == null ? Boolean.FALSE : quiesceOnFailure,
                sorryServer,
                active == null ? Boolean.TRUE : active,
                quorum == null ? Integer.valueOf(0) : quorum);
    }

    public VirtualServerSpec withActive(boolean value) {
        return new VirtualServerSpec(name, address, netmask, device, port, protocol, firewallMark, scheduler,
                persistence, healthCheck, quiesceOnFailure, sorryServer, value, quorum);
    }

    public boolean isActive() {
        return Boolean.TRUE.equals(active);
    }
}
