package io.lvscp.controlplane.command;

import java.util.List;

/**
 * A request the control plane refuses, with what an operator needs to fix it: rendered as an RFC 9457
 * problem document. {@code errors} point into the request (JSON Pointer) at what was wrong.
 */
public final class ApiProblem extends RuntimeException {
    /** The problem type of writes a router of the cluster cannot program ({@link #unprogrammable}). */
    public static final String UNPROGRAMMABLE = "unsupported-by-router";
    /**
     * One field that is wrong. {@code router}, {@code driver}, {@code resource} and {@code field} are set only on what a
     * router cannot program ({@link #unprogrammable}): the router, its driver, and where the field is in the cluster
     * (the API path of the resource and a JSON Pointer into it), which may be outside the request body.
     */
    public record FieldError(String pointer, String detail, String router, String driver, String resource, String field) {
        public FieldError(String pointer, String detail) {
            this(pointer, detail, null, null, null, null);
        }
    }

    private final int status;
    private final String type;
    private final String title;
    private final List<FieldError> errors;

    public ApiProblem(int status, String type, String title, String detail, List<FieldError> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    public static ApiProblem notFound(String detail) {
        return new ApiProblem(404, "not-found", "Not found", detail, List.of());
    }

    public static ApiProblem conflict(String detail) {
        return new ApiProblem(409, "conflict", "Conflicts with the current state", detail, List.of());
    }

    public static ApiProblem conflict(String pointer, String detail) {
        return new ApiProblem(409, "conflict", "Conflicts with the current state", detail, List.of(new FieldError(pointer, detail)));
    }

    public static ApiProblem invalid(List<FieldError> errors) {
        String detail = errors.size() == 1 ? errors.get(0).detail() : errors.size() + " fields are invalid";
        return new ApiProblem(422, "validation", "The request is not valid", detail, errors);
    }

    public static ApiProblem invalid(String pointer, String detail) {
        return invalid(List.of(new FieldError(pointer, detail)));
    }

    /**
     * A write whose desired state asks routers of the cluster for what their drivers cannot program (422). Each error
     * names the router, its driver and the field; its {@code pointer} is "" (the body itself) until
     * {@link #locatedIn} finds the field in the request body.
     */
    public static ApiProblem unprogrammable(List<FieldError> errors) {
        String detail = errors.size() == 1 ? errors.get(0).detail()
                : errors.size() + " things this write asks for cannot be programmed by routers of the cluster; errors names each";
        return new ApiProblem(422, UNPROGRAMMABLE, "A router of the cluster cannot program this", detail, errors);
    }

    /** This problem with the pointers of its fields that lie in {@code bodyResource} (the resource the request body is) set. */
    public ApiProblem locatedIn(String bodyResource) {
        if (!UNPROGRAMMABLE.equals(type) || bodyResource == null) return this;
        List<FieldError> located = errors.stream().map(e -> bodyResource.equals(e.resource())
                ? new FieldError(e.field(), e.detail(), e.router(), e.driver(), e.resource(), e.field()) : e).toList();
        return new ApiProblem(status, type, title, getMessage(), located);
    }

    public static ApiProblem badRequest(String pointer, String detail) {
        return new ApiProblem(400, "bad-request", "The request cannot be read", detail,
                pointer == null ? List.of() : List.of(new FieldError(pointer, detail)));
    }

    public static ApiProblem preconditionFailed(long expected, long actual) {
        return new ApiProblem(412, "precondition-failed", "The cluster has changed",
                "If-Match named revision " + expected + " but the cluster is at revision " + actual
                        + "; read it again and decide on the current state", List.of());
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** The database is away (503): the caller should come back, and a write it sent may need looking at first. */
    public static ApiProblem databaseUnavailable(String why) {
        // A write whose connection broke during COMMIT may have been applied: the client is told to look.
        return new ApiProblem(503, "database-unavailable", "Database unavailable", why
                + "; try again later. A write refused with this status was not applied, unless the connection broke while it"
                + " was being committed: read the resource (or write with If-Match) before repeating it", List.of());
    }
}
