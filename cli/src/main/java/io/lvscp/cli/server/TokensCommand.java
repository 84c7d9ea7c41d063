package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.Lvscp;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lvscp tokens list|create|revoke}: the API tokens and agent credentials (/v1/tokens; an admin token's work). */
@Command(name = "tokens", mixinStandardHelpOptions = true, description = "List, make and revoke API tokens and agent credentials.",
        subcommands = {TokensCommand.ListTokens.class, TokensCommand.Create.class, TokensCommand.Revoke.class})
public final class TokensCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: list, create or revoke");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every token ever made, revoked and expired ones too; never a secret.")
    static final class ListTokens implements Callable<Integer> {
        @Mixin
        ServerOptions server;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return Requests.run(spec, server, api -> {
                ApiClient.Answer a = api.send("GET", "/v1/tokens", null, null);
                if (!a.ok()) return Requests.refused(spec, a);
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"ID", "NAME", "ROLE", "STATE", "CLUSTERS", "ROUTER", "CREATED", "BY", "EXPIRES"});
                for (JsonNode t : Json.mapper().readTree(a.body()).path("items")) {
                    List<String> cs = new ArrayList<>();
                    t.path("clusters").forEach(c -> cs.add(c.asText()));
                    rows.add(new String[] {t.path("id").asText(), t.path("name").asText(), t.path("role").asText(), t.path("state").asText(),
                            cs.isEmpty() ? "*" : String.join(",", cs), t.path("router").asText("-"), t.path("createdAt").asText(),
                            t.path("createdBy").asText(), t.path("expiresAt").asText("never")});
                }
                table(spec.commandLine().getOut(), rows);
                return Lvscp.OK;
            });
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Make a token and print its secret on stdout, this once (the control plane keeps only its hash).",
                    "e.g. lvscp tokens create oncall --role operator --cluster web > oncall.token"})
    static final class Create implements Callable<Integer> {
        @Mixin
        ServerOptions server;

        @Parameters(index = "0", paramLabel = "NAME", description = "who uses it: the actor recorded with every event it writes")
        String name;

        @Option(names = "--role", required = true, paramLabel = "viewer|operator|admin|agent")
        String role;

        @Option(names = "--cluster", paramLabel = "CLUSTER", description = "a cluster it reaches (repeat; default: every cluster)")
        List<String> clusters = new ArrayList<>();

        @Option(names = "--router", paramLabel = "ROUTER", description = "role agent: the router the credential speaks for")
        String router;

        @Option(names = "--expires-at", paramLabel = "TIME", description = "when it stops working, RFC 3339 (default: never)")
        String expiresAt;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Json.mapper().createObjectNode().put("name", name).put("role", role);
            if (!clusters.isEmpty()) clusters.forEach(body.putArray("clusters")::add);
            if (router != null) body.put("router", router);
            if (expiresAt != null) body.put("expiresAt", expiresAt);
            return Requests.run(spec, server, api -> {
                ApiClient.Answer a = api.send("POST", "/v1/tokens", Json.mapper().writeValueAsString(body), null);
                if (!a.ok()) return Requests.refused(spec, a);
                JsonNode t = Json.mapper().readTree(a.body());
                // The secret alone on stdout, so that `> file` makes a token file; what it is goes to stderr.
                spec.commandLine().getOut().println(t.path("token").asText());
                spec.commandLine().getOut().flush();
                PrintWriter err = spec.commandLine().getErr();
                err.println("token " + t.path("name").asText() + " (id " + t.path("id").asText() + ", role " + t.path("role").asText()
                        + (clusters.isEmpty() ? "" : ", clusters " + String.join(",", clusters)) + ") made; its secret is shown this once");
                err.flush();
                return Lvscp.OK;
            });
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a token at once: its next request is refused, an agent stream opened with it is closed.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        ServerOptions server;

        @Parameters(index = "0", paramLabel = "ID|NAME", description = "the token's id or its name (names are unique forever)")
        String token;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return Requests.run(spec, server, api -> {
                ApiClient.Answer all = api.send("GET", "/v1/tokens", null, null);
                if (!all.ok()) return Requests.refused(spec, all);
                JsonNode found = null;
                for (JsonNode t : Json.mapper().readTree(all.body()).path("items")) {
                    if (t.path("id").asText().equals(token)) found = t;
                }
                if (found == null) {
                    for (JsonNode t : Json.mapper().readTree(all.body()).path("items")) {
                        if (t.path("name").asText().equals(token)) found = t;
                    }
                }
                if (found == null) {
                    spec.commandLine().getErr().println("error: no token has the id or name '" + token + "'");
                    spec.commandLine().getErr().flush();
                    return Lvscp.REFUSED;
                }
                String id = found.path("id").asText();
                String was = found.path("state").asText();
                ApiClient.Answer a = api.send("DELETE", "/v1/tokens/" + Requests.segment(id), null, null);
                if (!a.ok()) return Requests.refused(spec, a);
                spec.commandLine().getOut().println((was.equals("revoked") ? "already revoked" : "revoked") + ": token "
                        + found.path("name").asText() + " (id " + id + ")");
                spec.commandLine().getOut().flush();
                return Lvscp.OK;
            });
        }
    }

    static void table(PrintWriter out, List<String[]> rows) {
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(w[i] - r[i].length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }
}
