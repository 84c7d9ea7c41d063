package io.lvscp.agent.dataplane.nft;

import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.dataplane.contract.CommandLog;
import io.lvscp.agent.dataplane.contract.KernelDriverContract;
import io.lvscp.agent.e2e.NetnsLab;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.api.model.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The nftables driver's contract on this host's kernel: the router is a network namespace of {@link NetnsLab}'s
 * (VIP on its eth0, the real servers' gateway on its eth1, forwarding on), real servers and the client are
 * namespaces of their own. Needs root, ip and nft, and fails without them.
 */
class NftablesDriverContractTest extends KernelDriverContract {
    private static final String WEB_MAP = NftablesDriver.chain(WEB);
    private static NetnsLab lab;
    private static CommandRunner router;

    private final CommandLog log = new CommandLog(router);
    private final NftablesDriver driver = new NftablesDriver(log);

    @BeforeAll
    static void lab() throws Exception {
        lab = new NetnsLab(3);
        for (int i = 1; i <= 3; i++) lab.startServer(i, 80);
        lab.in(lab.router, "ip", "addr", "add", VIP + "/24", "dev", "eth0", "label", "eth0:1");
        lab.in(lab.router, "ip", "addr", "add", "10.11.12.10/24", "dev", "eth1", "label", "eth1:1");
        lab.in(lab.router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        router = ProcessRunner.inNetns(lab.router);
    }

    @AfterAll
    static void closeLab() {
        if (lab != null) lab.close();
    }

    @Override
    protected DataplaneDriver driver() {
        return driver;
    }

    @Override
    protected void emptyKernel() {
        router.run(List.of("nft", "flush", "ruleset")).orThrow();
    }

    @Override
    protected CommandLog log() {
        return log;
    }

    @Override
    protected boolean changesKernel(String command) {
        return !command.startsWith("nft -j list ") && !command.startsWith("nft list ");
    }

    /**
     * nftables has no "real server": what an operator can change is the slot map that sends new connections, and
     * lvscp's weight record beside it.
     */
    @Override
    protected void byHand(Drift drift) {
        String script = switch (drift) {
            case DESTINATION_DELETED -> {
                NftablesDriver.Slot gone = NftablesDriver.slotMap(TABLE.services().get(WEB)).stream()
                        .filter(s -> (s.address() + ":" + s.port()).equals(drift.destination)).findFirst().orElseThrow();
                yield "delete element ip lvscp " + WEB_MAP + " { " + gone.from() + "-" + gone.to() + " }\n"
                        + "delete element ip lvscp " + NftablesDriver.weightSet(WEB) + " { " + server(2) + " . 80 . 2 }\n";
            }
            case WEIGHT_CHANGED -> "flush map ip lvscp " + WEB_MAP + "\nadd element ip lvscp " + WEB_MAP + " { 0-65535 : " + server(1) + " . 80 }\n";
            case FLUSHED -> "flush table ip lvscp\n";
        };
        router.run(List.of("nft", "-f", "-"), script).orThrow();
    }

    /** Another table with a set, a filter and a DNAT of its own on the VIP, and a table named lvscp in another family. */
    @Override
    protected void addForeign() {
        router.run(List.of("nft", "-f", "-"), """
                table ip foreign {
                \tset blocked {
                \t\ttype ipv4_addr
                \t\telements = { 203.0.113.7, 203.0.113.8 }
                \t}
                \tchain input {
                \t\ttype filter hook input priority filter; policy accept;
                \t\tip saddr @blocked drop
                \t}
                \tchain smtp {
                \t\ttype nat hook prerouting priority dstnat - 10; policy accept;
                \t\tip daddr 192.168.26.10 tcp dport 25 dnat to 10.11.12.9
                \t}
                }
                table inet lvscp {
                \tchain mine {
                \t\tip daddr 192.0.2.1 drop
                \t}
                }
                """).orThrow();
    }

    @Override
    protected String foreign() {
        return router.run(List.of("nft", "-a", "list", "table", "ip", "foreign")).orThrow().stdout()
                + router.run(List.of("nft", "-a", "list", "table", "inet", "lvscp")).orThrow().stdout();
    }

    @Override
    protected Set<String> refused() {
        Set<String> out = new java.util.TreeSet<>(Set.of("IPv6 virtual server", "IPv6 firewall-mark service", "persistence",
                "connection thresholds", "direct routing", "tunnelling", "direct routing to another port", "tunnelling to another port",
                "firewall-mark real server with a port"));
        for (Scheduler s : Scheduler.values()) {
            if (s != Scheduler.rr && s != Scheduler.wrr && s != Scheduler.sh) out.add("scheduler " + s);
        }
        return out;
    }

    /**
     * One transaction, and only the web service's slot map and weight record in it, no rule. Both lists are
     * rewritten whole: a weight change moves every real server's range (they lie end to end in destination
     * order), and a flush also mends elements someone else changed in a map the last pass trusted.
     */
    @Override
    protected List<String> weightChangeCommands() {
        return List.of("nft -f -\n"
                + "flush map ip lvscp vs_tcp_192_168_26_10_80\n"
                + "add element ip lvscp vs_tcp_192_168_26_10_80 { 0-29126 : 10.11.12.1 . 80, 29127-43690 : 10.11.12.2 . 80, 43691-65535 : 10.11.12.3 . 80 }\n"
                + "flush set ip lvscp vsw_tcp_192_168_26_10_80\n"
                + "add element ip lvscp vsw_tcp_192_168_26_10_80 { 10.11.12.1 . 80 . 4, 10.11.12.2 . 80 . 2, 10.11.12.3 . 80 . 3 }\n");
    }

    @Override
    protected Map<String, Integer> probe(int port, int count) throws Exception {
        return lab.probe(VIP, port, count);
    }

    @Override
    protected boolean exactWrr() {
        return false;
    }

    @Override
    protected int cycles() {
        return 100;
    }

    @Override
    protected boolean keepsCounters() {
        return false;
    }
}
