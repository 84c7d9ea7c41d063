package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.imports.Documents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lvscp apply -f FILE}: makes a cluster exactly the document (PUT .../spec). First a dry run, which shows the
 * events the change appends; then, unless {@code --dry-run}, the write itself with If-Match on the revision that
 * dry run was computed against, so what was shown is what is applied (a change in between is refused, 412).
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Make a cluster exactly the document in FILE (YAML or JSON), showing the events it appends.")
public final class ApplyCommand implements Callable<Integer> {
    @Mixin
    ServerOptions server;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "the cluster document")
    Path file;

    @Option(names = "--dry-run", description = "show what would change, change nothing")
    boolean dryRun;

    @Option(names = "--cluster", paramLabel = "NAME", description = "the cluster (default: the document's name)")
    String cluster;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why: recorded with the events in the audit log")
    String reason;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JsonNode doc;
        try {
            doc = Documents.yamlMapper().readTree(Files.readString(file));
        } catch (java.io.IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + file + ": " + e.getMessage());
        }
        if (!(doc instanceof ObjectNode obj)) throw new CommandLine.ParameterException(spec.commandLine(), file + " holds no document");
        String name = cluster != null ? cluster : obj.path("name").asText(null);
        if (name == null) throw new CommandLine.ParameterException(spec.commandLine(), file + " names no cluster: give --cluster");
        if (cluster != null) obj.put("name", cluster);
        return apply(spec, server, name, Json.mapper().writeValueAsString(obj), dryRun, reason);
    }

    /**
     * PUT {@code document} (JSON) as cluster {@code name}'s spec, shown first: what {@code lvscp apply -f} and
     * {@code lvscp import --apply} both do.
     */
    public static int apply(CommandLine.Model.CommandSpec spec, ServerOptions server, String name, String document, boolean dryRun,
                            String reason) throws Exception {
        String path = "/v1/clusters/" + Requests.segment(name) + "/spec";
        String why = Requests.reason(spec, reason);
        return Requests.run(spec, server, api -> Requests.planned(spec, api, name, "PUT", path, document, why, dryRun, "applied", path));
    }
}
