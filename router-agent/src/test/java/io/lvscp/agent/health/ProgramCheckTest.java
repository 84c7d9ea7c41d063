package io.lvscp.agent.health;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.HealthCheck;
import io.lvscp.api.model.HealthCheckKind;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.VirtualServerSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Piranha's send_program: argv without a shell, %h and %p, exit status, output, and a timeout that kills it. */
class ProgramCheckTest {
    static CheckSpec program(String command, String expect, long timeoutMillis) {
        VirtualServerSpec vs = new VirtualServerSpec("http", "192.168.26.10", "255.255.255.0", "eth0:1", 80, Protocol.tcp, null, null, null,
                new HealthCheck(HealthCheckKind.program, null, null, null, expect, null, command, 1, 1, 0, 1, 1), false, null, true, null);
        RealServer rs = new RealServer("rs1", "10.11.12.1", null, 1, null, null, null, null, null).withDefaults("rs1", 8080, RoutingMethod.nat);
        CheckSpec s = CheckSpec.of(vs, rs, 1000).orElseThrow();
        return new CheckSpec(s.kind(), s.address(), s.port(), s.protocol(), s.path(), s.expectStatus(), s.send(), s.expect(), s.useRegex(),
                s.program(), timeoutMillis);
    }

    @Test
    void argumentsAreSubstitutedAndNeverSeenByAShell() {
        CheckSpec s = program("/bin/echo %h:%p ;touch /tmp/x $(id)", null, 1000);
        assertEquals(List.of("/bin/echo", "10.11.12.1:8080", ";touch", "/tmp/x", "$(id)"), s.program());
        List<List<String>> seen = new ArrayList<>();
        CheckResult r = new ProgramCheck(ProcessRunner.local().observedBy(seen::add)).run(program("/bin/echo %h:%p ;touch", "10.11.12.1:8080 ;touch", 2000));
        assertEquals(CheckResult.Status.UP, r.status(), r.toString());
        assertEquals("/bin/echo exited 0", r.reason());
        assertEquals(List.of("timeout", "--kill-after=1", "2.000", "/bin/echo", "10.11.12.1:8080", ";touch"), seen.get(0));
    }

    @Test
    void exitStatusOutputAndTimeout() {
        ProgramCheck check = new ProgramCheck(ProcessRunner.local());
        assertEquals(CheckResult.Status.UP, check.run(program("/bin/true", null, 1000)).status());
        assertEquals("/bin/false exited 1", check.run(program("/bin/false", null, 1000)).reason());
        assertEquals("/bin/echo printed \"10.11.12.1\", without \"OK\"", check.run(program("/bin/echo %h", "OK", 1000)).reason());
        long t0 = System.nanoTime();
        CheckResult slow = check.run(program("/bin/sleep 30", null, 500));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(CheckResult.Status.DOWN, slow.status());
        assertEquals("timeout after 500 ms", slow.reason());
        assertTrue(ms < 2500, "the program was killed at its timeout, took " + ms + " ms");
        assertTrue(check.run(program("/nonexistent/check", null, 1000)).reason().startsWith("/nonexistent/check not found"));
    }

    @Test
    void specsOfAFirewallMarkServiceAndOfKindNone() {
        VirtualServerSpec mark = new VirtualServerSpec("web", "192.168.26.10", "255.255.255.0", "eth0:1", null, Protocol.tcp, 80L, null, null,
                new HealthCheck(HealthCheckKind.http, null, null, null, null, null, null, null, null, null, null, null), false, null, true, null)
                .withDefaults("web");
        RealServer rs = new RealServer("rs1", "10.11.12.1", null, 1, null, null, null, null, null).withDefaults("rs1", null, RoutingMethod.nat);
        assertEquals(80, CheckSpec.of(mark, rs, 1000).orElseThrow().port(), "http without a port checks port 80");
        VirtualServerSpec tcpMark = new VirtualServerSpec("web", "192.168.26.10", "255.255.255.0", "eth0:1", null, Protocol.tcp, 80L, null, null,
                null, false, null, true, null).withDefaults("web");
        assertTrue(CheckSpec.of(tcpMark, rs, 1000).isEmpty(), "a TCP check needs a port");
        VirtualServerSpec none = new VirtualServerSpec("web", "192.168.26.10", "255.255.255.0", "eth0:1", 80, Protocol.tcp, null, null, null,
                new HealthCheck(HealthCheckKind.none, null, null, null, null, null, null, null, null, null, null, null), false, null, true, null)
                .withDefaults("web");
        assertTrue(CheckSpec.of(none, rs, 1000).isEmpty());
        assertTrue(ClusterState.absent("x").virtualServers().isEmpty());
    }
}
