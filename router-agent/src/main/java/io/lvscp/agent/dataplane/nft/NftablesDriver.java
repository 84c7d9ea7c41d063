package io.lvscp.agent.dataplane.nft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.api.driver.DriverLimits;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.Scheduler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The data plane for hosts without IPVS: virtual services become DNAT rules in {@code table ip lvscp}, which this
 * driver owns whole (it never touches another table). Layout:
 * <pre>
 *   map services  ip daddr . meta l4proto . th dport : jump vs_ID     (one element per address service)
 *   map marks     meta mark : jump vs_ID                             (one element per firewall-mark service)
 *   chain prerouting / output (nat, -100): meta mark vmap @marks, then the address vmap
 *   map vs_ID     slot (0..65535) : real server                      (weights live here, as slot counts)
 *   set vsw_ID    address . port . weight                            (the exact weights, for read())
 *   chain vs_ID   dnat to (numgen random | jhash ip saddr) mod 65536 map @vs_ID; then refuse
 * </pre>
 * A weight change therefore rewrites two element lists and never a rule. DNAT only: real servers must route replies
 * back through the router (their gateway is the router's private VIP), so client addresses are kept and nothing is
 * masqueraded. The output hook balances connections the router opens itself.
 */
public final class NftablesDriver implements DataplaneDriver {
    static final String TABLE = "lvscp";
    /** Every service's map has this many slots whatever its weights, so a weight change never re-types or re-writes a rule. */
    static final int SLOTS = DriverLimits.NFT_SLOTS;
    /** nft picks a random jhash seed when none is given; a fixed one makes both routers of a pair send a client to the same real server. */
    static final String SH_SEED = "0x6c767363";
    private static final String T = "ip " + TABLE + " ";
    /** {@code delete} alone fails when the object is already gone, and nft 1.0.6 has no {@code destroy}. */
    private static final String RESET = "add table ip lvscp\ndelete table ip lvscp\n";
    /** fwmark services first: IPVS also looks a packet's mark up before its address. */
    private static final String HOOK_RULES = """
            \t\tmeta mark vmap @marks comment "lvscp:marks"
            \t\tip daddr . meta l4proto . th dport vmap @services comment "lvscp:services"
            """;
    private static final List<String> HOOK_COMMENTS = List.of("lvscp:marks", "lvscp:services");
    private static final String SCAFFOLD = "table ip lvscp {\n"
            + "\tmap services {\n\t\ttypeof ip daddr . meta l4proto . th dport : verdict\n\t}\n"
            + "\tmap marks {\n\t\ttypeof meta mark : verdict\n\t}\n"
            + "\tchain prerouting {\n\t\ttype nat hook prerouting priority -100; policy accept;\n" + HOOK_RULES + "\t}\n"
            + "\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n" + HOOK_RULES + "\t}\n"
            + "}\n";
    /** What this driver can program, shared with the control plane, which refuses a write a router cannot program. */
    private static final DriverLimits LIMITS = DriverLimits.nftables();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NftablesDriver.class);
    private final CommandRunner runner;
    private volatile boolean conntrackMissing;

    public NftablesDriver(CommandRunner runner) {
        this.runner = runner;
    }

    @Override
    public String whyNoConnectionSync() {
        return LIMITS.connectionSync();
    }

    @Override
    public String name() {
        return "nftables";
    }

    @Override
    public List<String> unsupported(ServiceTable desired) {
        List<String> why = new ArrayList<>();
        for (Service s : desired.services().values()) {
            String vs = "virtual server " + s.key();
            String family = LIMITS.family(vs, !s.key().ipv6() && (s.key().isMark() || IpAddresses.isIpv4(s.key().address())));
            if (family != null) {
                why.add(family);
                continue;
            }
            add(why, LIMITS.scheduler(vs, s.scheduler()));
            add(why, LIMITS.persistence(vs, s.persistenceSeconds()));
            add(why, LIMITS.weightedRealServers(vs, s.destinations().values().stream().filter(d -> d.weight() > 0).count()));
            for (Destination d : s.destinations().values()) {
                String rs = "real server " + d.key() + " of " + vs;
                add(why, LIMITS.forwarding(rs, d.forwarding()));
                add(why, LIMITS.realServerFamily(rs, IpAddresses.isIpv4(d.address())));
                add(why, LIMITS.thresholds(rs, d.upperThreshold(), d.lowerThreshold()));
                if (s.key().isMark()) add(why, LIMITS.firewallMarkPort(rs, d.port()));
            }
        }
        return why;
    }

    private static void add(List<String> why, String reason) {
        if (reason != null) why.add(reason);
    }

    @Override
    public ServiceTable read() {
        CommandResult r = runner.run(List.of("nft", "-j", "list", "table", "ip", TABLE));
        if (!r.ok() && r.stderr().contains("No such file or directory")) return ServiceTable.EMPTY;
        return parse(r.orThrow().stdout());
    }

    @Override
    public void apply(ServiceTable actual, ServiceTable desired) {
        String script = script(actual, desired);
        if (!script.isEmpty()) runner.run(List.of("nft", "-f", "-"), script).orThrow();
        forgetPendingConnections(actual, desired);
    }

    /**
     * A real server that leaves a service (its health check failed, or it was removed) may still have connection
     * attempts that never got an answer, each a conntrack entry holding its DNAT to that server for up to
     * nf_conntrack_tcp_timeout_syn_sent (120 s). A client retrying from the same address and port (a SYN
     * retransmission) would keep reaching the dead server until it gives up. IPVS forgets such attempts with the
     * destination; here they are deleted: only attempts not yet answered (TCP SYN_SENT, UDP unreplied), so established
     * connections keep their NAT as before. Best effort: the table is already right, and without the conntrack tool
     * (Debian package conntrack) the agent says so once and goes on.
     */
    private void forgetPendingConnections(ServiceTable actual, ServiceTable desired) {
        for (Service was : actual.services().values()) {
            Service now = desired.services().get(was.key());
            if (now == was) continue;
            for (Destination gone : was.destinations().values()) {
                if (now != null && now.destinations().containsKey(gone.key())) continue;
                ServiceKey k = was.key();
                List<String> where = new ArrayList<>();
                if (!k.isMark()) where.addAll(List.of("--orig-dst", k.address(), "--orig-port-dst", Integer.toString(k.port())));
                where.addAll(List.of("--dst-nat", gone.address()));
                if (k.isMark() || k.protocol() == Protocol.tcp) forget(where, "tcp", "--state", "SYN_SENT");
                if (k.isMark() || k.protocol() == Protocol.udp) forget(where, "udp", "--status", "UNREPLIED");
            }
        }
    }

    private void forget(List<String> where, String protocol, String filter, String value) {
        if (conntrackMissing) return;
        List<String> argv = new ArrayList<>(List.of("conntrack", "-D", "-p", protocol));
        argv.addAll(where);
        argv.addAll(List.of(filter, value));
        CommandResult r = runner.run(argv);
        // conntrack -D exits 1 when nothing matched, which is the usual case.
        if (r.ok() || r.stderr().contains("0 flow entries have been deleted")) return;
        if (r.exitCode() == 127 || r.stderr().contains("No such file") || r.stderr().contains("not found")) {
            conntrackMissing = true;
            LOG.warn("conntrack is not installed: a removed real server's unanswered connection attempts keep their NAT until they "
                    + "time out (install the conntrack package)");
        } else {
            LOG.warn("could not forget unanswered connections ({}): {}", String.join(" ", argv), r.stderr().strip());
        }
    }

    // ---- rendering --------------------------------------------------------------------------------------------

    /** The one transaction that turns {@code actual} into {@code desired}; empty when they are equal. */
    static String script(ServiceTable actual, ServiceTable desired) {
        StringBuilder out = new StringBuilder();
        if (desired.services().isEmpty()) return actual.services().isEmpty() ? "" : RESET;
        if (actual.services().isEmpty()) {
            // Nothing of ours is reachable (no table, or its hooks are broken): rebuild it whole over whatever remains.
            out.append(RESET).append(SCAFFOLD);
            desired.services().values().forEach(s -> writeService(out, s, true));
            return out.toString();
        }
        for (ServiceKey k : actual.services().keySet()) {
            if (!desired.services().containsKey(k)) removeService(out, k);
        }
        for (Service d : desired.services().values()) {
            Service a = actual.services().get(d.key());
            if (d == a || d.equals(a)) continue;
            if (a != null && a.scheduler() == d.scheduler()) writeWeights(out, d);
            else writeService(out, d, false);
        }
        return out.toString();
    }

    /**
     * Adds a service, or rewrites every object of it in place: {@code add} of an existing identical map, set, chain or
     * verdict element is a no-op, so this also repairs a service whose parts someone deleted.
     */
    private static void writeService(StringBuilder out, Service s, boolean fresh) {
        ServiceKey k = s.key();
        String c = chain(k);
        out.append("add map ").append(T).append(c).append(" { typeof numgen random mod 65536 : ")
                .append(k.isMark() ? "ip daddr" : "ip daddr . " + k.protocol() + " dport").append(" ; flags interval ; }\n");
        if (!fresh) out.append("flush map ").append(T).append(c).append('\n');
        elements(out, c, slotElements(s));
        // Only the element shape matters (address . port . 32-bit number); no rule ever looks this set up.
        out.append("add set ").append(T).append(weightSet(k)).append(" { typeof ip daddr . tcp dport . meta mark ; }\n");
        if (!fresh) out.append("flush set ").append(T).append(weightSet(k)).append('\n');
        elements(out, weightSet(k), weightElements(s));
        out.append("add chain ").append(T).append(c).append('\n');
        if (!fresh) out.append("flush chain ").append(T).append(c).append('\n');
        for (Rule r : rules(k, s.scheduler())) out.append("add rule ").append(T).append(c).append(' ').append(r.text()).append('\n');
        out.append("add element ").append(T).append(k.isMark() ? "marks" : "services").append(" { ").append(vmapKey(k))
                .append(" : jump ").append(c).append(" }\n");
    }

    /** A weight change: the slot map and the weight record are replaced, atomically; the rules stay as they are. */
    private static void writeWeights(StringBuilder out, Service s) {
        String c = chain(s.key());
        out.append("flush map ").append(T).append(c).append('\n');
        elements(out, c, slotElements(s));
        out.append("flush set ").append(T).append(weightSet(s.key())).append('\n');
        elements(out, weightSet(s.key()), weightElements(s));
    }

    /** The verdict element goes first: the chain cannot be deleted while it is a jump target. */
    private static void removeService(StringBuilder out, ServiceKey k) {
        String c = chain(k);
        out.append("delete element ").append(T).append(k.isMark() ? "marks" : "services").append(" { ").append(vmapKey(k)).append(" }\n")
                .append("flush chain ").append(T).append(c).append('\n')
                .append("delete chain ").append(T).append(c).append('\n')
                .append("delete map ").append(T).append(c).append('\n')
                .append("delete set ").append(T).append(weightSet(k)).append('\n');
    }

    private static void elements(StringBuilder out, String set, List<String> elements) {
        if (elements.isEmpty()) return;
        out.append("add element ").append(T).append(set).append(" { ").append(String.join(", ", elements)).append(" }\n");
    }

    private static List<String> slotElements(Service s) {
        return slotMap(s).stream().map(x -> (x.from() == x.to() ? "" + x.from() : x.from() + "-" + x.to()) + " : " + x.address()
                + (s.key().isMark() ? "" : " . " + x.port())).toList();
    }

    private static List<String> weightElements(Service s) {
        return s.destinations().values().stream().map(d -> d.address() + " . " + d.port() + " . " + d.weight()).toList();
    }

    /** The rules of a service chain; their comments are how read() recognises them. */
    static List<Rule> rules(ServiceKey k, Scheduler scheduler) {
        String hash = scheduler == Scheduler.sh ? "jhash ip saddr mod 65536 seed " + SH_SEED : "numgen random mod 65536";
        List<Rule> rules = new ArrayList<>();
        rules.add(new Rule((k.isMark() ? "" : "meta l4proto " + k.protocol() + " ") + "dnat ip to " + hash + " map @" + chain(k),
                "lvscp:dnat " + scheduler));
        // Reached only when the map has no slot for the packet: every weight is 0, or there is no real server. LVS then
        // refuses new connections, so this does too. Established ones keep their NAT: conntrack answers for them and nat
        // chains only ever see a connection's first packet.
        if (k.isMark() || k.protocol() == Protocol.tcp) rules.add(new Rule("meta l4proto tcp reject with tcp reset", "lvscp:reset"));
        if (k.isMark() || k.protocol() != Protocol.tcp) rules.add(new Rule("reject", "lvscp:unreachable"));
        return rules;
    }

    record Rule(String body, String comment) {
        String text() {
            return body + " comment \"" + comment + "\"";
        }
    }

    /** One contiguous range of slots and the real server it sends to; port 0 for firewall-mark services. */
    record Slot(int from, int to, String address, int port) {}

    /** Slots in destination order; rr counts every destination with weight > 0 as weight 1, as IPVS does. */
    static List<Slot> slotMap(Service s) {
        List<Destination> ds = List.copyOf(s.destinations().values());
        int[] n = split(ds.stream().mapToInt(d -> s.scheduler() == Scheduler.rr ? Math.min(d.weight(), 1) : d.weight()).toArray());
        List<Slot> out = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < n.length; i++) {
            if (n[i] == 0) continue;
            out.add(new Slot(next, next + n[i] - 1, ds.get(i).address(), dnatPort(s.key(), ds.get(i))));
            next += n[i];
        }
        return out;
    }

    /**
     * Splits {@link #SLOTS} in proportion to the weights by largest remainder (ties to the earlier destination), so the
     * total is exactly SLOTS; then every weight > 0 left without a slot takes one from the fullest destination, so no
     * live server starves however small its weight. Weight 0 gets none; all zero: no slots at all.
     */
    static int[] split(int[] weights) {
        int[] slots = new int[weights.length];
        long total = 0;
        int live = 0;
        for (int w : weights) {
            if (w > 0) {
                total += w;
                live++;
            }
        }
        if (live == 0) return slots;
        if (live > SLOTS) throw new IllegalArgumentException(live + " weighted destinations do not fit in " + SLOTS + " slots");
        long[] remainder = new long[weights.length];
        int given = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] <= 0) continue;
            long share = (long) weights[i] * SLOTS;
            slots[i] = (int) (share / total);
            remainder[i] = share % total;
            given += slots[i];
        }
        int[] order = IntStream.range(0, weights.length).filter(i -> weights[i] > 0).boxed()
                .sorted(Comparator.<Integer>comparingLong(i -> -remainder[i]).thenComparing(i -> i)).mapToInt(i -> i).toArray();
        for (int k = 0; k < SLOTS - given; k++) slots[order[k]]++;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] <= 0 || slots[i] > 0) continue;
            int donor = 0;
            for (int j = 1; j < slots.length; j++) if (slots[j] > slots[donor]) donor = j;
            slots[donor]--;
            slots[i] = 1;
        }
        return slots;
    }

    /** Port 0 on an address service means the service's own port (ipvsadm's default); a mark service keeps the client's. */
    private static int dnatPort(ServiceKey k, Destination d) {
        return k.isMark() ? 0 : d.port() == 0 ? k.port() : d.port();
    }

    private static String vmapKey(ServiceKey k) {
        return k.isMark() ? Long.toString(k.firewallMark()) : k.address() + " . " + k.protocol() + " . " + k.port();
    }

    private static String id(ServiceKey k) {
        return k.isMark() ? "fwm_" + k.firewallMark() : k.protocol() + "_" + k.address().replace('.', '_') + "_" + k.port();
    }

    /** The service's chain, and also its slot map: chains and maps have separate namespaces. */
    static String chain(ServiceKey k) {
        return "vs_" + id(k);
    }

    static String weightSet(ServiceKey k) {
        return "vsw_" + id(k);
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    /**
     * The table as the kernel holds it. A service counts only when new connections reach it through both hooks and its
     * chain has exactly the rules this driver writes (compared by comment); a service with a part missing reads as
     * absent, so apply() rewrites it whole. Weights come from the weight set when the slot map is exactly what those
     * weights render to; otherwise they are the slot counts the map really holds (a flushed map reads as all weights
     * 0), so a damaged map reads as a weight difference and apply() rewrites its elements.
     */
    static ServiceTable parse(String json) {
        Kernel t = Kernel.of(json);
        if (!t.hooked("prerouting") || !t.hooked("output") || !t.sets.containsKey("services") || !t.sets.containsKey("marks")) {
            return ServiceTable.EMPTY;
        }
        SortedMap<ServiceKey, Service> out = new TreeMap<>();
        for (JsonNode e : elems(t.sets.get("services"))) {
            JsonNode k = unwrap(e.get(0)).path("concat");
            Protocol p = protocol(k.path(1).asText());
            if (p == null) continue;
            ServiceKey key = ServiceKey.of(p, k.path(0).asText(), k.path(2).asInt());
            service(t, key, e.get(1)).ifPresent(s -> out.put(key, s));
        }
        for (JsonNode e : elems(t.sets.get("marks"))) {
            ServiceKey key = ServiceKey.mark(unwrap(e.get(0)).asLong(), false);
            service(t, key, e.get(1)).ifPresent(s -> out.put(key, s));
        }
        return new ServiceTable(out);
    }

    private static Optional<Service> service(Kernel t, ServiceKey key, JsonNode verdict) {
        String c = chain(key);
        if (!c.equals(verdict.path("jump").path("target").asText())) return Optional.empty();
        List<String> comments = t.comments(c);
        if (comments.isEmpty() || !comments.get(0).startsWith("lvscp:dnat ")) return Optional.empty();
        Scheduler scheduler;
        try {
            scheduler = Scheduler.valueOf(comments.get(0).substring("lvscp:dnat ".length()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!comments.equals(rules(key, scheduler).stream().map(Rule::comment).toList())) return Optional.empty();
        JsonNode map = t.sets.get(c);
        JsonNode weights = t.sets.get(weightSet(key));
        if (map == null || weights == null) return Optional.empty();

        SortedMap<String, Destination> recorded = new TreeMap<>();
        for (JsonNode e : elems(weights)) {
            JsonNode v = unwrap(e).path("concat");
            // nftables keeps no connection thresholds (unsupported() refuses them), so none are read back.
            Destination d = new Destination(v.path(0).asText(), v.path(1).asInt(), ForwardingMethod.masq, v.path(2).asInt(), 0, 0);
            recorded.put(d.key(), d);
        }
        Service s = new Service(key, scheduler, 0, null, recorded);
        List<Slot> slots = new ArrayList<>();
        for (JsonNode e : elems(map)) {
            JsonNode slot = unwrap(e.get(0));
            JsonNode to = e.get(1);
            int from = slot.has("range") ? slot.get("range").get(0).asInt() : slot.asInt();
            int last = slot.has("range") ? slot.get("range").get(1).asInt() : slot.asInt();
            slots.add(key.isMark() ? new Slot(from, last, to.asText(), 0)
                    : new Slot(from, last, to.path("concat").path(0).asText(), to.path("concat").path(1).asInt()));
        }
        slots.sort(Comparator.comparingInt(Slot::from));
        return Optional.of(slots.equals(slotMap(s)) ? s : fromSlots(s, slots));
    }

    /** What the map really does: each real server weighted by its slot count, including servers the weight set lacks. */
    private static Service fromSlots(Service recorded, List<Slot> slots) {
        Map<String, Integer> count = new LinkedHashMap<>();
        Map<String, Slot> any = new HashMap<>();
        for (Slot x : slots) {
            count.merge(x.address() + ":" + x.port(), x.to() - x.from() + 1, Integer::sum);
            any.putIfAbsent(x.address() + ":" + x.port(), x);
        }
        SortedMap<String, Destination> out = new TreeMap<>();
        for (Destination d : recorded.destinations().values()) {
            Integer n = count.remove(d.address() + ":" + dnatPort(recorded.key(), d));
            out.put(d.key(), new Destination(d.address(), d.port(), d.forwarding(), n == null ? 0 : n, d.upperThreshold(), d.lowerThreshold()));
        }
        count.forEach((target, n) -> {
            Destination d = new Destination(any.get(target).address(), any.get(target).port(), ForwardingMethod.masq, n, 0, 0);
            out.put(d.key(), d);
        });
        return new Service(recorded.key(), recorded.scheduler(), 0, null, out);
    }

    private static Protocol protocol(String name) {
        for (Protocol p : Protocol.values()) if (p.name().equals(name)) return p;
        return null;
    }

    private static List<JsonNode> elems(JsonNode set) {
        List<JsonNode> out = new ArrayList<>();
        set.path("elem").forEach(out::add);
        return out;
    }

    /** Elements with a comment or timeout come wrapped as {"elem": {"val": ...}}. */
    private static JsonNode unwrap(JsonNode n) {
        return n != null && n.has("elem") ? n.get("elem").path("val") : n;
    }

    /** The parts of {@code nft -j list table ip lvscp} read() needs. */
    private record Kernel(Map<String, JsonNode> sets, Map<String, JsonNode> chains, Map<String, List<JsonNode>> rules) {
        static Kernel of(String json) {
            Kernel t = new Kernel(new HashMap<>(), new HashMap<>(), new HashMap<>());
            JsonNode root;
            try {
                root = JSON.readTree(json);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("nft -j printed something that is not JSON: " + e.getOriginalMessage(), e);
            }
            for (JsonNode item : root.path("nftables")) {
                // Maps are sets with data and share their namespace.
                if (item.has("map")) t.sets.put(item.get("map").path("name").asText(), item.get("map"));
                if (item.has("set")) t.sets.put(item.get("set").path("name").asText(), item.get("set"));
                if (item.has("chain")) t.chains.put(item.get("chain").path("name").asText(), item.get("chain"));
                if (item.has("rule")) t.rules.computeIfAbsent(item.get("rule").path("chain").asText(), c -> new ArrayList<>()).add(item.get("rule"));
            }
            return t;
        }

        List<String> comments(String chain) {
            return rules.getOrDefault(chain, List.of()).stream().map(r -> r.path("comment").asText("")).toList();
        }

        boolean hooked(String hook) {
            JsonNode c = chains.get(hook);
            return c != null && "nat".equals(c.path("type").asText()) && hook.equals(c.path("hook").asText())
                    && c.path("prio").asInt() == -100 && "accept".equals(c.path("policy").asText())
                    && comments(hook).equals(HOOK_COMMENTS);
        }
    }
}
