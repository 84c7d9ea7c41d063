package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.api.json.Json;
import io.lvscp.cli.Lvscp;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lvscp events}: the event log, every cluster's or one's. Without {@code --follow}, the log's pages up to now;
 * with it, the live feed (GET /v1/events?follow=true, Server-Sent Events), one line per event as it is committed,
 * until interrupted. A feed that drops is opened again after the last event received, so none is missed or repeated.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Show the event log; with --follow, every new event as it happens, until interrupted.")
public final class EventsCommand implements Callable<Integer> {
    /** Reconnects back off up to this, so a control plane being restarted is not hammered. */
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    @Mixin
    ServerOptions server;

    @Mixin
    OutputOptions output;

    @Option(names = "--cluster", paramLabel = "NAME", description = "only this cluster's events")
    String cluster;

    @Option(names = "--type", paramLabel = "TYPE", description = "only events of this type, e.g. RealServerDrained")
    String type;

    @Option(names = "--actor", paramLabel = "NAME", description = "only events of writes by this token")
    String actor;

    @Option(names = "--since", paramLabel = "TIME", description = "only events recorded at or after TIME (RFC 3339)")
    String since;

    @Option(names = {"-f", "--follow"}, description = "go on printing new events as they are committed")
    boolean follow;

    @Option(names = "--limit", paramLabel = "N", description = "at most N events (not with --follow; default: all)")
    int limit;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (follow && limit != 0) throw new CommandLine.ParameterException(spec.commandLine(), "--limit does not go with --follow");
        if (limit < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--limit takes a positive number");
        List<String> q = new ArrayList<>();
        if (cluster != null) q.add("cluster=" + Requests.query(cluster));
        if (type != null) q.add("type=" + Requests.query(type));
        if (actor != null) q.add("actor=" + Requests.query(actor));
        if (since != null) q.add("since=" + Requests.query(since));
        String query = String.join("&", q);
        return Requests.run(spec, server, api -> follow ? follow(api, query) : page(api, query));
    }

    private int page(ApiClient api, String query) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        // after=0: from the start of the log (a page without it starts there too, but says so less plainly).
        EventLog.Read read = EventLog.read(api, query.isEmpty() ? "after=0" : query, limit, e -> true);
        if (read.refused() != null) return Requests.refused(spec, read.refused());
        if (!output.table()) {
            output.print(out, EventLog.items(read.events()));
            return Lvscp.OK;
        }
        Table t = new Table("TIME", "CLUSTER", "REVISION", "EVENT", "ACTOR", "CHANGE", "REASON");
        for (JsonNode e : read.events()) {
            t.row(EventLog.time(e.path("recordedAt").asText(null)), e.path("cluster").asText("-"), EventLog.revision(e), e.path("type").asText(),
                    e.path("metadata").path("actor").asText("-"), EventLog.what(e.path("type").asText(""), e.path("data")), EventLog.reason(e));
        }
        if (t.empty()) out.println("no events");
        else t.print(out, "");
        out.flush();
        return Lvscp.OK;
    }

    private int follow(ApiClient api, String query) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String path = "/v1/events?follow=true" + (query.isEmpty() ? "" : "&" + query);
        // Where to resume: the last event's id, or before any, where the feed said it started (no gap either way).
        String resume = null;
        boolean everConnected = false;
        long backoff = 1000;
        while (!Thread.currentThread().isInterrupted()) {
            HttpResponse<Stream<String>> res;
            try {
                res = api.lines(path, resume);
            } catch (ApiClient.Unreachable e) {
                if (!everConnected) throw e;
                err.println("feed lost (" + e.getMessage() + "); trying again in " + backoff / 1000 + " s");
                err.flush();
                if (!pause(backoff)) break;
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                continue;
            } catch (InterruptedException e) {
                break;
            }
            if (res.statusCode() != 200) {
                String body;
                try (Stream<String> lines = res.body()) {
                    body = lines.collect(Collectors.joining("\n"));
                }
                ApiClient.Answer refused = new ApiClient.Answer(res.statusCode(), res.headers(), body);
                // A control plane coming back (its database away: 503) is waited for once the feed has run; a refusal is final.
                if (!everConnected || res.statusCode() < 500) return Requests.refused(spec, refused);
                ApiClient.render(refused).forEach(err::println);
                err.flush();
                if (!pause(backoff)) break;
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                continue;
            }
            everConnected = true;
            backoff = 1000;
            Feed feed = new Feed(out);
            feed.resume = resume;
            String dropped;
            try {
                dropped = read(res.body(), feed);
            } catch (InterruptedException e) {
                break;
            } finally {
                resume = feed.resume;
            }
            if (Thread.currentThread().isInterrupted()) break;
            err.println("feed closed" + (dropped == null ? "" : " (" + dropped + ")") + "; resuming" + (resume == null ? "" : " after " + resume));
            err.flush();
            if (!pause(backoff)) break;
        }
        out.flush();
        return Lvscp.OK;
    }

    /** The feed's messages as they are parsed: the event being read, and where to resume. */
    private final class Feed {
        final PrintWriter out;
        String resume;
        String id;
        String event;
        String dropped;
        final StringBuilder data = new StringBuilder();

        Feed(PrintWriter out) {
            this.out = out;
        }

        /** One line of the stream (text/event-stream: fields, comments, a blank line after each message). */
        void line(String line) throws java.io.IOException {
            if (line.isEmpty()) {
                if (data.length() > 0) {
                    if (event == null || event.equals("message")) {
                        print(out, Json.mapper().readTree(data.toString()));
                        if (id != null) resume = id;
                    } else if (event.equals("error")) {
                        dropped = data.toString();
                    }
                }
                id = null;
                event = null;
                data.setLength(0);
            } else if (line.startsWith(":")) {
                String comment = line.substring(1).strip();
                if (comment.startsWith("following from ")) {
                    if (resume == null) resume = comment.substring("following from ".length()).strip();
                    // On stderr, so that stdout is only events: from here on nothing committed is missed.
                    spec.commandLine().getErr().println("following the event log (interrupt to stop)");
                    spec.commandLine().getErr().flush();
                }
            } else {
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1).startsWith(" ") ? line.substring(colon + 2) : line.substring(colon + 1);
                switch (field) {
                    case "id" -> id = value;
                    case "event" -> event = value;
                    case "data" -> data.append(data.length() > 0 ? "\n" : "").append(value);
                    default -> { /* "retry", and fields to come: nothing to act on */ }
                }
            }
        }
    }

    private static final Object END = new Object();

    /**
     * Reads the feed until it ends (then why, or null) or this thread is interrupted. The blocking read runs on its
     * own thread because on Java 17 a read of the response body ignores interrupts; closing the stream ends it.
     */
    private static String read(Stream<String> lines, Feed feed) throws InterruptedException, java.io.IOException {
        // Bounded, so a terminal that cannot keep up slows the read and the server sees a slow consumer, as it should.
        java.util.concurrent.BlockingQueue<Object> queue = new java.util.concurrent.ArrayBlockingQueue<>(1024);
        java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
        Thread pump = new Thread(() -> {
            Object last = END;
            try {
                for (Iterator<String> it = lines.iterator(); it.hasNext() && !stopped.get(); ) offer(queue, it.next(), stopped);
            } catch (UncheckedIOException e) {
                last = e.getCause() == null ? e : e.getCause();
            }
            offer(queue, last, stopped);
        }, "lvscp-events-feed");
        pump.setDaemon(true);
        pump.start();
        try {
            while (true) {
                Object o = queue.take();
                if (o == END) return feed.dropped;
                if (o instanceof Throwable t) return feed.dropped != null ? feed.dropped : String.valueOf(t.getMessage());
                feed.line((String) o);
            }
        } finally {
            stopped.set(true);
            lines.close();
        }
    }

    private static void offer(java.util.concurrent.BlockingQueue<Object> queue, Object o, java.util.concurrent.atomic.AtomicBoolean stopped) {
        try {
            while (!stopped.get() && !queue.offer(o, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                // the reader is behind; wait for it, or for the stop
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void print(PrintWriter out, JsonNode e) {
        switch (output.format) {
            case TABLE -> out.println(EventLog.line(e));
            // One event per line: what `jq` and log shippers read from a stream.
            case JSON -> out.println(e.toString());
            case YAML -> out.print("---\n" + io.lvscp.cli.imports.Documents.yaml(e));
        }
        out.flush();
    }

    /** Waits before a reconnect; false if interrupted meanwhile (the command is being stopped). */
    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
