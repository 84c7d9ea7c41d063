package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.contract.CommandLog;
import io.lvscp.agent.dataplane.contract.KernelDriverContract;
import io.lvscp.agent.e2e.IpvsNatLab;
import io.lvscp.agent.vm.QemuVm;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The ipvs driver's contract on a real IPVS kernel: the router of an {@link IpvsNatLab}, a qemu VM with Debian's
 * kernel and ipvsadm, with tap NICs to the client's and the real servers' namespaces. One VM for the whole class
 * (a boot under TCG costs seconds of both cores); each test starts from {@code ipvsadm -C}. Fails, never skips,
 * when the image cannot be built or booted.
 */
class IpvsDriverContractVmTest extends KernelDriverContract {
    private static final String FOREIGN_TCP = "-t 192.168.26.10:25";
    private static final String FOREIGN_MARK = "-f 99";
    private static IpvsNatLab lab;
    private static QemuVm vm;

    private final CommandLog log = new CommandLog(vm);
    private final IpvsDriver driver = new IpvsDriver(log);

    @BeforeAll
    static void lab() throws Exception {
        long started = System.nanoTime();
        lab = new IpvsNatLab(3);
        vm = lab.router();
        System.out.printf("IpvsDriverContractVmTest: lab with its VM up in %d ms%n", (System.nanoTime() - started) / 1_000_000);
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
        vm.run(List.of("ipvsadm", "-C")).orThrow();
    }

    @Override
    protected CommandLog log() {
        return log;
    }

    @Override
    protected boolean changesKernel(String command) {
        return !command.startsWith("ipvsadm -S") && !command.startsWith("ipvsadm -L");
    }

    @Override
    protected void byHand(Drift drift) {
        List<String> argv = switch (drift) {
            case DESTINATION_DELETED -> List.of("ipvsadm", "-d", "-t", VIP + ":80", "-r", drift.destination);
            // ipvsadm -e sets the whole real server: its forwarding method is given as it is.
            case WEIGHT_CHANGED -> List.of("ipvsadm", "-e", "-t", VIP + ":80", "-r", drift.destination, "-m", "-w", "5");
            case FLUSHED -> List.of("ipvsadm", "-C");
        };
        vm.run(argv).orThrow();
    }

    /**
     * An operator's services in the same kernel table: one on the VIP itself (another port, thresholds the save
     * format leaves out), one by firewall mark with persistence and direct routing.
     */
    @Override
    protected void addForeign() {
        for (String line : List.of(
                "ipvsadm -A " + FOREIGN_TCP + " -s lc",
                "ipvsadm -a " + FOREIGN_TCP + " -r 10.11.12.9:25 -m -w 3 -x 50 -y 10",
                "ipvsadm -A " + FOREIGN_MARK + " -s rr -p 120",
                "ipvsadm -a " + FOREIGN_MARK + " -r 10.11.12.8:0 -g -w 1")) {
            vm.run(List.of(line.split(" "))).orThrow();
        }
    }

    @Override
    protected String foreign() {
        String rules = vm.run(List.of("ipvsadm", "-Sn")).orThrow().stdout().lines()
                .filter(l -> l.contains(" " + FOREIGN_TCP + " ") || l.contains(" " + FOREIGN_MARK + " "))
                .collect(Collectors.joining("\n", "", "\n"));
        return rules + vm.run(List.of("ipvsadm", "-Ln", "--thresholds", "--exact", "-t", VIP + ":25")).orThrow().stdout();
    }

    /** ipvsadm itself gives a direct-routed or tunnelled real server the service's port (see IpvsDriver.unsupported). */
    @Override
    protected Set<String> refused() {
        return Set.of("direct routing to another port", "tunnelling to another port");
    }

    /** One {@code -e} line in one batch: the real server edited in place, its connections and counters kept. */
    @Override
    protected List<String> weightChangeCommands() {
        return List.of("ipvsadm -R\n-e -t 192.168.26.10:80 -r 10.11.12.1:80 -m -w 4\n");
    }

    @Override
    protected Map<String, Integer> probe(int port, int count) throws Exception {
        return lab.probe(VIP, port, count);
    }

    @Override
    protected boolean exactWrr() {
        return true;
    }

    /** Whole wrr cycles: 60 requests at 1:2:3, then 40 at 3:0:1; each crosses the emulated router. */
    @Override
    protected int cycles() {
        return 10;
    }

    @Override
    protected boolean keepsCounters() {
        return true;
    }
}
