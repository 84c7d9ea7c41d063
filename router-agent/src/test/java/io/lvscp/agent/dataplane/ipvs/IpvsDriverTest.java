package io.lvscp.agent.dataplane.ipvs;

import static io.lvscp.agent.dataplane.ipvs.Tables.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.exec.CommandFailed;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.api.model.Scheduler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The driver's use of its runner, with canned ipvsadm answers; IpvsDriverVmTest has the real ones. */
class IpvsDriverTest {
    private record Call(List<String> argv, String stdin) {}

    /** Answers every command with the next canned result and remembers what it was asked. */
    private static final class Canned implements CommandRunner {
        final List<Call> calls = new ArrayList<>();
        private final List<CommandResult> answers;

        Canned(CommandResult... answers) {
            this.answers = new ArrayList<>(List.of(answers));
        }

        @Override
        public CommandResult run(List<String> argv, String stdin) {
            calls.add(new Call(argv, stdin));
            CommandResult r = answers.remove(0);
            return new CommandResult(argv, r.exitCode(), r.stdout(), r.stderr());
        }

        @Override
        public String where() {
            return "canned";
        }
    }

    private static CommandResult answer(int exit, String stdout, String stderr) {
        return new CommandResult(List.of(), exit, stdout, stderr);
    }

    @Test
    void readsWithIpvsadmSaveAndTheThresholdsListing() {
        Canned runner = new Canned(answer(0, "-A -t 192.0.2.10:80 -s rr\n-a -t 192.0.2.10:80 -r 198.51.100.1:80 -m -w 1\n", ""),
                answer(0, """
                        IP Virtual Server version 1.2.1 (size=4096)
                        Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn
                          -> RemoteAddress:Port
                        TCP  192.0.2.10:80 rr
                          -> 198.51.100.1:80              100        50         0          0
                        """, ""));
        assertEquals(table(service(WEB, Scheduler.rr, limited(masq("198.51.100.1", 80, 1), 100, 50))), new IpvsDriver(runner).read());
        assertEquals(List.of(new Call(List.of("ipvsadm", "-Sn"), null), new Call(List.of("ipvsadm", "-Ln", "--thresholds", "--exact"), null)),
                runner.calls);
    }

    @Test
    void aFailedReadThrows() {
        Canned runner = new Canned(answer(2, "", "Can't initialize ipvs: Protocol not available"));
        CommandFailed e = assertThrows(CommandFailed.class, () -> new IpvsDriver(runner).read());
        assertTrue(e.getMessage().contains("Protocol not available"), e.getMessage());
    }

    @Test
    void appliesInOneRestoreBatch() {
        Canned runner = new Canned(answer(0, "", ""));
        new IpvsDriver(runner).apply(ServiceTable.EMPTY, table(service(WEB, Scheduler.rr, masq("198.51.100.1", 80, 1))));
        assertEquals(List.of(new Call(List.of("ipvsadm", "-R"), "-A -t 192.0.2.10:80 -s rr\n-a -t 192.0.2.10:80 -r 198.51.100.1:80 -m -w 1\n")),
                runner.calls);
    }

    @Test
    void runsNothingWhenNothingDiffers() {
        Canned runner = new Canned();
        new IpvsDriver(runner).apply(SAMPLE, SAMPLE);
        assertEquals(List.of(), runner.calls);
    }

    @Test
    void aNonLiteralAddressIsRefusedBeforeAnythingRuns() {
        Canned runner = new Canned();
        List<String> why = new IpvsDriver(runner).unsupported(table(service(tcp("-C", 80), Scheduler.rr, masq("198.51.100.1", 80, 1))));
        assertEquals(1, why.size(), why.toString());
        assertTrue(why.get(0).contains("not an IP address literal"), why.toString());
        assertEquals(List.of(), runner.calls);
    }

    @Test
    void aLineThatFailsInsideAnExitZeroBatchFailsTheApply() {
        Canned runner = new Canned(answer(0, "", "Service already exists\n"));
        CommandFailed e = assertThrows(CommandFailed.class, () -> new IpvsDriver(runner).apply(ServiceTable.EMPTY, SAMPLE));
        assertTrue(e.getMessage().contains("Service already exists"), e.getMessage());
    }

    @Test
    void aFailedBatchFailsTheApply() {
        Canned runner = new Canned(answer(1, "", "Memory allocation problem\n"));
        assertThrows(CommandFailed.class, () -> new IpvsDriver(runner).apply(ServiceTable.EMPTY, SAMPLE));
    }

    @Test
    void supportsTheWholeModel() {
        IpvsDriver driver = new IpvsDriver(new Canned());
        assertEquals("ipvs", driver.name());
        assertEquals(List.of(), driver.unsupported(SAMPLE));
        assertEquals(List.of(), driver.unsupported(big(1000)));
    }

    @Test
    void saysWhenTheKernelWouldChangeARealServersPort() {
        ServiceTable desired = table(service(WEB, Scheduler.rr, gate("198.51.100.1", 8080, 1), ipip("198.51.100.2", 8080, 1),
                masq("198.51.100.3", 8080, 1)));
        List<String> why = new IpvsDriver(new Canned()).unsupported(desired);
        assertEquals(2, why.size(), why.toString());
        assertTrue(why.get(0).startsWith("real server 198.51.100.1:8080 of virtual server tcp 192.0.2.10:80 uses gate forwarding"), why.get(0));
    }

    @Test
    void saysWhenAValueCannotBeWritten() {
        List<String> why = new IpvsDriver(new Canned()).unsupported(table(service(tcp("web01", 80), Scheduler.rr)));
        assertEquals(List.of("the table cannot be written as ipvsadm rules: not an IP address literal: web01"), why);
    }
}
