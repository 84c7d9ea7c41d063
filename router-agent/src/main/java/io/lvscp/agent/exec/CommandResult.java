package io.lvscp.agent.exec;

import java.util.List;

/** What a command did: its exit status and output. */
public record CommandResult(List<String> argv, int exitCode, String stdout, String stderr) {
    public boolean ok() {
        return exitCode == 0;
    }

    /** This result, or a {@link CommandFailed} that says which command failed and what it printed. */
    public CommandResult orThrow() {
        if (!ok()) throw new CommandFailed(this);
        return this;
    }
}
