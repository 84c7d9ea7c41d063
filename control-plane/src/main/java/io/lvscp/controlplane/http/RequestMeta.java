package io.lvscp.controlplane.http;

import io.lvscp.controlplane.command.ApiProblem;
import io.lvscp.controlplane.eventstore.EventMetadata;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;

/** What a request says about itself: request id, actor (from its token), reason, client address, If-Match and dryRun. */
public final class RequestMeta {
    public static final String REQUEST_ID_KEY = "lvscp.requestId";
    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    public static final String REASON_HEADER = "Lvscp-Reason";
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern ETAG = Pattern.compile("(W/)?\"(0|[1-9]\\d{0,17})\"");

    /** One line per request when its level is INFO (LVSCP_ACCESS_LOG=INFO in logback.xml); off by default. */
    private static final org.slf4j.Logger ACCESS = org.slf4j.LoggerFactory.getLogger("lvscp.access");

    private RequestMeta() {}

    /** First handler of every request: a request id to tie log lines, problems and events together. */
    static void assignRequestId(RoutingContext ctx) {
        String given = ctx.request().getHeader(REQUEST_ID_HEADER);
        String id = given != null && REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
        ctx.put(REQUEST_ID_KEY, id);
        ctx.response().putHeader(REQUEST_ID_HEADER, id);
        // Each request runs on its own duplicated context, which its asynchronous continuations keep: the id
        // stored there reaches every log line of the request (see LogRequestId), on whichever callback it is.
        if (io.vertx.core.Vertx.currentContext() instanceof io.vertx.core.internal.ContextInternal c && c.isDuplicate()) {
            c.putLocal(REQUEST_ID_KEY, id);
        }
        if (ACCESS.isInfoEnabled()) {
            long started = System.nanoTime();
            ctx.addEndHandler(v -> ACCESS.info("{} {} {} {} ms", ctx.request().method(), ctx.request().path(),
                    ctx.response().getStatusCode(), (System.nanoTime() - started) / 1_000_000));
        }
        ctx.next();
    }

    /**
     * What makes a request unfit for the router, checked before it sees the request: Vert.x Web fails on a
     * request target that is not a path or a request without a Host header, and the query string is decoded
     * lazily by whichever handler reads a parameter first, all of which would surface as a 500. Form and
     * multipart bodies are refused before the body handler would decode them (a decoder that is attack surface
     * and whose failures are 500s too): this API reads JSON only. Two Authorization headers are refused too.
     * Null when the request may go on.
     */
    static ApiProblem unreadable(io.vertx.core.http.HttpServerRequest req) {
        try {
            String path = req.path();
            if (path == null || !path.startsWith("/")) {
                return ApiProblem.badRequest(null, "the request target must be an absolute path such as /v1/clusters");
            }
            if (req.authority() == null) return ApiProblem.badRequest(null, "the request has no Host header");
            // One credential per request: with two, which one counts would depend on who reads the headers.
            if (req.headers().getAll("Authorization").size() > 1) return ApiProblem.badRequest(null, "the request has more than one Authorization header");
            req.params();
        } catch (IllegalArgumentException e) {
            return ApiProblem.badRequest(null, "the query string cannot be decoded: "
                    + String.valueOf(e.getMessage()).replaceAll("\\p{Cntrl}", "?").substring(0, Math.min(String.valueOf(e.getMessage()).length(), 120)));
        } catch (RuntimeException e) {
            return ApiProblem.badRequest(null, "the request line cannot be read");
        }
        String type = req.getHeader("Content-Type");
        String mime = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        String length = req.getHeader("Content-Length");
        if (mime.startsWith("multipart/") || mime.equals("application/x-www-form-urlencoded")) {
            boolean body = req.headers().contains("Transfer-Encoding") || (length != null && !length.trim().equals("0"));
            if (body) {
                return new ApiProblem(415, "unsupported-media-type", "Unsupported media type",
                        "request bodies are application/json; forms and multipart bodies are not read", java.util.List.of());
            }
            // Clients send a form type with the empty body of an action (curl -d '', REST Assured's default), and some
            // with a GET: there is no form to decode, and the body handler must not try (it fails on a GET, and on a
            // request already read).
            req.headers().remove("Content-Type");
        }
        return null;
    }

    /** The request id of the request being handled on this thread, or null outside of one. */
    public static String currentRequestId() {
        return io.vertx.core.Vertx.currentContext() instanceof io.vertx.core.internal.ContextInternal c && c.isDuplicate()
                ? c.getLocal(REQUEST_ID_KEY) : null;
    }

    /**
     * A logback turbo filter (configured in logback.xml) that puts the current request's id into the MDC as
     * {@value #MDC_KEY} before each log event is made, and takes it out outside of requests. The MDC is per thread
     * and an event loop serves many requests in turns, so it is set at each log call from the request's Vert.x
     * context rather than once per request. It is the same id as the events' {@code metadata.requestId}.
     */
    public static final class LogRequestId extends ch.qos.logback.classic.turbo.TurboFilter {
        public static final String MDC_KEY = "requestId";

        @Override
        public ch.qos.logback.core.spi.FilterReply decide(org.slf4j.Marker marker, ch.qos.logback.classic.Logger logger,
                                                          ch.qos.logback.classic.Level level, String format, Object[] params, Throwable t) {
            String id = currentRequestId();
            if (id == null) {
                if (org.slf4j.MDC.get(MDC_KEY) != null) org.slf4j.MDC.remove(MDC_KEY);
            } else if (!id.equals(org.slf4j.MDC.get(MDC_KEY))) {
                org.slf4j.MDC.put(MDC_KEY, id);
            }
            return ch.qos.logback.core.spi.FilterReply.NEUTRAL;
        }
    }

    static EventMetadata metadata(RoutingContext ctx) {
        // The actor is the name of the token the request was authenticated with, never what the client says.
        var who = io.lvscp.controlplane.auth.AccessControl.principal(ctx);
        String actor = who == null ? "anonymous" : who.name();
        String reason = ctx.request().getHeader(REASON_HEADER);
        if (reason != null) {
            if (reason.length() > 1024) throw ApiProblem.badRequest(null, REASON_HEADER + " is longer than 1024 characters");
            for (int i = 0; i < reason.length(); i++) {
                if (reason.charAt(i) < 0x20 && reason.charAt(i) != '\t') {
                    throw ApiProblem.badRequest(null, REASON_HEADER + " contains a control character");
                }
            }
        }
        String client = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
        return new EventMetadata(actor, ctx.get(REQUEST_ID_KEY), client, reason);
    }

    /** The revision If-Match names, or null when the client sent none (or "*", which asks for nothing more). */
    static Long ifMatch(RoutingContext ctx) {
        String v = ctx.request().getHeader("If-Match");
        if (v == null || v.trim().equals("*")) return null;
        var m = ETAG.matcher(v.trim());
        if (!m.matches()) {
            throw new ApiProblem(400, "bad-request", "The request cannot be read",
                    "If-Match must be one ETag as this API sends them, such as \"12\" (the cluster revision)", java.util.List.of());
        }
        return Long.parseLong(m.group(2));
    }

    static boolean dryRun(RoutingContext ctx) {
        String v = ctx.request().getParam("dryRun");
        if (v == null || v.equals("false")) return false;
        if (v.equals("true")) return true;
        throw ApiProblem.badRequest(null, "dryRun must be true or false, not '" + v + "'");
    }

    static String etag(long revision) {
        return "\"" + revision + "\"";
    }
}
