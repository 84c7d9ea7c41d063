package io.lvscp.controlplane.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Settings, from a YAML file and then environment variables (which win). Every setting has a default that
 * runs the control plane on this machine with an embedded PostgreSQL; see README "Configuration".
 */
public record ControlPlaneConfig(Http http, Database database, Agents agents) {
    public record Http(String host, Integer port) {}

    /** The agent stream: how often each side says it is alive (three missed beats close the link). */
    public record Agents(Integer heartbeatMillis) {}

    /**
     * {@code url} null means embedded PostgreSQL in {@code dataDir}. Otherwise a libpq-style
     * postgresql://host:port/db URL (a jdbc: prefix is accepted), user and password apart or in the URL.
     */
    public record Database(String url, String user, String password, Integer poolSize, String dataDir) {}

    public static ControlPlaneConfig defaults() {
        return new ControlPlaneConfig(new Http("0.0.0.0", 8080), new Database(null, null, null, 8, "data/postgres"), new Agents(5000));
    }

    public static ControlPlaneConfig load(Path file, Map<String, String> env) throws IOException {
        ControlPlaneConfig base = defaults();
        if (file != null) {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
            ControlPlaneConfig read = yaml.readValue(Files.readAllBytes(file), ControlPlaneConfig.class);
            base = base.overlay(read);
        }
        return base.overlay(fromEnv(env));
    }

    static ControlPlaneConfig fromEnv(Map<String, String> env) {
        return new ControlPlaneConfig(
                new Http(env.get("LVSCP_HTTP_HOST"), intOrNull(env, "LVSCP_HTTP_PORT")),
                new Database(env.get("LVSCP_DATABASE_URL"), env.get("LVSCP_DATABASE_USER"), env.get("LVSCP_DATABASE_PASSWORD"),
                        intOrNull(env, "LVSCP_DATABASE_POOL_SIZE"), env.get("LVSCP_DATA_DIR")),
                new Agents(intOrNull(env, "LVSCP_AGENT_HEARTBEAT_MILLIS")));
    }

    private static Integer intOrNull(Map<String, String> env, String key) {
        String v = env.get(key);
        if (v == null || v.isBlank()) return null;
        try {
            return Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not '" + v + "'");
        }
    }

    /** This config with every non-null setting of {@code o} put over it. */
    public ControlPlaneConfig overlay(ControlPlaneConfig o) {
        Http h = o.http() == null ? http : new Http(or(o.http().host(), http.host()), or(o.http().port(), http.port()));
        Database d = o.database() == null ? database : new Database(
                or(o.database().url(), database.url()), or(o.database().user(), database.user()),
                or(o.database().password(), database.password()), or(o.database().poolSize(), database.poolSize()),
                or(o.database().dataDir(), database.dataDir()));
        Agents a = o.agents() == null ? agents : new Agents(or(o.agents().heartbeatMillis(), agents.heartbeatMillis()));
        return new ControlPlaneConfig(h, d, a);
    }

    public long agentHeartbeatMillis() {
        return agents.heartbeatMillis();
    }

    private static <T> T or(T a, T b) {
        return a != null ? a : b;
    }

    public ControlPlaneConfig withHttpPort(int port) {
        return new ControlPlaneConfig(new Http(http.host(), port), database, agents);
    }

    public ControlPlaneConfig withDatabaseUrl(String url, String user, String password) {
        return new ControlPlaneConfig(http, new Database(url, user, password, database.poolSize(), database.dataDir()), agents);
    }
}
