package io.lvscp.controlplane.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.lvscp.api.json.Json;
import io.lvscp.controlplane.command.ApiProblem;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.List;

/** Reads request bodies strictly: JSON only, one object, every field known and of its declared type. */
final class Bodies {
    private Bodies() {}

    static <T> T read(RoutingContext ctx, Class<T> type) {
        String contentType = ctx.request().getHeader("Content-Type");
        String mime = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (!mime.equals("application/json")) {
            throw new ApiProblem(415, "unsupported-media-type", "Unsupported media type",
                    contentType == null ? "send the body as application/json (no Content-Type was given)"
                            : "send the body as application/json, not " + printable(contentType), List.of());
        }
        Buffer body = ctx.body().buffer();
        if (body == null || body.length() == 0) throw ApiProblem.badRequest(null, "this request needs a JSON object as its body");
        try {
            T value = Json.mapper().readValue(body.getBytes(), type);
            if (value == null) throw ApiProblem.badRequest("", "the body must be a JSON object, not null");
            return value;
        } catch (JsonProcessingException e) {
            throw Problems.fromJson(e);
        } catch (IOException e) {
            throw ApiProblem.badRequest(null, "the body cannot be read");
        }
    }

    private static String printable(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s.replaceAll("[\\p{Cntrl}]", "?");
    }
}
