package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.Lvscp;
import io.lvscp.cli.imports.Documents;
import java.io.PrintWriter;
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
        String body = Json.mapper().writeValueAsString(obj);
        String path = "/v1/clusters/" + Requests.segment(name) + "/spec";
        PrintWriter out = spec.commandLine().getOut();
        return Requests.run(spec, server, api -> {
            ApiClient.Answer plan = api.send("PUT", path + "?dryRun=true", body, null);
            if (!plan.ok()) return Requests.refused(spec, plan);
            String events = plan.header("Lvscp-Dry-Run-Events");
            int count = Integer.parseInt(plan.header("Lvscp-Events-Appended") == null ? "0" : plan.header("Lvscp-Events-Appended"));
            if (count == 0) {
                out.println("cluster " + name + ": no change");
                out.flush();
                return Lvscp.OK;
            }
            out.println("cluster " + name + ": " + count + " event(s)" + (dryRun ? " would be appended" : " to append") + ":");
            for (String type : events == null ? new String[0] : events.split(",\\s*")) out.println("  " + type);
            if (dryRun) {
                out.flush();
                return Lvscp.OK;
            }
            ApiClient.Answer current = api.send("GET", path, null, null);
            String etag = current.ok() ? current.header("ETag") : null;
            ApiClient.Answer done = api.send("PUT", path, body, etag);
            if (!done.ok()) return Requests.refused(spec, done);
            out.println("applied: cluster " + name + " is at revision " + done.header("ETag"));
            out.flush();
            return Lvscp.OK;
        });
    }
}
