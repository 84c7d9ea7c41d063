package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.Lvscp;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code drain}, {@code enable} and {@code weight} share: one real server, a reason for the audit log, an
 * optional If-Match, a dry run. Unlike apply these make no dry run of their own first: in an incident a drain
 * should not fail because something else changed the cluster a moment before; {@code --if-match} asks for that.
 */
abstract class RealServerChange implements Callable<Integer> {
    @Mixin
    ServerOptions server;

    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Parameters(index = "1", paramLabel = "VS", description = "the virtual server")
    String virtualServer;

    @Parameters(index = "2", paramLabel = "RS", description = "the real server")
    String realServer;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why: recorded with the event in the audit log")
    String reason;

    @Option(names = "--if-match", paramLabel = "REVISION",
            description = "change it only if the cluster is still at this revision (refused otherwise, exit 1)")
    String ifMatch;

    @Option(names = "--dry-run", description = "show what would change, change nothing")
    boolean dryRun;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** POST or PUT. */
    abstract String method();

    /** The path below the real server's. */
    abstract String action();

    /** The request's body, or null. */
    abstract String body();

    /** What was done, for "rs1 of http drained". */
    abstract String done(JsonNode realServer);

    @Override
    public Integer call() throws Exception {
        String why = Requests.reason(spec, reason);
        String etag = null;
        if (ifMatch != null) {
            String r = ifMatch.strip().replace("\"", "");
            if (!r.matches("0|[1-9][0-9]{0,17}")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--if-match takes a revision such as 12, not '" + ifMatch + "'");
            }
            etag = "\"" + r + "\"";
        }
        String path = "/v1/clusters/" + Requests.segment(cluster) + "/virtual-servers/" + Requests.segment(virtualServer)
                + "/real-servers/" + Requests.segment(realServer) + "/" + action() + (dryRun ? "?dryRun=true" : "");
        String match = etag;
        PrintWriter out = spec.commandLine().getOut();
        return Requests.run(spec, server, api -> {
            ApiClient.Answer a = api.send(method(), path, body(), match, why);
            if (!a.ok()) return Requests.refused(spec, a);
            if (!output.table()) {
                // For scripts: the real server as the API answered (after the change, or as it would be on a dry run).
                output.print(out, Json.mapper().readTree(a.body()));
                return Lvscp.OK;
            }
            String what = realServer + " of " + virtualServer + " " + done(Json.mapper().readTree(a.body()));
            String n = a.header("Lvscp-Events-Appended");
            int count = n == null ? 0 : Integer.parseInt(n);
            if (count == 0) {
                out.println("cluster " + cluster + ": " + what + " already; no change");
            } else if (dryRun) {
                out.println("cluster " + cluster + ": " + count + " event(s) would be appended:");
                for (String type : String.valueOf(a.header("Lvscp-Dry-Run-Events")).split(",\\s*")) out.println("  " + type);
            } else {
                out.println("cluster " + cluster + ": " + what + "; cluster is at revision " + Requests.revision(a));
            }
            out.flush();
            return Lvscp.OK;
        });
    }
}
