package io.lvscp.controlplane.support;

import io.lvscp.controlplane.ControlPlane;
import io.lvscp.controlplane.config.ControlPlaneConfig;

/** A real control plane on an ephemeral port, on a given test database. */
public final class RunningControlPlane implements AutoCloseable {
    private final String databaseUrl;
    private final ControlPlane controlPlane;

    private RunningControlPlane(String databaseUrl, ControlPlane controlPlane) {
        this.databaseUrl = databaseUrl;
        this.controlPlane = controlPlane;
    }

    public static RunningControlPlane onNewDatabase() {
        return on(TestPostgres.newDatabase());
    }

    public static RunningControlPlane on(String databaseUrl) {
        return on(databaseUrl, 0);
    }

    /** On a fixed port, for tests that stop a control plane and start it again where agents expect it. */
    public static RunningControlPlane on(String databaseUrl, int port) {
        ControlPlaneConfig cfg = ControlPlaneConfig.defaults().withHttpPort(port).withDatabaseUrl(databaseUrl, null, null);
        cfg = cfg.overlay(new ControlPlaneConfig(new ControlPlaneConfig.Http("127.0.0.1", null), null, new ControlPlaneConfig.Agents(1000)));
        try {
            return new RunningControlPlane(databaseUrl, ControlPlane.start(cfg));
        } catch (Exception e) {
            throw new IllegalStateException("control plane did not start", e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + controlPlane.port();
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
