package io.lvscp.controlplane.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.lvscp.api.json.Json;
import io.lvscp.controlplane.command.ApiProblem;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every refusal as an RFC 9457 problem document. Anything that is not an {@link ApiProblem} is a fault of
 * ours: it is logged with the request id and answered with a 500 that says nothing of the internals.
 */
public final class Problems {
    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
    public static final String CONTENT_TYPE = "application/problem+json";
    public static final String TYPE_BASE = "https://lvscp.io/problems/";

    private Problems() {}

    public static void send(RoutingContext ctx, ApiProblem p) {
        // Every 503 is the database away (from a handler or from the token check): the client is told when to retry.
        if (p.status() == 503 && !ctx.response().ended()) {
            ctx.response().putHeader("Retry-After", Long.toString(io.lvscp.controlplane.db.DatabaseUnavailable.RETRY_AFTER_SECONDS));
        }
        send(ctx.response(), ctx.request().path(), ctx.get(RequestMeta.REQUEST_ID_KEY), p);
    }

    /**
     * A refusal of a request the router never sees (see {@link RequestMeta#unreadable}), or that the HTTP decoder
     * could not read at all. The connection is closed after it: the request's body, if any, was not read, and
     * after a decoder failure where the next request would start is not known.
     */
    static void send(HttpServerRequest req, ApiProblem p) {
        String id = java.util.UUID.randomUUID().toString();
        String path;
        try {
            path = req.path();
        } catch (RuntimeException e) {
            path = null;
        }
        HttpServerResponse res = req.response();
        if (res.ended()) return;
        res.putHeader(RequestMeta.REQUEST_ID_HEADER, id).putHeader("Connection", "close");
        send(res, path == null || path.length() > 1024 ? "" : path, id, p);
    }

    /** What the HTTP decoder refused: a line or the headers too long (414, 431), or anything else unreadable (400). */
    static void invalidRequest(HttpServerRequest req) {
        Throwable cause = req.decoderResult() == null ? null : req.decoderResult().cause();
        String why = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
        ApiProblem p;
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException || why.startsWith("An HTTP line is larger than")) {
            p = new ApiProblem(414, "bad-request", "Request line too long", "the request line is longer than the server reads", List.of());
        } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException || why.startsWith("HTTP header is larger than")) {
            p = new ApiProblem(431, "bad-request", "Request headers too large", "the request's headers are larger than the server reads", List.of());
        } else {
            p = ApiProblem.badRequest(null, "the request is not valid HTTP/1.1"
                    + (cause == null || why.isEmpty() ? "" : ": " + why.replaceAll("\\p{Cntrl}", "?").substring(0, Math.min(why.length(), 200))));
        }
        send(req, p);
    }

    private static void send(HttpServerResponse res, String instance, String requestId, ApiProblem p) {
        if (res.ended()) return;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_BASE + p.type());
        body.put("title", p.title());
        body.put("status", p.status());
        body.put("detail", p.getMessage());
        body.put("instance", instance == null ? "" : instance);
        if (!p.errors().isEmpty()) body.put("errors", p.errors());
        if (requestId != null) body.put("requestId", requestId);
        try {
            res.setStatusCode(p.status()).putHeader("Content-Type", CONTENT_TYPE).end(Json.mapper().writeValueAsString(body));
        } catch (JsonProcessingException e) {
            res.setStatusCode(500).end();
        }
    }

    /** Maps any failure of a handler to a problem document. */
    public static void fail(RoutingContext ctx, Throwable failure) {
        send(ctx, toProblem(ctx, failure));
    }

    static ApiProblem toProblem(RoutingContext ctx, Throwable failure) {
        if (failure instanceof ApiProblem p) return p;
        if (failure instanceof JsonProcessingException j) return fromJson(j);
        java.util.Optional<String> away = io.lvscp.controlplane.db.DatabaseUnavailable.why(failure);
        if (away.isPresent()) {
            LOG.warn("request {} {} (request id {}): database unavailable: {}", ctx.request().method(), ctx.request().path(),
                    ctx.<String>get(RequestMeta.REQUEST_ID_KEY), failure.toString());
            return ApiProblem.databaseUnavailable(away.get());
        }
        LOG.error("request {} {} (request id {}) failed", ctx.request().method(), ctx.request().path(),
                ctx.<String>get(RequestMeta.REQUEST_ID_KEY), failure);
        return new ApiProblem(500, "internal", "Internal error",
                "the control plane failed to handle this request; its log has the details under the request id", List.of());
    }

    /** Reading a body went wrong: say where and why, in the client's terms. */
    static ApiProblem fromJson(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String pointer = pointer(u);
            return ApiProblem.badRequest(pointer, "unknown field '" + u.getPropertyName() + "'; known fields here: "
                    + u.getKnownPropertyIds());
        }
        if (e instanceof InvalidFormatException f) {
            String expected = f.getTargetType() == null ? "another value" : describe(f.getTargetType());
            return ApiProblem.badRequest(pointer(f), "'" + f.getValue() + "' is not " + expected);
        }
        if (e instanceof MismatchedInputException m) {
            String expected = m.getTargetType() == null ? "a different JSON type" : describe(m.getTargetType());
            String pointer = pointer(m);
            return ApiProblem.badRequest(pointer, (pointer.isEmpty() ? "the body" : pointer) + " must be " + expected);
        }
        if (e instanceof JsonMappingException m) {
            return ApiProblem.badRequest(pointer(m), "the body does not fit the expected shape");
        }
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return ApiProblem.badRequest(null, "the body is not valid JSON" + where + ": " + e.getOriginalMessage());
    }

    private static String describe(Class<?> type) {
        if (type.isEnum()) {
            StringBuilder b = new StringBuilder("one of ");
            Object[] values = type.getEnumConstants();
            for (int i = 0; i < values.length; i++) b.append(i == 0 ? "" : ", ").append(values[i]);
            return b.toString();
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) return "an integer";
        if (type == Boolean.class || type == boolean.class) return "true or false";
        if (type == String.class) return "a string";
        if (List.class.isAssignableFrom(type)) return "an array";
        if (type.isRecord() || Map.class.isAssignableFrom(type)) return "an object";
        return "a " + type.getSimpleName();
    }

    private static String pointer(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            b.append('/');
            if (r.getFieldName() != null) b.append(r.getFieldName().replace("~", "~0").replace("/", "~1"));
            else if (r.getIndex() >= 0) b.append(r.getIndex());
        }
        return b.toString();
    }
}
