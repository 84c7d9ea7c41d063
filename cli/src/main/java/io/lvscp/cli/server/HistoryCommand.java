package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.cli.Lvscp;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lvscp history CLUSTER}: who changed the cluster, when and why, revision by revision, oldest first (GET
 * /v1/events?cluster=, paged through its cursor). The routers' own reports (health, role, drift) are in the same log
 * but are not changes anyone made; {@code --observations} adds them.
 */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Show a cluster's changes: revision, time, actor, event, what it changed, and the reason given.")
public final class HistoryCommand implements Callable<Integer> {
    @Mixin
    ServerOptions server;

    @Mixin
    OutputOptions output;

    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--limit", paramLabel = "N", description = "at most N events (default: all)")
    int limit;

    @Option(names = "--since", paramLabel = "TIME", description = "only events recorded at or after TIME (RFC 3339)")
    String since;

    @Option(names = "--observations", description = "also what the routers reported: health verdicts, roles, drift corrected")
    boolean observations;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (limit < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--limit takes a positive number");
        PrintWriter out = spec.commandLine().getOut();
        return Requests.run(spec, server, api -> {
            String query = "cluster=" + Requests.query(cluster) + (since == null ? "" : "&since=" + Requests.query(since));
            EventLog.Read read = EventLog.read(api, query, limit, e -> observations || EventLog.desired(e));
            if (read.refused() != null) return Requests.refused(spec, read.refused());
            if (read.events().isEmpty()) {
                // The log answers an empty page for a name it never saw; the cluster itself says whether it exists.
                ApiClient.Answer c = api.send("GET", "/v1/clusters/" + Requests.segment(cluster), null, null);
                if (!c.ok()) return Requests.refused(spec, c);
            }
            if (!output.table()) {
                output.print(out, EventLog.items(read.events()));
                return Lvscp.OK;
            }
            Table t = new Table("REVISION", "TIME", "ACTOR", "EVENT", "CHANGE", "REASON");
            for (JsonNode e : read.events()) {
                t.row(EventLog.revision(e), EventLog.time(e.path("recordedAt").asText(null)), e.path("metadata").path("actor").asText("-"),
                        e.path("type").asText(), EventLog.what(e.path("type").asText(""), e.path("data")), EventLog.reason(e));
            }
            if (t.empty()) out.println("cluster " + cluster + ": no events" + (since == null ? "" : " since " + since));
            else t.print(out, "");
            out.flush();
            return Lvscp.OK;
        });
    }
}
