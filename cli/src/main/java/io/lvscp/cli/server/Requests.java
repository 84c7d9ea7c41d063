package io.lvscp.cli.server;

import io.lvscp.cli.Lvscp;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** What every server command shares: the client made once, refusals and an unreachable server as exit codes. */
final class Requests {
    /** The server cannot be reached. */
    static final int UNREACHABLE = 3;

    interface Call {
        int run(ApiClient api) throws Exception;
    }

    private Requests() {}

    static int run(CommandLine.Model.CommandSpec spec, ServerOptions server, Call call) throws Exception {
        ApiClient api;
        try {
            api = new ApiClient(server);
        } catch (CliConfig.Bad e) {
            // One line, not picocli's usage text: the command line was fine, the file is not.
            return usageLine(spec, e.getMessage());
        } catch (IllegalArgumentException | java.io.IOException | java.security.GeneralSecurityException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            return call.run(api);
        } catch (ApiClient.Unreachable e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return UNREACHABLE;
        }
    }

    static int usageLine(CommandLine.Model.CommandSpec spec, String message) {
        spec.commandLine().getErr().println("error: " + message);
        spec.commandLine().getErr().flush();
        return Lvscp.USAGE;
    }

    static int refused(CommandLine.Model.CommandSpec spec, ApiClient.Answer a) {
        ApiClient.render(a).forEach(spec.commandLine().getErr()::println);
        spec.commandLine().getErr().flush();
        return Lvscp.REFUSED;
    }

    /** The JSON of an answer (the API answers JSON, unknown fields included, which a table may ignore). */
    static com.fasterxml.jackson.databind.JsonNode json(ApiClient.Answer a) throws java.io.IOException {
        return io.lvscp.api.json.Json.mapper().readTree(a.body());
    }

    static String query(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A usage error unless {@code reason} can travel as the Lvscp-Reason header the contract allows. */
    static String reason(CommandLine.Model.CommandSpec spec, String reason) {
        if (reason == null) return null;
        if (reason.length() > 1024 || !reason.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c < 0x7f))) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--reason must be at most 1024 printable ASCII characters (it travels in an HTTP header)");
        }
        return reason;
    }

    /** An ETag's revision without its quotes, for people. */
    static String revision(ApiClient.Answer a) {
        String etag = a.header("ETag");
        return etag == null ? "?" : etag.replace("W/", "").replace("\"", "");
    }

    /**
     * A write shown before it is made: a dry run lists the events it appends; then, unless {@code dryRun}, the
     * write itself with If-Match on the revision that dry run was computed against, so what was shown is what is
     * appended (a change in between is refused, 412). {@code path} has no query; {@code done} starts the last line.
     */
    static int planned(CommandLine.Model.CommandSpec spec, ApiClient api, String cluster, String method, String path, String body,
                       String reason, boolean dryRun, String done) throws Exception {
        return planned(spec, api, cluster, method, path, body, reason, dryRun, done, null);
    }

    /**
     * As above; with {@code current} (the GET path of the resource as the write's answer shows it, such as
     * .../spec), the change is also shown as a unified diff of that resource before and after, both as the server
     * renders them (so defaults and order do not show up as changes). A cluster that does not exist yet is empty.
     */
    static int planned(CommandLine.Model.CommandSpec spec, ApiClient api, String cluster, String method, String path, String body,
                       String reason, boolean dryRun, String done, String current) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ApiClient.Answer before = current == null ? null : api.send("GET", current, null, null);
        if (before != null && !before.ok() && before.status() != 404) return refused(spec, before);
        ApiClient.Answer plan = api.send(method, path + "?dryRun=true", body, null, reason);
        if (!plan.ok()) return refused(spec, plan);
        String events = plan.header("Lvscp-Dry-Run-Events");
        int count = Integer.parseInt(plan.header("Lvscp-Events-Appended") == null ? "0" : plan.header("Lvscp-Events-Appended"));
        if (count == 0) {
            out.println("cluster " + cluster + ": no change");
            out.flush();
            return Lvscp.OK;
        }
        if (before != null) {
            String was = before.ok() ? io.lvscp.cli.imports.Documents.yaml(io.lvscp.api.json.Json.mapper().readTree(before.body())) : "";
            String will = io.lvscp.cli.imports.Documents.yaml(io.lvscp.api.json.Json.mapper().readTree(plan.body()));
            String from = before.ok() ? cluster + " at revision " + revision(before) : cluster + " (does not exist yet)";
            for (String line : TextDiff.unified(was, will, from, cluster + " after this change")) out.println(line);
        }
        out.println("cluster " + cluster + ": " + count + " event(s)" + (dryRun ? " would be appended" : " to append") + ":");
        for (String type : events == null || events.isBlank() ? new String[0] : events.split(",\\s*")) out.println("  " + type);
        if (dryRun) {
            out.flush();
            return Lvscp.OK;
        }
        ApiClient.Answer written = api.send(method, path, body, plan.header("ETag"), reason);
        if (!written.ok()) {
            out.flush();
            return refused(spec, written);
        }
        out.println(done + ": cluster " + cluster + " is at revision " + revision(written));
        out.flush();
        return Lvscp.OK;
    }
}
