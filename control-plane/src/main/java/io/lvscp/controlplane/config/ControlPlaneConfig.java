package io.lvscp.controlplane.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Settings, from a YAML file and then environment variables (which win). Every setting has a default that
 * runs the control plane on this machine with an embedded PostgreSQL; see README "Configuration".
 */
public record ControlPlaneConfig(Http http, Database database, Agents agents, Auth auth, Tls tls, Feed feed) {
    @com.fasterxml.jackson.annotation.JsonCreator
    public ControlPlaneConfig {
    }

    /** Without feed settings (the defaults), as before they existed. */
    public ControlPlaneConfig(Http http, Database database, Agents agents, Auth auth, Tls tls) {
        this(http, database, agents, auth, tls, null);
    }

    public ControlPlaneConfig(Http http, Database database, Agents agents) {
        this(http, database, agents, null, null);
    }

    /** Without TLS settings (plain HTTP), as before they existed. */
    public ControlPlaneConfig(Http http, Database database, Agents agents, Auth auth) {
        this(http, database, agents, auth, null);
    }

    /**
     * API tokens. {@code adminToken}: an lvscp token to accept as admin (for automation that must know it in
     * advance); without it the first start makes one and prints it once. Writes are limited per token to
     * {@code writesPerSecond} with bursts of {@code writeBurst}. {@code protectMetrics}: /metrics needs a token too.
     */
    public record Auth(String adminToken, Double writesPerSecond, Integer writeBurst, Boolean protectMetrics) {
        @Override
        public String toString() {
            return "Auth[adminToken=" + (adminToken == null ? "none" : "(set)") + ", writesPerSecond=" + writesPerSecond
                    + ", writeBurst=" + writeBurst + ", protectMetrics=" + protectMetrics + "]";
        }
    }

    public record Http(String host, Integer port) {}

    /**
     * The live event feed ({@code GET /v1/events?follow=true}): a comment every {@code keepAliveMillis} when idle, so
     * proxies and clients see a live connection; a follower whose unsent output passes {@code maxQueuedBytes} is dropped.
     */
    public record Feed(Integer keepAliveMillis, Integer maxQueuedBytes) {}

    /** The agent stream: how often each side says it is alive (three missed beats close the link). */
    public record Agents(Integer heartbeatMillis) {}

    /**
     * {@code url} null means embedded PostgreSQL in {@code dataDir}. Otherwise a libpq-style
     * postgresql://host:port/db URL (a jdbc: prefix is accepted), user and password apart or in the URL.
     */
    public record Database(String url, String user, String password, Integer poolSize, String dataDir) {
        @Override
        public String toString() { // the password, and a URL's user information, stay out of logs and errors
            String u = url == null ? null : url.replaceAll("//[^/@]*@", "//***@").replaceAll("(?i)password=[^&]*", "password=***");
            return "Database[url=" + u + ", user=" + user + ", password=" + (password == null ? "none" : "***")
                    + ", poolSize=" + poolSize + ", dataDir=" + dataDir + "]";
        }
    }

    /**
     * HTTPS for the REST API and the agent stream (one port serves both), from PEM files: {@code certFile} is the
     * server's certificate (its chain may follow it in the file), {@code keyFile} its unencrypted private key
     * (PKCS#8, or the traditional RSA or EC form). Neither set: plain HTTP. {@code clientCaFile}: every client must
     * present a certificate signed by one of the CA certificates in it (mutual TLS, checked in the handshake), REST
     * clients and Prometheus as much as agents.
     */
    public record Tls(String certFile, String keyFile, String clientCaFile) {
        public boolean enabled() {
            return certFile != null || keyFile != null;
        }

        /** What is wrong with these settings, one line each; empty when the server can start with them. */
        public List<String> problems() {
            List<String> out = new ArrayList<>();
            if ((certFile == null) != (keyFile == null)) out.add("tls.certFile and tls.keyFile go together: set both or neither"
                    + " (LVSCP_TLS_CERT_FILE, LVSCP_TLS_KEY_FILE)");
            if (clientCaFile != null && !enabled()) out.add("tls.clientCaFile needs tls.certFile and tls.keyFile: client certificates are asked for in a TLS handshake");
            readable(out, "tls.certFile", certFile);
            readable(out, "tls.keyFile", keyFile);
            readable(out, "tls.clientCaFile", clientCaFile);
            return out;
        }

        private static void readable(List<String> out, String name, String file) {
            if (file != null && !Files.isReadable(Path.of(file))) out.add(name + " " + file + " is not a readable file");
        }
    }

    public static ControlPlaneConfig defaults() {
        return new ControlPlaneConfig(new Http("0.0.0.0", 8080), new Database(null, null, null, 8, "data/postgres"), new Agents(5000),
                new Auth(null, 100.0, 200, false), new Tls(null, null, null), new Feed(15_000, 1024 * 1024));
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
                new Agents(intOrNull(env, "LVSCP_AGENT_HEARTBEAT_MILLIS")),
                new Auth(env.get("LVSCP_ADMIN_TOKEN"), doubleOrNull(env, "LVSCP_WRITES_PER_SECOND"), intOrNull(env, "LVSCP_WRITE_BURST"),
                        env.containsKey("LVSCP_PROTECT_METRICS") ? flag(env, "LVSCP_PROTECT_METRICS") : null),
                new Tls(blankToNull(env, "LVSCP_TLS_CERT_FILE"), blankToNull(env, "LVSCP_TLS_KEY_FILE"), blankToNull(env, "LVSCP_TLS_CLIENT_CA_FILE")),
                new Feed(intOrNull(env, "LVSCP_FEED_KEEPALIVE_MILLIS"), intOrNull(env, "LVSCP_FEED_MAX_QUEUED_BYTES")));
    }

    private static String blankToNull(Map<String, String> env, String key) {
        String v = env.get(key);
        return v == null || v.isBlank() ? null : v;
    }

    private static boolean flag(Map<String, String> env, String key) {
        String v = env.get(key).trim();
        if (v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw new IllegalArgumentException(key + " must be true or false, not '" + v + "'");
    }

    private static Double doubleOrNull(Map<String, String> env, String key) {
        return numberOrNull(env, key, Double::valueOf);
    }

    private static Integer intOrNull(Map<String, String> env, String key) {
        return numberOrNull(env, key, Integer::valueOf);
    }

    private static <T> T numberOrNull(Map<String, String> env, String key, java.util.function.Function<String, T> parse) {
        String v = env.get(key);
        if (v == null || v.isBlank()) return null;
        try {
            return parse.apply(v.trim());
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
        Auth base = auth == null ? new Auth(null, null, null, null) : auth;
        Auth u = o.auth() == null ? auth : new Auth(or(o.auth().adminToken(), base.adminToken()),
                or(o.auth().writesPerSecond(), base.writesPerSecond()), or(o.auth().writeBurst(), base.writeBurst()),
                or(o.auth().protectMetrics(), base.protectMetrics()));
        Tls t = tls == null ? new Tls(null, null, null) : tls;
        if (o.tls() != null) t = new Tls(or(o.tls().certFile(), t.certFile()), or(o.tls().keyFile(), t.keyFile()),
                or(o.tls().clientCaFile(), t.clientCaFile()));
        Feed f = feed == null ? new Feed(null, null) : feed;
        if (o.feed() != null) f = new Feed(or(o.feed().keepAliveMillis(), f.keepAliveMillis()), or(o.feed().maxQueuedBytes(), f.maxQueuedBytes()));
        return new ControlPlaneConfig(h, d, a, u, t, f);
    }

    public long feedKeepAliveMillis() {
        return feed == null || feed.keepAliveMillis() == null ? 15_000 : Math.max(10, feed.keepAliveMillis());
    }

    public int feedMaxQueuedBytes() {
        return feed == null || feed.maxQueuedBytes() == null ? 1024 * 1024 : Math.max(1024, feed.maxQueuedBytes());
    }

    public long agentHeartbeatMillis() {
        return agents.heartbeatMillis();
    }

    private static <T> T or(T a, T b) {
        return a != null ? a : b;
    }

    public ControlPlaneConfig withHttpPort(int port) {
        return new ControlPlaneConfig(new Http(http.host(), port), database, agents, auth, tls, feed);
    }

    public ControlPlaneConfig withDatabaseUrl(String url, String user, String password) {
        return new ControlPlaneConfig(http, new Database(url, user, password, database.poolSize(), database.dataDir()), agents, auth, tls, feed);
    }
}
