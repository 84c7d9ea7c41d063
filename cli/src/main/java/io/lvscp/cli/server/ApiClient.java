package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The REST API as the command sees it: one request, its answer, and a problem document rendered for people. */
public final class ApiClient {
    /** The server could not be reached at all (exit code 3), as opposed to a refusal it answered. */
    public static final class Unreachable extends Exception {
        Unreachable(String message) {
            super(message);
        }
    }

    public record Answer(int status, java.net.http.HttpHeaders headers, String body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    private final HttpClient http;
    private final URI server;
    private final String token;

    public ApiClient(ServerOptions options) throws IOException, java.security.GeneralSecurityException, CliConfig.Bad {
        this(options.resolve());
    }

    public ApiClient(ServerOptions.Target target) throws IOException, java.security.GeneralSecurityException {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        javax.net.ssl.SSLContext tls = target.tls();
        if (tls != null) b.sslContext(tls);
        this.http = b.build();
        this.server = URI.create(target.server().endsWith("/") ? target.server() : target.server() + "/");
        this.token = target.bearer();
    }

    public Answer send(String method, String path, String jsonBody, String ifMatch) throws Unreachable, InterruptedException {
        return send(method, path, jsonBody, ifMatch, null);
    }

    /** {@code reason}, unless null, is the write's Lvscp-Reason: the event log records it with what the write appends. */
    public Answer send(String method, String path, String jsonBody, String ifMatch, String reason) throws Unreachable, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(server.resolve(path.startsWith("/") ? path.substring(1) : path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token).header("Accept", "application/json");
        if (ifMatch != null) r.header("If-Match", ifMatch);
        if (reason != null) r.header("Lvscp-Reason", reason);
        r.method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) r.header("Content-Type", "application/json");
        try {
            HttpResponse<String> res = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(res.statusCode(), res.headers(), res.body());
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /**
     * A GET whose body is read line by line as it arrives (a Server-Sent Events feed). No request timeout: the feed
     * stays open as long as events may come; the connect timeout still bounds an unreachable server.
     */
    public HttpResponse<java.util.stream.Stream<String>> lines(String path, String lastEventId) throws Unreachable, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(server.resolve(path.startsWith("/") ? path.substring(1) : path))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET();
        if (lastEventId != null) r.header("Last-Event-ID", lastEventId);
        try {
            return http.send(r.build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    private Unreachable unreachable(IOException e) {
        if (e instanceof javax.net.ssl.SSLException) {
            // The usual cause is a certificate this machine's trust store does not vouch for: say what to do about it.
            return new Unreachable("cannot reach the control plane at " + server + ": TLS failed (" + e.getMessage()
                    + "); is its CA given with --cacert?");
        }
        return new Unreachable("cannot reach the control plane at " + server + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }

    /** A refusal as lines for a terminal: the problem's title and detail, then each field with its message. */
    public static List<String> render(Answer a) {
        List<String> out = new ArrayList<>();
        try {
            JsonNode p = Json.mapper().readTree(a.body());
            out.add("error: " + p.path("title").asText("HTTP " + a.status()) + " (" + a.status() + "): " + p.path("detail").asText(""));
            for (JsonNode e : p.path("errors")) {
                String where = e.path("pointer").asText("");
                out.add("  " + (where.isEmpty() ? "(document)" : where) + ": " + e.path("message").asText(e.path("detail").asText("")));
            }
        } catch (IOException | RuntimeException e) {
            out.add("error: HTTP " + a.status() + (a.body() == null || a.body().isBlank() ? "" : ": " + a.body().strip()));
        }
        String retry = a.header("Retry-After");
        if (retry != null) out.add("  (the server asks to try again in " + retry + " s)");
        return out;
    }
}
