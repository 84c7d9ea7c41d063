package io.lvscp.api.model;

/**
 * A real-server health check in nanny's and keepalived's vocabulary. Unused fields of a kind stay null.
 * rise/fall give hysteresis: that many consecutive results change the verdict.
 *
 * <p>The same record is a real server's override of its virtual server's check ({@link RealServer#healthCheck}),
 * where a null field means "the virtual server's": see {@link #effective}.
 */
public record HealthCheck(
        HealthCheckKind kind,
        String path,
        Integer expectStatus,
        String send,
        String expect,
        Boolean useRegex,
        String program,
        Integer intervalSeconds,
        Integer timeoutSeconds,
        Integer reentrySeconds,
        Integer rise,
        Integer fall) {

    public static final int DEFAULT_INTERVAL_SECONDS = 6;
    public static final int DEFAULT_TIMEOUT_SECONDS = 6;
    public static final int DEFAULT_REENTRY_SECONDS = 15;

    /** The program a check of kind program runs: the first word of {@link #program} ({@link Shapes#executable}); null without one. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String executable() {
        return program == null ? null : Shapes.executable(program);
    }

    public static HealthCheck defaultTcp() {
        return new HealthCheck(HealthCheckKind.tcp, null, null, null, null, null, null, null, null, null, null, null)
                .withDefaults();
    }

    /**
     * The check a real server gets: its virtual server's check ({@code virtualServer}, defaults applied) with the
     * server's {@code override} laid over it field by field. The timing fields (interval, timeout, reentry, rise,
     * fall) the override leaves out are the virtual server's. So are the probe fields (path, expectStatus, send,
     * expect, useRegex, program) when the override names no kind; an override that names a kind brings a probe of
     * its own and inherits none of them, so it never mixes one kind's fields into another's and a later change of
     * the virtual server's kind or probe leaves it as it is. A null override is the virtual server's check.
     */
    public static HealthCheck effective(HealthCheck virtualServer, HealthCheck override) {
        HealthCheck base = virtualServer == null ? defaultTcp() : virtualServer.withDefaults();
        if (override == null) return base;
        boolean own = override.kind != null;
        return new HealthCheck(
                own ? override.kind : base.kind,
                own ? override.path : or(override.path, base.path),
                own ? override.expectStatus : or(override.expectStatus, base.expectStatus),
                own ? override.send : or(override.send, base.send),
                own ? override.expect : or(override.expect, base.expect),
                own ? override.useRegex : or(override.useRegex, base.useRegex),
                own ? override.program : or(override.program, base.program),
                or(override.intervalSeconds, base.intervalSeconds),
                or(override.timeoutSeconds, base.timeoutSeconds),
                or(override.reentrySeconds, base.reentrySeconds),
                or(override.rise, base.rise),
                or(override.fall, base.fall)).withDefaults();
    }

    /**
     * A real server's override as it is stored: null for none (an empty override is none); one that names a kind
     * gets that kind's probe defaults (path "/" and expectStatus 200 for http and https, useRegex
     * false for expect) written out, since it inherits
     * no probe fields. Timing fields left out stay null: they follow the virtual server's check.
     */
    public HealthCheck asOverride() {
        if (isEmpty()) return null;
        if (kind == null) return this;
        HealthCheck d = withDefaults();
        return new HealthCheck(kind, d.path, d.expectStatus, send, expect, d.useRegex, program,
                intervalSeconds, timeoutSeconds, reentrySeconds, rise, fall);
    }

    /** True when no field is set: as an override, nothing to override. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isEmpty() {
        return kind == null && path == null && expectStatus == null && send == null && expect == null && useRegex == null
                && program == null && intervalSeconds == null && timeoutSeconds == null && reentrySeconds == null
                && rise == null && fall == null;
    }

    private static <T> T or(T value, T inherited) {
        return value != null ? value : inherited;
    }

    public HealthCheck withDefaults() {
        HealthCheckKind k = kind == null ? HealthCheckKind.tcp : kind;
        boolean web = k == HealthCheckKind.http || k == HealthCheckKind.https;
        return new HealthCheck(
                k,
                web && path == null ? "/" : path,
                web && expectStatus == null ? Integer.valueOf(200) : expectStatus,
                send,
                expect,
                k == HealthCheckKind.expect && useRegex == null ? Boolean.FALSE : useRegex,
                program,
                intervalSeconds == null ? DEFAULT_INTERVAL_SECONDS : intervalSeconds,
                timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds,
                reentrySeconds == null ? DEFAULT_REENTRY_SECONDS : reentrySeconds,
                rise == null ? 1 : rise,
                fall == null ? 1 : fall);
    }
}
