package io.lvscp.cli.server;

import io.lvscp.cli.Lvscp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lvscp config get-contexts|use-context|set-context}: the named contexts of the config file. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "The config file's contexts: which control plane, token and CA certificate a command uses by default.",
        subcommands = {ConfigCommand.GetContexts.class, ConfigCommand.UseContext.class, ConfigCommand.SetContext.class})
public final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: get-contexts, use-context or set-context");
    }

    abstract static class OnFile implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE",
                description = "the config file (default: $LVSCP_CONFIG, else ~/.config/lvscp/config.yaml)")
        Path config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract void run(CliConfig c) throws CliConfig.Bad;

        @Override
        public Integer call() {
            try {
                run(CliConfig.load(CliConfig.location(config, System.getenv())));
                return Lvscp.OK;
            } catch (CliConfig.Bad e) {
                return Requests.usageLine(spec, e.getMessage());
            }
        }
    }

    @Command(name = "get-contexts", mixinStandardHelpOptions = true, description = "List the contexts; * marks the current one.")
    static final class GetContexts extends OnFile {
        @Override
        void run(CliConfig c) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"CURRENT", "NAME", "SERVER", "TOKENFILE", "CACERT"});
            for (Map.Entry<String, CliConfig.Context> e : c.contexts().entrySet()) {
                CliConfig.Context x = e.getValue();
                rows.add(new String[] {e.getKey().equals(c.current()) ? "*" : "", e.getKey(), x.server() == null ? "" : x.server(),
                        x.tokenFile() == null ? "" : x.tokenFile().toString(), x.cacert() == null ? "" : x.cacert().toString()});
            }
            TokensCommand.table(spec.commandLine().getOut(), rows);
        }
    }

    @Command(name = "use-context", mixinStandardHelpOptions = true, description = "Make NAME the current context.")
    static final class UseContext extends OnFile {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        void run(CliConfig c) throws CliConfig.Bad {
            c.useContext(name);
            spec.commandLine().getOut().println("current context: " + name);
            spec.commandLine().getOut().flush();
        }
    }

    @Command(name = "set-context", mixinStandardHelpOptions = true, description = "Make context NAME or change the settings given.")
    static final class SetContext extends OnFile {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--server", paramLabel = "URL")
        String server;

        @Option(names = "--token-file", paramLabel = "FILE")
        Path tokenFile;

        @Option(names = "--cacert", paramLabel = "PEM")
        Path cacert;

        @Override
        void run(CliConfig c) throws CliConfig.Bad {
            c.setContext(name, server, tokenFile, cacert);
            spec.commandLine().getOut().println("context " + name + " set in " + c.file());
            spec.commandLine().getOut().flush();
        }
    }
}
