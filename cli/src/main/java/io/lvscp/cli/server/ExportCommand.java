package io.lvscp.cli.server;

import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterSpec;
import io.lvscp.cli.Lvscp;
import io.lvscp.cli.imports.Documents;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lvscp export CLUSTER}: the cluster's whole desired configuration as one document (GET .../spec). */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Print a cluster's whole configuration as one document; `lvscp apply -f` takes it back unchanged.")
public final class ExportCommand implements Callable<Integer> {
    @Mixin
    ServerOptions server;

    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = {"-o", "--output"}, paramLabel = "yaml|json", defaultValue = "yaml", description = "(default: ${DEFAULT-VALUE})")
    String output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!output.equals("yaml") && !output.equals("json")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-o takes yaml or json, not '" + output + "'");
        }
        return Requests.run(spec, server, api -> {
            ApiClient.Answer a = api.send("GET", "/v1/clusters/" + Requests.segment(cluster) + "/spec", null, null);
            if (!a.ok()) return Requests.refused(spec, a);
            ClusterSpec doc = Json.mapper().readValue(a.body(), ClusterSpec.class);
            spec.commandLine().getOut().print(output.equals("json") ? Documents.json(doc) : Documents.yaml(doc));
            spec.commandLine().getOut().flush();
            return Lvscp.OK;
        });
    }
}
