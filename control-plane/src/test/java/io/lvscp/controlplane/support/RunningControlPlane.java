package io.lvscp.controlplane.support;

import io.lvscp.controlplane.ControlPlane;
import io.lvscp.controlplane.config.ControlPlaneConfig;

/** A real control plane on an ephemeral port, on a given test database. */
public final class RunningControlPlane implements AutoCloseable {
    /** The admin token every test control plane accepts (configured, as automation would do it). */
    public static final String ADMIN_TOKEN = "lvscp_testadmin0000000_" + "A".repeat(43);

    private final String databaseUrl;
    private final ControlPlane controlPlane;
    private final boolean https;

    private RunningControlPlane(String databaseUrl, ControlPlane controlPlane, boolean https) {
        this.databaseUrl = databaseUrl;
        this.controlPlane = controlPlane;
        this.https = https;
    }

    public static RunningControlPlane onNewDatabase() {
        return on(TestPostgres.newDatabase());
    }

    public static RunningControlPlane on(String databaseUrl) {
        return on(databaseUrl, 0);
    }

    /** On a fixed port, for tests that stop a control plane and start it again where agents expect it. */
    public static RunningControlPlane on(String databaseUrl, int port) {
        return on(databaseUrl, port, new ControlPlaneConfig(null, null, null, null));
    }

    /** With {@code overlay}'s non-null settings put over the test defaults (TLS, for one). */
    public static RunningControlPlane onNewDatabase(ControlPlaneConfig overlay) {
        return on(TestPostgres.newDatabase(), 0, overlay);
    }

    /** With {@code overlay} over the test settings (for tests of the settings themselves). */
    public static RunningControlPlane on(String databaseUrl, int port, ControlPlaneConfig overlay) {
        ControlPlaneConfig cfg = ControlPlaneConfig.defaults().withHttpPort(port).withDatabaseUrl(databaseUrl, null, null);
        // Tests write as fast as they can; the write limit has its own test.
        cfg = cfg.overlay(new ControlPlaneConfig(new ControlPlaneConfig.Http("127.0.0.1", null), null, new ControlPlaneConfig.Agents(1000),
                new ControlPlaneConfig.Auth(ADMIN_TOKEN, 1e6, 1_000_000, null))).overlay(overlay);
        return start(databaseUrl, cfg);
    }

    /** As a first start in production: no admin token configured, so the control plane makes one and prints it. */
    public static RunningControlPlane withoutConfiguredAdmin(String databaseUrl) {
        ControlPlaneConfig cfg = ControlPlaneConfig.defaults().withHttpPort(0).withDatabaseUrl(databaseUrl, null, null)
                .overlay(new ControlPlaneConfig(new ControlPlaneConfig.Http("127.0.0.1", null), null, null, null));
        return start(databaseUrl, cfg);
    }

    private static RunningControlPlane start(String databaseUrl, ControlPlaneConfig cfg) {
        try {
            return new RunningControlPlane(databaseUrl, ControlPlane.start(cfg), cfg.tls().enabled());
        } catch (Exception e) {
            throw new IllegalStateException("control plane did not start", e);
        }
    }

    public String baseUrl() {
        return (https ? "https" : "http") + "://127.0.0.1:" + controlPlane.port();
    }

    public int port() {
        return controlPlane.port();
    }

    /** Makes an agent credential for {@code router} of {@code cluster} (enrolled already) and returns its secret. */
    public String agentToken(String cluster, String router) {
        return Api.given(this).body("{\"name\":\"agent-" + cluster + "-" + router + "-" + java.util.UUID.randomUUID().toString().substring(0, 8)
                        + "\",\"role\":\"agent\",\"clusters\":[\"" + cluster + "\"],\"router\":\"" + router + "\"}")
                .post("/v1/tokens").then().statusCode(201).extract().path("token");
    }

    /** Makes a token with {@code role} (and, unless null, scoped to {@code clusters}) and returns its secret. */
    public String token(String name, String role, String... clusters) {
        String scope = clusters.length == 0 ? "" : ",\"clusters\":[\"" + String.join("\",\"", clusters) + "\"]";
        return Api.given(this).body("{\"name\":\"" + name + "\",\"role\":\"" + role + "\"" + scope + "}")
                .post("/v1/tokens").then().statusCode(201).extract().path("token");
    }

    public String databaseUrl() {
        return databaseUrl;
    }

    public ControlPlane controlPlane() {
        return controlPlane;
    }

    @Override
    public void close() {
        try {
            controlPlane.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
