package io.lvscp.agent.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.api.model.FirewallMark;
import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.Protocol;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Gathers a multi-port service's packets under one firewall mark (the seed's section 9.3, where it is
 * {@code iptables -t mangle -A PREROUTING -p tcp -d VIP/32 --dport 80 -j MARK --set-mark 80} once per port), as one
 * nftables rule per mark: {@code ip daddr VIP tcp dport { 80, 443 } meta mark set 80}. It owns
 * {@code table ip lvscp_marks} whole and nothing else. The rules sit in prerouting (clients) and output (connections
 * the router opens itself) at mangle priority, -150, so the mark is set before the nat chains (-100) of either
 * data-plane driver look it up; the output chain is of type route so a changed mark re-routes the packet, as mangle
 * OUTPUT does with iptables.
 */
public final class FirewallMarkRules implements MarkRules {
    private static final String TABLE = "lvscp_marks";
    /** Chain name to how it is hooked, in the order they are written. */
    private static final Map<String, String> CHAINS = new LinkedHashMap<>();

    static {
        CHAINS.put("prerouting", "type filter hook prerouting priority -150; policy accept;");
        CHAINS.put("output", "type route hook output priority -150; policy accept;");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandRunner runner;

    public FirewallMarkRules(CommandRunner runner) {
        this.runner = runner;
    }

    /**
     * Makes the kernel mark exactly {@code desired}, in one transaction that touches only rules that differ; no marks
     * removes the table. Level-based: it reads the kernel first, so it also repairs rules or chains someone deleted.
     *
     * @throws IllegalArgumentException before changing anything, if a mark cannot be programmed (IPv6, no mark number)
     */
    public void apply(Collection<FirewallMark> desired) {
        List<FirewallMark> want = canonical(desired);
        String script = script(snapshot(), want);
        if (!script.isEmpty()) runner.run(List.of("nft", "-f", "-"), script).orThrow();
    }

    /** Reads the kernel, and rewrites the rules only if they do not mark exactly {@code want} ({@link #canonical}). */
    @Override
    public List<String> bringTo(Collection<FirewallMark> want) {
        List<FirewallMark> marks = canonical(want);
        if (new HashSet<>(marks).equals(new HashSet<>(read()))) return List.of();
        apply(marks);
        return List.of("reset firewall-mark rules");
    }

    /** The marks the kernel applies in both hooks, in {@link #canonical} form, by mark then address. */
    public List<FirewallMark> read() {
        Map<String, List<Rule>> chains = snapshot();
        if (chains == null) return List.of();
        Set<FirewallMark> both = null;
        for (String chain : CHAINS.keySet()) {
            List<Rule> rules = chains.getOrDefault(chain, List.of());
            Set<FirewallMark> here = new HashSet<>();
            if (!rules.isEmpty() && rules.get(0).hookedRight()) rules.forEach(r -> here.add(r.mark()));
            if (both == null) both = here;
            else both.retainAll(here);
        }
        both.remove(null);
        return both.stream().sorted(ORDER).toList();
    }

    /**
     * Marks as this class writes and reads them: protocol tcp when absent, ports sorted with overlapping and adjacent
     * ranges merged (the kernel's interval set stores {@code 80, 81} as {@code 80-81}), duplicates dropped.
     */
    public static List<FirewallMark> canonical(Collection<FirewallMark> marks) {
        Set<FirewallMark> out = new LinkedHashSet<>();
        for (FirewallMark m : marks) {
            if (m.mark() == null || !io.lvscp.api.model.Shapes.isMark(m.mark())) {
                throw new IllegalArgumentException("firewall mark " + m.mark() + " is not a mark from 1 to " + io.lvscp.api.model.Shapes.MAX_MARK);
            }
            if (!IpAddresses.isIpv4(m.address())) {
                throw new IllegalArgumentException("firewall mark " + m.mark() + " gathers traffic to " + m.address()
                        + ", which is not an IPv4 address; table ip lvscp_marks marks IPv4 only");
            }
            List<int[]> ranges = new ArrayList<>();
            for (String p : m.ports() == null ? List.<String>of() : m.ports()) ranges.add(range(m, p));
            out.add(new FirewallMark(m.mark(), m.protocol() == null ? Protocol.tcp : m.protocol(), m.address(), merged(ranges)));
        }
        return out.stream().sorted(ORDER).toList();
    }

    private static final Comparator<FirewallMark> ORDER = Comparator.comparing(FirewallMark::mark)
            .thenComparing(FirewallMark::address).thenComparing(m -> m.protocol().name()).thenComparing(m -> m.ports().toString());

    /** The one transaction from {@code chains} (null: no table) to {@code want} (canonical); empty when they agree. */
    static String script(Map<String, List<Rule>> chains, List<FirewallMark> want) {
        if (want.isEmpty()) return chains == null ? "" : "add table ip lvscp_marks\ndelete table ip lvscp_marks\n";
        StringBuilder out = new StringBuilder();
        if (chains == null) {
            out.append("table ip lvscp_marks {\n");
            CHAINS.forEach((chain, hook) -> {
                out.append("\tchain ").append(chain).append(" {\n\t\t").append(hook).append('\n');
                want.forEach(m -> out.append("\t\t").append(rule(m)).append('\n'));
                out.append("\t}\n");
            });
            return out.append("}\n").toString();
        }
        CHAINS.forEach((chain, hook) -> {
            List<Rule> have = chains.get(chain);
            Set<FirewallMark> kept = new HashSet<>();
            if (have == null || !have.get(0).hookedRight()) {
                // Missing, or hooked somewhere else by hand: a base chain cannot be re-hooked, only recreated.
                if (have != null) out.append("flush chain ip lvscp_marks ").append(chain).append("\ndelete chain ip lvscp_marks ").append(chain).append('\n');
                out.append("add chain ip lvscp_marks ").append(chain).append(" { ").append(hook).append(" }\n");
            } else {
                for (Rule r : have.subList(1, have.size())) {
                    if (r.mark() != null && want.contains(r.mark()) && kept.add(r.mark())) continue;
                    out.append("delete rule ip lvscp_marks ").append(chain).append(" handle ").append(r.handle()).append('\n');
                }
            }
            for (FirewallMark m : want) {
                if (!kept.contains(m)) out.append("add rule ip lvscp_marks ").append(chain).append(' ').append(rule(m)).append('\n');
            }
        });
        return out.toString();
    }

    static String rule(FirewallMark m) {
        String ports = m.ports().isEmpty() ? "meta l4proto " + m.protocol()
                : m.protocol() + " dport { " + String.join(", ", m.ports()) + " }";
        return "ip daddr " + m.address() + " " + ports + " meta mark set " + m.mark();
    }

    /**
     * A rule as the kernel holds it; {@code mark} null when it is not a rule this class writes (it is then deleted).
     * Each chain's list starts with a pseudo-rule for the chain itself, whose {@code hookedRight} says whether it is
     * hooked as this class hooks it.
     */
    record Rule(long handle, FirewallMark mark, boolean hookedRight) {}

    /** The table's chains and rules, or null when there is no table. */
    private Map<String, List<Rule>> snapshot() {
        CommandResult r = runner.run(List.of("nft", "-j", "list", "table", "ip", TABLE));
        if (!r.ok() && r.stderr().contains("No such file or directory")) return null;
        JsonNode root;
        try {
            root = JSON.readTree(r.orThrow().stdout());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("nft -j printed something that is not JSON: " + e.getOriginalMessage(), e);
        }
        Map<String, List<Rule>> chains = new LinkedHashMap<>();
        for (JsonNode item : root.path("nftables")) {
            JsonNode c = item.path("chain");
            if (c.isObject()) {
                String name = c.path("name").asText();
                String hook = "type " + c.path("type").asText() + " hook " + c.path("hook").asText() + " priority " + c.path("prio").asInt()
                        + "; policy " + c.path("policy").asText() + ";";
                chains.computeIfAbsent(name, n -> new ArrayList<>()).add(0, new Rule(-1, null, hook.equals(CHAINS.get(name))));
            }
            JsonNode rule = item.path("rule");
            if (rule.isObject()) {
                chains.computeIfAbsent(rule.path("chain").asText(), n -> new ArrayList<>())
                        .add(new Rule(rule.path("handle").asLong(), parse(rule.path("expr")), false));
            }
        }
        return chains;
    }

    /** The mark a rule sets, if the rule is exactly "ip daddr A (tcp|udp) dport PORTS meta mark set N", ports optional. */
    static FirewallMark parse(JsonNode expr) {
        String address = null;
        Protocol protocol = null;
        List<String> ports = List.of();
        Long mark = null;
        for (JsonNode e : expr) {
            if (mark != null) return null;
            JsonNode match = e.path("match");
            JsonNode left = match.path("left");
            JsonNode payload = left.path("payload");
            JsonNode right = match.path("right");
            boolean equals = "==".equals(match.path("op").asText());
            if (equals && address == null && "ip".equals(payload.path("protocol").asText())
                    && "daddr".equals(payload.path("field").asText()) && right.isTextual()) {
                address = right.asText();
            } else if (equals && protocol == null && "dport".equals(payload.path("field").asText())
                    && protocol(payload.path("protocol").asText()) != null && ports(right) != null) {
                protocol = protocol(payload.path("protocol").asText());
                ports = ports(right);
            } else if (equals && protocol == null && "l4proto".equals(left.path("meta").path("key").asText())
                    && protocol(right.asText()) != null) {
                protocol = protocol(right.asText());
            } else if ("mark".equals(e.path("mangle").path("key").path("meta").path("key").asText())
                    && e.path("mangle").path("value").canConvertToLong()) {
                mark = e.path("mangle").path("value").asLong();
            } else {
                return null;
            }
        }
        return address == null || protocol == null || mark == null ? null : new FirewallMark(mark, protocol, address, ports);
    }

    /** A dport match's right side: a port, a range, or an anonymous set of both; null for anything else. */
    private static List<String> ports(JsonNode right) {
        List<JsonNode> items = new ArrayList<>();
        if (right.has("set")) right.get("set").forEach(items::add);
        else items.add(right);
        List<int[]> ranges = new ArrayList<>();
        for (JsonNode i : items) {
            if (i.isInt()) ranges.add(new int[] {i.asInt(), i.asInt()});
            else if (i.has("range")) ranges.add(new int[] {i.get("range").get(0).asInt(), i.get("range").get(1).asInt()});
            else return null;
        }
        return merged(ranges);
    }

    private static int[] range(FirewallMark m, String port) {
        try {
            String[] ends = port.split("-", 2);
            int from = Integer.parseInt(ends[0].strip());
            int to = ends.length == 2 ? Integer.parseInt(ends[1].strip()) : from;
            if (from >= 0 && from <= to && to <= 65535) return new int[] {from, to};
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("firewall mark " + m.mark() + ": '" + port + "' is not a port (\"443\") or a port range (\"6000-6010\")");
    }

    private static List<String> merged(List<int[]> ranges) {
        List<int[]> sorted = ranges.stream().sorted(Comparator.comparingInt(r -> r[0])).collect(Collectors.toCollection(ArrayList::new));
        List<int[]> out = new ArrayList<>();
        for (int[] r : sorted) {
            int[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
            else out.add(new int[] {r[0], r[1]});
        }
        return out.stream().map(r -> r[0] == r[1] ? "" + r[0] : r[0] + "-" + r[1]).toList();
    }

    private static Protocol protocol(String name) {
        for (Protocol p : Protocol.values()) if (p.name().equals(name)) return p;
        return null;
    }
}
