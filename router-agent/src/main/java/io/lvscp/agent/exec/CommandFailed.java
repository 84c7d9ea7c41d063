package io.lvscp.agent.exec;

/** A kernel command exited non-zero; the message carries the command and its stderr, for the nack. */
public final class CommandFailed extends RuntimeException {
    private final CommandResult result;

    public CommandFailed(CommandResult result) {
        super(String.join(" ", result.argv()) + " exited " + result.exitCode() + ": " + result.stderr().strip());
        this.result = result;
    }

    public CommandResult result() {
        return result;
    }
}
