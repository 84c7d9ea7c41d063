package io.lvscp.api.model;

/**
 * A real-server health check in nanny's and keepalived's vocabulary. Unused fields of a kind stay null.
 * rise/fall give hysteresis: that many consecutive results change the verdict.
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

    public static HealthCheck defaultTcp() {
        return new HealthCheck(HealthCheckKind.tcp, null, null, null, null, null, null, null, null, null, null, null)
                .withDefaults();
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
