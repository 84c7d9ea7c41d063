package io.lvscp.controlplane.support;

import io.lvscp.controlplane.ControlPlane;
import io.lvscp.controlplane.config.ControlPlaneConfig;

/** A real control plane on an ephemeral port, on a given test database. */
public final class RunningControlPlane implements AutoCloseable {
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
        return on(databaseUrl, port, null);
    }

    /** With {@code overlay}'s non-null settings put over the test defaults (TLS, for one). */
    public static RunningControlPlane onNewDatabase(ControlPlaneConfig overlay) {
        return on(TestPostgres.newDatabase(), 0, overlay);
    }

    public static RunningControlPlane on(String databaseUrl, int port, ControlPlaneConfig overlay) {
        ControlPlaneConfig cfg = ControlPlaneConfig.defaults().withHttpPort(port).withDatabaseUrl(databaseUrl, null, null);
        cfg = cfg.overlay(new ControlPlaneConfig(new ControlPlaneConfig.Http("127.0.0.1", null), null, new ControlPlaneConfig.Agents(1000)));
        if (overlay != null) cfg = cfg.overlay(overlay);
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
