package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.cli.imports.Documents;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code -o table|json|yaml}, shared by the read commands. JSON and YAML are the API's own answers re-serialized, so
 * a script sees the contract's fields (new ones included), not what the table chose to show.
 */
public final class OutputOptions {
    enum Format { TABLE, JSON, YAML }

    Format format = Format.TABLE;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = {"-o", "--output"}, paramLabel = "table|json|yaml", defaultValue = "table", description = "(default: ${DEFAULT-VALUE})")
    void output(String value) {
        try {
            format = Format.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "-o takes table, json or yaml, not '" + value + "'");
        }
    }

    boolean table() {
        return format == Format.TABLE;
    }

    /** The document as JSON or YAML; only called when {@link #table()} is false. */
    void print(PrintWriter out, JsonNode doc) {
        out.print(format == Format.JSON ? Documents.json(doc) : Documents.yaml(doc));
        out.flush();
    }
}
