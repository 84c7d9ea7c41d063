package io.lvscp.agent.dataplane.contract;

import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import java.util.ArrayList;
import java.util.List;

/**
 * A runner that keeps every command it passes on, stdin included: ProcessRunner's observer sees only the argv, and
 * a batch driver's whole change travels on stdin ({@code ipvsadm -R}, {@code nft -f -}).
 */
public final class CommandLog implements CommandRunner {
    private final CommandRunner target;
    private final List<String> commands = new ArrayList<>();

    public CommandLog(CommandRunner target) {
        this.target = target;
    }

    /** "argv joined by spaces", then a newline and the stdin when there is one: what the contract compares. */
    public static String spelled(List<String> argv, String stdin) {
        return String.join(" ", argv) + (stdin == null ? "" : "\n" + stdin);
    }

    @Override
    public CommandResult run(List<String> argv, String stdin) {
        synchronized (commands) {
            commands.add(spelled(argv, stdin));
        }
        return target.run(argv, stdin);
    }

    public List<String> commands() {
        synchronized (commands) {
            return List.copyOf(commands);
        }
    }

    public void forget() {
        synchronized (commands) {
            commands.clear();
        }
    }

    @Override
    public String where() {
        return target.where();
    }
}
