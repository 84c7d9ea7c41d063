package io.lvscp.agent.dataplane.ipvs;

import static io.lvscp.agent.dataplane.ipvs.Tables.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.exec.CommandFailed;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.reconcile.Changes;
import io.lvscp.agent.vm.QemuVm;
import io.lvscp.api.model.Scheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ipvs driver against a real IPVS kernel: Debian's cloud kernel with ipvsadm, in a qemu VM (this host's
 * kernel has no IPVS). The image comes from src/test/vm/build-ipvs-vm.sh; when it cannot be built or booted the
 * test fails and says why, never skips. Addresses are documentation ranges, and the VM has no network card.
 */
class IpvsDriverVmTest {
    private static final Path BUILD_SCRIPT = Path.of("src/test/vm/build-ipvs-vm.sh");
    private static final Path IMAGE_DIR = Path.of("target/ipvs-vm");

    private static QemuVm vm;
    private static Batches runner;
    private static IpvsDriver driver;

    /** Every ipvsadm -R batch the driver sends, so tests can see that only differences travel. */
    private static final class Batches implements CommandRunner {
        final List<String> scripts = new ArrayList<>();
        private final CommandRunner target;

        Batches(CommandRunner target) {
            this.target = target;
        }

        @Override
        public CommandResult run(List<String> argv, String stdin) {
            if (argv.equals(List.of("ipvsadm", "-R"))) scripts.add(stdin);
            return target.run(argv, stdin);
        }

        @Override
        public String where() {
            return target.where();
        }
    }

    @BeforeAll
    static void boot() {
        QemuVm.Image image = QemuVm.buildImage(BUILD_SCRIPT, IMAGE_DIR, Duration.ofMinutes(15));
        long started = System.nanoTime();
        vm = QemuVm.boot(image, Duration.ofMinutes(3), Duration.ofMinutes(2));
        System.out.printf("IpvsDriverVmTest: VM booted in %d ms%n", (System.nanoTime() - started) / 1_000_000);
        runner = new Batches(vm);
        driver = new IpvsDriver(runner);
    }

    @AfterAll
    static void shutDown() {
        if (vm != null) vm.close();
    }

    @BeforeEach
    void emptyKernelTable() {
        vm.run(List.of("ipvsadm", "-C")).orThrow();
        runner.scripts.clear();
    }

    @Test
    void startsChangesAndStopsTheConnectionSyncDaemons() {
        // The daemons send from an IPv4 address of their interface; this VM has no NIC, so dummy0 gets one.
        vm.run(List.of("ip", "addr", "add", "192.0.2.250/32", "dev", "dummy0")).orThrow();
        try {
            syncDaemons();
        } finally {
            vm.run(List.of("ip", "addr", "del", "192.0.2.250/32", "dev", "dummy0")).orThrow();
        }
    }

    private void syncDaemons() {
        IpvsSyncDaemon daemons = new IpvsSyncDaemon(vm);
        driver.syncConnections(null);
        assertEquals(List.of(), daemons.read());

        assertEquals(2, driver.syncConnections(new io.lvscp.api.model.ConnectionSync("dummy0", 9)).size());
        assertEquals(List.of(new IpvsSyncDaemon.Daemon("master", "dummy0", 9), new IpvsSyncDaemon.Daemon("backup", "dummy0", 9)),
                daemons.read());
        assertEquals(List.of(), driver.syncConnections(new io.lvscp.api.model.ConnectionSync("dummy0", 9)));

        vm.run(List.of("ipvsadm", "--stop-daemon", "backup")).orThrow();
        assertEquals(List.of("started the backup sync daemon (dummy0, sync id 9)"),
                driver.syncConnections(new io.lvscp.api.model.ConnectionSync("dummy0", 9)), "stopped by hand: put back");

        assertEquals(4, driver.syncConnections(new io.lvscp.api.model.ConnectionSync("dummy0", 10)).size(), "a new sync id restarts both");
        assertEquals(2, driver.syncConnections(null).size());
        assertEquals(List.of(), daemons.read());
    }

    @Test
    void appliesATableFromEmptyAndReadsItBack() {
        assertEquals(ServiceTable.EMPTY, driver.read());
        assertEquals(List.of(), driver.unsupported(SAMPLE));
        driver.apply(driver.read(), SAMPLE);
        assertEquals(SAMPLE, driver.read());
        assertEquals(1, runner.scripts.size(), "one batch");
        // The kernel keeps counters for every real server it holds (zero here: no traffic crosses the VM).
        assertEquals(SAMPLE.destinationCount(), driver.stats().size());
    }

    @Test
    void appliesOnlyTheChanges() {
        driver.apply(ServiceTable.EMPTY, SAMPLE);
        ServiceTable changed = with(SAMPLE, WEB, s -> withDestination(s, limited(masq("198.51.100.1", 8080, 7), 100, 50)));
        changed = with(changed, DNS, s -> withDestination(s, gate("198.51.100.8", 53, 1)));
        changed = with(changed, MARK, s -> withoutDestination(s, "198.51.100.6:0"));
        changed = with(changed, TLS, s -> withScheduler(s, Scheduler.wrr));
        changed = with(changed, WEB6, s -> withPersistence(s, 0, null));
        changed = without(changed, DNS6);
        runner.scripts.clear();

        driver.apply(driver.read(), changed);

        assertEquals(changed, driver.read());
        assertEquals(List.of("""
                -D -u [2001:db8::10]:53
                -d -f 80 -r 198.51.100.6:0
                -E -t 192.0.2.11:443 -s wrr -p 60 -M 255.255.255.255
                -E -t [2001:db8::10]:80 -s mh
                -e -t 192.0.2.10:80 -r 198.51.100.1:8080 -m -w 7 -x 100 -y 50
                -a -u 192.0.2.10:53 -r 198.51.100.8:53 -g -w 1
                """), runner.scripts);

        driver.apply(driver.read(), changed);
        assertEquals(1, runner.scripts.size(), "nothing to do, nothing sent");
    }

    @Test
    void seesDriftAndRestoresTheDesiredTable() {
        driver.apply(ServiceTable.EMPTY, SAMPLE);

        vm.run(List.of("ipvsadm", "-d", "-t", "192.0.2.10:80", "-r", "198.51.100.1:8080")).orThrow();
        vm.run(List.of("ipvsadm", "-e", "-f", "80", "-r", "198.51.100.5:0", "-g", "-w", "9")).orThrow();
        vm.run(List.of("ipvsadm", "-A", "-t", "192.0.2.99:25", "-s", "rr")).orThrow();
        ServiceTable drifted = driver.read();
        assertFalse(drifted.services().get(WEB).destinations().containsKey("198.51.100.1:8080"));
        assertEquals(9, drifted.services().get(MARK).destinations().get("198.51.100.5:0").weight());
        assertTrue(drifted.services().containsKey(tcp("192.0.2.99", 25)));
        driver.apply(drifted, SAMPLE);
        assertEquals(SAMPLE, driver.read());

        vm.run(List.of("ipvsadm", "-C")).orThrow();
        assertEquals(ServiceTable.EMPTY, driver.read());
        driver.apply(driver.read(), SAMPLE);
        assertEquals(SAMPLE, driver.read());
    }

    @Test
    void seesThresholdsChangedByHandAndRestoresThem() {
        driver.apply(ServiceTable.EMPTY, SAMPLE);
        assertEquals(SAMPLE, driver.read());

        // As an operator would: ipvsadm -e sets the whole real server, so the weight and method are given as they are.
        vm.run(List.of("ipvsadm", "-e", "-t", "192.0.2.10:80", "-r", "198.51.100.1:8080", "-m", "-w", "3", "-x", "7")).orThrow();
        vm.run(List.of("ipvsadm", "-e", "-u", "192.0.2.10:53", "-r", "198.51.100.3:53", "-g", "-w", "1", "-x", "30", "-y", "20")).orThrow();
        ServiceTable drifted = driver.read();
        assertEquals(limited(masq("198.51.100.1", 8080, 3), 7, 0), drifted.services().get(WEB).destinations().get("198.51.100.1:8080"));
        assertEquals(limited(gate("198.51.100.3", 53, 1), 30, 20), drifted.services().get(DNS).destinations().get("198.51.100.3:53"));
        assertEquals(List.of(
                "reset 198.51.100.1:8080 in tcp 192.0.2.10:80 (upper threshold 7 -> 100, lower threshold 0 -> 50)",
                "reset 198.51.100.3:53 in udp 192.0.2.10:53 (upper threshold 30 -> 0, lower threshold 20 -> 0)"), Changes.between(drifted, SAMPLE));

        runner.scripts.clear();
        driver.apply(drifted, SAMPLE);
        assertEquals(List.of("""
                -e -t 192.0.2.10:80 -r 198.51.100.1:8080 -m -w 3 -x 100 -y 50
                -e -u 192.0.2.10:53 -r 198.51.100.3:53 -g -w 1
                """), runner.scripts);
        assertEquals(SAMPLE, driver.read());
    }

    @Test
    void theKernelAcceptsEveryScheduler() {
        List<Service> services = new ArrayList<>();
        for (Scheduler s : Scheduler.values()) {
            services.add(service(tcp("192.0.2.20", 1000 + s.ordinal()), s, masq("198.51.100.20", 80, 1), masq("198.51.100.21", 80, 2)));
        }
        ServiceTable every = table(services.toArray(new Service[0]));
        driver.apply(ServiceTable.EMPTY, every);
        assertEquals(every, driver.read());
    }

    @Test
    void aFailedLineFailsTheApplyAlthoughIpvsadmExitsZero() {
        driver.apply(ServiceTable.EMPTY, SAMPLE);
        CommandFailed e = assertThrows(CommandFailed.class, () -> driver.apply(ServiceTable.EMPTY, SAMPLE));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void aThousandServicesGoInOneBatchAndOneWeightChangeIsOneLine() {
        ServiceTable big = big(1000);
        driver.apply(ServiceTable.EMPTY, big);
        assertEquals(big, driver.read());

        ServiceTable changed = withOneWeightChanged(big);
        driver.apply(driver.read(), changed);
        assertEquals(changed, driver.read());
        assertEquals(1, runner.scripts.get(1).lines().count(), runner.scripts.get(1));
    }

    @Test
    void theVmRunnerPassesArgumentsAndStdinVerbatim() {
        List<String> nasty = List.of("it's", "$(poweroff -f)", "`reboot`", "a\nb", "; ipvsadm -C", "\"q\"", "*", "", "-n", "\\", "é");
        List<String> argv = new ArrayList<>(List.of("printf", "[%s]"));
        argv.addAll(nasty);
        CommandResult r = vm.run(argv);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(nasty.stream().map(a -> "[" + a + "]").reduce("", String::concat), r.stdout());

        byte[] noise = new byte[6000];
        new Random(1).nextBytes(noise);
        // Incompressible, so it needs several console lines even gzipped.
        String stdin = "line one\n'quoted' $HOME `x`\n\n" + Base64.getEncoder().encodeToString(noise) + "\nno newline at the end";
        CommandResult cat = vm.run(List.of("cat"), stdin);
        assertEquals(stdin, cat.stdout());

        CommandResult failed = vm.run(List.of("ls", "/no/such/file"));
        assertNotEquals(0, failed.exitCode());
        assertTrue(failed.stderr().contains("/no/such/file"), failed.stderr());
    }
}
