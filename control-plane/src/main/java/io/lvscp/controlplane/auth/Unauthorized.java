package io.lvscp.controlplane.auth;

import io.lvscp.controlplane.command.ApiProblem;
import java.util.List;

/** 401 problems; the response also carries {@code WWW-Authenticate: Bearer} (RFC 6750). */
public final class Unauthorized {
    private Unauthorized() {}

    public static ApiProblem because(String detail) {
        return new ApiProblem(401, "unauthorized", "Authentication required", detail, List.of());
    }

    public static ApiProblem forbidden(String detail) {
        return new ApiProblem(403, "forbidden", "Not allowed", detail, List.of());
    }
}
