package io.lvscp.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lvscp completion [bash]}: picocli's completion script for the whole command tree, made from it as it is. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print the shell completion script.", "bash: source <(lvscp completion bash)",
                "zsh: autoload -U +X bashcompinit && bashcompinit && source <(lvscp completion bash)"})
public final class CompletionCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SHELL", defaultValue = "bash", description = "only bash (zsh reads it through bashcompinit)")
    String shell;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!shell.equals("bash")) throw new CommandLine.ParameterException(spec.commandLine(), "completion is for bash (and zsh through bashcompinit), not '" + shell + "'");
        spec.commandLine().getOut().print(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
