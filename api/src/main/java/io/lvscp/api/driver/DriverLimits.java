package io.lvscp.api.driver;

import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.Scheduler;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What each data-plane driver of the router agent can program, and why not where it cannot: the one source of
 * driver limits. The agent's drivers ask it about the table they are given before they change anything (and nack
 * what it refuses); the control plane asks it about the desired state a write leads to, for every router whose
 * driver it knows, and refuses the write before anything is appended ({@link DriverCheck}).
 *
 * <p>Each check takes the subject as the caller names it ("virtual server tcp 192.168.26.10:80" on a router,
 * "virtual server http" in the API) and answers null when the driver can program it, otherwise one sentence: what,
 * why, and what to use instead.
 */
public final class DriverLimits {
    public static final String IPVS = "ipvs";
    public static final String NFTABLES = "nftables";
    public static final String RECORDING = "recording";

    /** The schedulers every driver implements: what a virtual server gets when any router could not run wlc. */
    public static final Scheduler PORTABLE_DEFAULT = Scheduler.wrr;
    /** IPVS's own default (ipvsadm without -s), the default where every router can run it. */
    public static final Scheduler PREFERRED_DEFAULT = Scheduler.wlc;

    private static final String NFT_COUNTS = "needs connection counts nftables does not keep";
    private static final String NFT_IMPLEMENTS = "(it implements rr, wrr and sh)";
    private static final Map<Scheduler, String> NFT_SCHEDULER_GAPS = Collections.unmodifiableMap(new EnumMap<>(Map.of(
            Scheduler.lc, NFT_COUNTS,
            Scheduler.wlc, NFT_COUNTS,
            Scheduler.sed, NFT_COUNTS,
            Scheduler.nq, NFT_COUNTS,
            Scheduler.ovf, NFT_COUNTS,
            Scheduler.lblc, "needs connection counts and per-destination-address server tracking nftables does not keep",
            Scheduler.lblcr, "needs connection counts and per-destination-address server tracking nftables does not keep",
            Scheduler.dh, "is a destination-hashing scheduler the nftables driver does not implement " + NFT_IMPLEMENTS,
            Scheduler.mh, "is the Maglev hashing scheduler, which the nftables driver does not implement " + NFT_IMPLEMENTS,
            Scheduler.fo, "is weighted failover, which the nftables driver does not implement " + NFT_IMPLEMENTS)));
    /** Every nftables service map has this many slots; each real server with weight > 0 needs one. */
    public static final int NFT_SLOTS = 65536;

    private static final DriverLimits IPVS_LIMITS = new DriverLimits(IPVS, true, true, Map.of(), true,
            EnumSet.allOf(ForwardingMethod.class), true, true, true, Integer.MAX_VALUE, null);
    private static final DriverLimits NFTABLES_LIMITS = new DriverLimits(NFTABLES, true, false, NFT_SCHEDULER_GAPS, false,
            EnumSet.of(ForwardingMethod.masq), false, false, false, NFT_SLOTS,
            // conntrackd could carry the conntrack table to the peer, but lvscp does not drive it (yet): say so before
            // a cluster relies on it, rather than reset every connection at the first takeover.
            "the nftables driver cannot synchronise connections (conntrackd is not driven by lvscp): every "
                    + "established connection is reset when the routers fail over; use the ipvs driver for connectionSync");
    /** Programs nothing, so it can "program" everything: the stand-in for benchmarks and tests. */
    private static final DriverLimits RECORDING_LIMITS = new DriverLimits(RECORDING, false, true, Map.of(), true,
            EnumSet.allOf(ForwardingMethod.class), false, true, true, Integer.MAX_VALUE, null);
    private static final List<DriverLimits> ALL = List.of(IPVS_LIMITS, NFTABLES_LIMITS, RECORDING_LIMITS);

    private final String driver;
    private final boolean programsKernel;
    private final boolean ipv6;
    private final Map<Scheduler, String> schedulerGaps;
    private final boolean persistence;
    private final Set<ForwardingMethod> forwarding;
    private final boolean portKeptUnlessMasq;
    private final boolean thresholds;
    private final boolean firewallMarkPorts;
    private final int maxWeightedRealServers;
    private final String noConnectionSync;

    private DriverLimits(String driver, boolean programsKernel, boolean ipv6, Map<Scheduler, String> schedulerGaps, boolean persistence,
                         Set<ForwardingMethod> forwarding, boolean portKeptUnlessMasq, boolean thresholds, boolean firewallMarkPorts,
                         int maxWeightedRealServers, String noConnectionSync) {
        this.driver = driver;
        this.programsKernel = programsKernel;
        this.ipv6 = ipv6;
        this.schedulerGaps = schedulerGaps;
        this.persistence = persistence;
        this.forwarding = Collections.unmodifiableSet(EnumSet.copyOf(forwarding));
        this.portKeptUnlessMasq = portKeptUnlessMasq;
        this.thresholds = thresholds;
        this.firewallMarkPorts = firewallMarkPorts;
        this.maxWeightedRealServers = maxWeightedRealServers;
        this.noConnectionSync = noConnectionSync;
    }

    public static DriverLimits ipvs() {
        return IPVS_LIMITS;
    }

    public static DriverLimits nftables() {
        return NFTABLES_LIMITS;
    }

    public static DriverLimits recording() {
        return RECORDING_LIMITS;
    }

    /** The limits of the driver an agent named in its hello; empty for a name this version does not know (it constrains nothing). */
    public static Optional<DriverLimits> of(String driver) {
        return ALL.stream().filter(l -> l.driver.equals(driver)).findFirst();
    }

    /** Whether a router with this driver programs a kernel: every driver but {@code recording} (unknown names included). */
    public static boolean programsKernel(String driver) {
        return of(driver).map(DriverLimits::programsKernel).orElse(true);
    }

    /**
     * The scheduler of a virtual server whose request names none, given the drivers of the cluster's routers (those
     * known): {@link #PREFERRED_DEFAULT} when every one of them runs it, else {@link #PORTABLE_DEFAULT}, which all do.
     */
    public static Scheduler defaultScheduler(Collection<String> drivers) {
        for (String d : drivers) {
            if (of(d).map(l -> !l.runs(PREFERRED_DEFAULT)).orElse(false)) return PORTABLE_DEFAULT;
        }
        return PREFERRED_DEFAULT;
    }

    public String driver() {
        return driver;
    }

    /** False for {@code recording}, which keeps the table in memory: its acks say nothing about a kernel. */
    public boolean programsKernel() {
        return programsKernel;
    }

    private boolean runs(Scheduler s) {
        return !schedulerGaps.containsKey(s);
    }

    /** The schedulers this driver implements. */
    public Set<Scheduler> schedulers() {
        Set<Scheduler> out = EnumSet.allOf(Scheduler.class);
        out.removeAll(schedulerGaps.keySet());
        return Collections.unmodifiableSet(out);
    }

    // ---- virtual servers -------------------------------------------------------------------------------------

    /** A virtual server on an IPv6 VIP ({@code ipv4} false). The other checks of an IPv6 service say nothing more. */
    public String family(String virtualServer, boolean ipv4) {
        if (ipv4 || ipv6) return null;
        return virtualServer + " is IPv6; the " + driver + " driver programs IPv4 only (table ip lvscp); use the ipvs driver";
    }

    public String scheduler(String virtualServer, Scheduler scheduler) {
        String gap = scheduler == null ? null : schedulerGaps.get(scheduler);
        if (gap == null) return null;
        return virtualServer + " uses scheduler " + scheduler + ", which " + gap + "; use the ipvs driver";
    }

    /** {@code seconds} 0: not persistent. */
    public String persistence(String virtualServer, int seconds) {
        if (seconds <= 0 || persistence) return null;
        return virtualServer + " is persistent (" + seconds + " s); nftables keeps no persistence templates to send a"
                + " client's later connections to the same real server; use the ipvs driver";
    }

    /** How many of a virtual server's real servers have weight > 0. */
    public String weightedRealServers(String virtualServer, long count) {
        if (count <= maxWeightedRealServers) return null;
        return virtualServer + " has more than " + maxWeightedRealServers + " real servers with weight > 0, more than its slot map holds";
    }

    // ---- real servers ------------------------------------------------------------------------------------------

    public String forwarding(String realServer, ForwardingMethod method) {
        if (method == null || forwarding.contains(method)) return null;
        return realServer + " uses " + method + " forwarding; nftables can only rewrite the destination (masq); use the ipvs driver";
    }

    /** A real server's address family; only asked of real servers of an IPv4 service (an IPv6 one is refused whole). */
    public String realServerFamily(String realServer, boolean ipv4) {
        if (ipv4 || ipv6) return null;
        return realServer + " is not an IPv4 address; the " + driver + " driver programs IPv4 only";
    }

    /** IPVS's connection thresholds (ipvsadm -x, -y); 0 is none. */
    public String thresholds(String realServer, int upper, int lower) {
        if (thresholds || (upper <= 0 && lower <= 0)) return null;
        return realServer + " has connection thresholds (upper " + upper + ", lower " + lower + "); the nftables"
                + " driver picks real servers from a fixed slot map without counting their connections, so it cannot stop sending"
                + " one new connections at a threshold; use the ipvs driver";
    }

    /** A port on a real server of a firewall-mark service ({@code port} 0: none, the client's destination port). */
    public String firewallMarkPort(String realServer, int port) {
        if (firewallMarkPorts || port == 0) return null;
        return realServer + " has a port; for a firewall-mark service the nftables driver keeps the client's destination port";
    }

    /**
     * A real server of an address service on another port than the service's: only masq rewrites the port. IPVS
     * sets such a server's port to the service's itself, so the table read back would never equal the desired one and
     * every pass would report drift. {@code realServer} names it with its service.
     */
    public String portChange(String realServer, ForwardingMethod method, int port, int servicePort) {
        if (!portKeptUnlessMasq || method == null || method == ForwardingMethod.masq || port == servicePort) return null;
        return realServer + " uses " + method + " forwarding, which keeps the service's port " + servicePort + "; only masq can change it";
    }

    // ---- the router pair ---------------------------------------------------------------------------------------

    /** Why this driver cannot keep established connections across a takeover (a cluster's connectionSync); null when it can. */
    public String connectionSync() {
        return noConnectionSync;
    }

    @Override
    public String toString() {
        return driver;
    }
}
