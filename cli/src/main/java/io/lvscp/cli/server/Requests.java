package io.lvscp.cli.server;

import io.lvscp.cli.Lvscp;
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
}
