package io.lvscp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lvscp} command. Subcommands: {@code import}, {@code export}, {@code apply}, the reads {@code status},
 * {@code get}, {@code history}, {@code diff}, {@code events}, the writes {@code rollback}, {@code drain}, {@code enable},
 * {@code weight}, {@code tokens}, and {@code config}, {@code completion}. Exit codes: 0 done, 1 refused
 * (by the server, or the input cannot be carried over; every reason is printed), 2 a usage error, 3 the server
 * cannot be reached.
 */
@Command(name = "lvscp", mixinStandardHelpOptions = true, version = "lvscp 0.1.0",
        description = "Control plane for Linux Virtual Server clusters: the command line.",
        subcommands = {ImportCommand.class, io.lvscp.cli.server.ExportCommand.class, io.lvscp.cli.server.ApplyCommand.class,
                io.lvscp.cli.server.StatusCommand.class, io.lvscp.cli.server.GetCommand.class, io.lvscp.cli.server.HistoryCommand.class,
                io.lvscp.cli.server.DiffCommand.class, io.lvscp.cli.server.EventsCommand.class,
                io.lvscp.cli.server.RollbackCommand.class, io.lvscp.cli.server.DrainCommand.class, io.lvscp.cli.server.EnableCommand.class,
                io.lvscp.cli.server.WeightCommand.class, io.lvscp.cli.server.TokensCommand.class, io.lvscp.cli.server.ConfigCommand.class,
                CompletionCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:refused (the reasons printed on stderr)", "2:usage error", "3:the control plane cannot be reached"})
public final class Lvscp implements Runnable {
    public static final int OK = 0;
    public static final int REFUSED = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed (lvscp --help lists them)");
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Lvscp());
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? USAGE : REFUSED);
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
