package io.lvscp.agent.health;

import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Piranha's send_program: an operator's program, run without a shell through the agent's command runner (so in
 * the router's network namespace when the agent has one), under coreutils' {@code timeout}, which kills it when
 * the check's time is up. Exit 0 passes; with {@code expect}, its output must also contain (or match) that.
 */
public final class ProgramCheck {
    private final CommandRunner runner;

    public ProgramCheck(CommandRunner runner) {
        this.runner = runner;
    }

    public CheckResult run(CheckSpec spec) {
        long start = System.nanoTime();
        List<String> argv = new ArrayList<>(List.of("timeout", "--kill-after=1",
                String.format(Locale.ROOT, "%.3f", spec.timeoutMillis() / 1000.0)));
        argv.addAll(spec.program());
        CommandResult r = runner.run(argv);
        long nanos = System.nanoTime() - start;
        String program = spec.program().get(0);
        return switch (r.exitCode()) {
            case 0 -> {
                if (spec.expect() != null && !NetworkChecks.matches(spec, r.stdout())) {
                    yield CheckResult.down(program + " printed \"" + NetworkChecks.excerpt(r.stdout()) + "\", "
                            + (spec.useRegex() ? "not matching /" + spec.expect() + "/" : "without \"" + NetworkChecks.excerpt(spec.expect()) + "\""), nanos);
                }
                yield CheckResult.up(program + " exited 0", nanos);
            }
            case 124, 137 -> CheckResult.down("timeout after " + spec.timeoutText(), nanos);
            case 126 -> CheckResult.down(program + " cannot be run: " + firstLine(r.stderr()), nanos);
            case 127 -> CheckResult.down(program + " not found: " + firstLine(r.stderr()), nanos);
            default -> CheckResult.down(program + " exited " + r.exitCode() + (r.stderr().isBlank() ? "" : ": " + firstLine(r.stderr())), nanos);
        };
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return NetworkChecks.excerpt(nl < 0 ? t : t.substring(0, nl));
    }
}
