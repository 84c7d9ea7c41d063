package io.lvscp.cli.server;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lvscp rollback CLUSTER --to N}: the desired state of revision N again, by the events that lead there
 * (POST .../rollback; history is appended to, never rewritten). Shown first and made with If-Match, as apply is.
 */
@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = "Return a cluster to the desired state of an earlier revision, showing the events that takes.")
public final class RollbackCommand implements Callable<Integer> {
    @Mixin
    ServerOptions server;

    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--to", required = true, paramLabel = "REVISION", description = "the revision to return to (1 to the current one)")
    long revision;

    @Option(names = "--dry-run", description = "show the events it would append, change nothing")
    boolean dryRun;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why: recorded with the events in the audit log")
    String reason;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (revision < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--to takes a revision from 1, not " + revision);
        String why = Requests.reason(spec, reason);
        String path = "/v1/clusters/" + Requests.segment(cluster) + "/rollback";
        String body = "{\"revision\": " + revision + "}";
        return Requests.run(spec, server,
                api -> Requests.planned(spec, api, cluster, "POST", path, body, why, dryRun, "rolled back to revision " + revision));
    }
}
