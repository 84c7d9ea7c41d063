package io.lvscp.agent.health;

import io.lvscp.api.model.HealthCheck;
import io.lvscp.api.model.HealthCheckKind;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.VirtualServerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One check of one real server, everything a checker needs and nothing else: it crosses into the check worker
 * as JSON, and two equal specs check the same thing (a desired-state change that leaves it equal keeps the real
 * server's verdict and counters as they are).
 *
 * @param port     the real server's port, or the virtual server's; for a firewall-mark service without one, 80
 *                 for http and 443 for https (tcp and expect checks need a port and are not run without one)
 * @param program  the program's argv, %h and %p already replaced (kind program only)
 */
public record CheckSpec(HealthCheckKind kind, String address, int port, Protocol protocol, String path, int expectStatus,
                        String send, String expect, boolean useRegex, List<String> program, long timeoutMillis) {

    /**
     * The check a virtual server asks of one of its real servers (its own check, with the real server's override
     * laid over it); empty when there is nothing to run.
     */
    public static Optional<CheckSpec> of(VirtualServerSpec vs, RealServer rs, long secondMillis) {
        return of(rs.effectiveHealthCheck(vs.healthCheck()), vs, rs, secondMillis);
    }

    /** {@code hc}, with defaults applied, run on {@code rs}; empty when there is nothing to run. */
    static Optional<CheckSpec> of(HealthCheck hc, VirtualServerSpec vs, RealServer rs, long secondMillis) {
        if (hc.kind() == HealthCheckKind.none) return Optional.empty();
        Integer p = rs.port() != null ? rs.port() : vs.port();
        int port = p != null ? p : hc.kind() == HealthCheckKind.http ? 80 : hc.kind() == HealthCheckKind.https ? 443 : 0;
        if (port == 0 && hc.kind() != HealthCheckKind.program) return Optional.empty();
        List<String> program = null;
        if (hc.kind() == HealthCheckKind.program) {
            if (hc.program() == null || hc.program().isBlank()) return Optional.empty();
            List<String> argv = io.lvscp.api.model.Shapes.argv(hc.program());
            program = new ArrayList<>();
            for (String arg : argv) {
                program.add(arg.replace("%h", rs.address()).replace("%p", String.valueOf(port)));
            }
            program = List.copyOf(program);
        }
        return Optional.of(new CheckSpec(hc.kind(), rs.address(), port, vs.protocol() == null ? Protocol.tcp : vs.protocol(),
                hc.path(), hc.expectStatus() == null ? 200 : hc.expectStatus(), hc.send(), hc.expect(),
                Boolean.TRUE.equals(hc.useRegex()), program, (long) hc.timeoutSeconds() * secondMillis));
    }

    /** "2 s", or "250 ms" for a timeout that is not whole seconds (tests run on a faster clock). */
    public String timeoutText() {
        return timeoutMillis % 1000 == 0 ? timeoutMillis / 1000 + " s" : timeoutMillis + " ms";
    }
}
