package io.lvscp.agent.config;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.exc.IgnoredPropertyException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The agent's settings: a small YAML file, then environment variables (which win). See README "Router agent".
 *
 * @param controlPlane   base URLs of the control-plane replicas, http://host:port or https://host:port (the stream
 *                       is ws:// or wss://host:port/v1/agents/stream); one string or a list. The agent streams from
 *                       one at a time and moves to the next when its stream drops or a connect fails.
 * @param cluster        the cluster this router belongs to
 * @param router         this router's name, as enrolled in the cluster
 * @param driver         ipvs, nftables, or recording (programs nothing; for tests and benchmarks)
 * @param stateDir       where the last applied state is kept, for starting without a control plane
 * @param devices        logical device names used in the cluster (eth0) to this host's names, where they differ
 * @param netns          run every kernel command in this network namespace (ip netns exec); for tests and containers
 * @param metricsPort    port of /metrics and /healthz (0: any free port, -1: none)
 * @param reconcileSeconds how often the kernel is re-read and drift corrected
 * @param preempt        failover: the primary takes the active role back when it returns (default false)
 * @param token          this router's agent credential (POST /v1/tokens with role agent); prefer tokenFile
 * @param tokenFile      a file holding the credential (mode 0600), so that it is not in the config or the environment
 * @param checkPrograms  the health-check programs this router will run (exact paths, or directories ending in /); none by default
 * @param failover       failover: the pair's heartbeat key (docs/failover.md)
 * @param tls            CA, client certificate and key for an https:// control plane (LVSCP_TLS_CA_FILE, ...)
 * @param commandPrefix  run every kernel command behind this argv prefix instead (e.g. nsenter --net=/proc/1/ns/net
 *                       for an agent in a container of its own); netns is the prefix ip netns exec NS. Health checks
 *                       and heartbeats still use the agent's own sockets.
 */
public record AgentConfig(
        @com.fasterxml.jackson.annotation.JsonFormat(with = com.fasterxml.jackson.annotation.JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        List<String> controlPlane, String cluster, String router, String driver, String stateDir,
                          Map<String, String> devices, String netns, Integer metricsPort, String metricsHost,
                          Double reconcileSeconds, Double heartbeatSeconds, Boolean preempt, String token, String tokenFile,
                          Failover failover, Tls tls, List<String> checkPrograms, List<String> commandPrefix) {

    @com.fasterxml.jackson.annotation.JsonCreator
    public AgentConfig {
    }

    /**
     * TLS towards an https:// control plane, from PEM files. {@code caFile}: the CA certificate(s) the control
     * plane's certificate must chain to (without it, the JVM's default trust store); the certificate must also name
     * the host of {@code controlPlane} (a DNS or IP subject alternative name). {@code certFile} and {@code keyFile}:
     * this agent's client certificate and private key, for a control plane that requires them.
     */
    public record Tls(String caFile, String certFile, String keyFile) {
        static final Tls NONE = new Tls(null, null, null);

        public boolean clientCertificate() {
            return certFile != null && keyFile != null;
        }
    }

    /** Without TLS settings, as before they existed. */
    public AgentConfig(String controlPlane, String cluster, String router, String driver, String stateDir,
                       Map<String, String> devices, String netns, Integer metricsPort, String metricsHost,
                       Double reconcileSeconds, Double heartbeatSeconds, Boolean preempt, String token, String tokenFile,
                       Failover failover) {
        this(urls(controlPlane), cluster, router, driver, stateDir, devices, netns, metricsPort, metricsHost, reconcileSeconds,
                heartbeatSeconds, preempt, token, tokenFile, failover, null, null, null);
    }

    public AgentConfig(String controlPlane, String cluster, String router, String driver, String stateDir,
                       Map<String, String> devices, String netns, Integer metricsPort, String metricsHost,
                       Double reconcileSeconds, Double heartbeatSeconds, Boolean preempt, String token, String tokenFile,
                       Failover failover, Tls tls) {
        this(urls(controlPlane), cluster, router, driver, stateDir, devices, netns, metricsPort, metricsHost, reconcileSeconds,
                heartbeatSeconds, preempt, token, tokenFile, failover, tls, null, null);
    }

    private static List<String> urls(String controlPlane) {
        return controlPlane == null ? null : List.of(controlPlane);
    }

    /** LVSCP_CONTROL_PLANE: one URL, or several separated by commas (URLs of control planes hold none). */
    private static List<String> urlsFromEnv(String value) {
        return value == null ? null : java.util.Arrays.stream(value.split(",", -1)).map(String::trim).toList();
    }

    /**
     * Whether this router runs {@code program} as a health check. A program check runs as root on the router with
     * whatever the control plane says, so the router decides, in a file the control plane cannot write: only programs
     * listed in {@code checkPrograms} (an exact path, or a directory ending in '/' for the programs in it) run, and
     * none by default.
     */
    public boolean allowsCheckProgram(String program) {
        if (checkPrograms == null || program == null || program.contains("/../") || program.contains("/./")) return false;
        for (String allowed : checkPrograms) {
            if (allowed.endsWith("/") ? program.startsWith(allowed) && program.indexOf('/', allowed.length()) < 0 : program.equals(allowed)) {
                return true;
            }
        }
        return false;
    }

    public AgentConfig withCheckPrograms(List<String> programs) {
        return new AgentConfig(controlPlane, cluster, router, driver, stateDir, devices, netns, metricsPort, metricsHost,
                reconcileSeconds, heartbeatSeconds, preempt, token, tokenFile, failover, tls, programs, commandPrefix);
    }

    public AgentConfig withTls(Tls settings) {
        return new AgentConfig(controlPlane, cluster, router, driver, stateDir, devices, netns, metricsPort, metricsHost,
                reconcileSeconds, heartbeatSeconds, preempt, token, tokenFile, failover, settings, checkPrograms, commandPrefix);
    }

    /**
     * The key both routers of a pair sign their heartbeats with (HMAC-SHA256). The YAML file can only name a file
     * holding it: config files get copied, pasted and committed, a 0600 key file less so. The key itself can come
     * from LVSCP_HEARTBEAT_KEY (for containers and secret stores that hand over environment variables).
     *
     * @param heartbeatKeyFile a file holding the key (LVSCP_HEARTBEAT_KEY_FILE)
     * @param heartbeatKey     the key from LVSCP_HEARTBEAT_KEY; never read from the YAML file
     */
    public record Failover(String heartbeatKeyFile, @com.fasterxml.jackson.annotation.JsonIgnore Secret heartbeatKey) {
        static final Failover NONE = new Failover(null, null);
    }

    public AgentConfig(String controlPlane, String cluster, String router, String driver, String stateDir,
                       Map<String, String> devices, String netns, Integer metricsPort, String metricsHost,
                       Double reconcileSeconds, Double heartbeatSeconds, Boolean preempt) {
        this(controlPlane, cluster, router, driver, stateDir, devices, netns, metricsPort, metricsHost, reconcileSeconds,
                heartbeatSeconds, preempt, null, null, null);
    }

    public AgentConfig withToken(String credential) {
        return new AgentConfig(controlPlane, cluster, router, driver, stateDir, devices, netns, metricsPort, metricsHost,
                reconcileSeconds, heartbeatSeconds, preempt, credential, null, failover, tls, checkPrograms, commandPrefix);
    }

    /** The credential, from tokenFile if set, else token; null if neither is. */
    public String credential() {
        if (tokenFile == null) return token;
        try {
            return Files.readString(Path.of(tokenFile)).trim();
        } catch (IOException e) {
            throw new IllegalArgumentException("tokenFile " + tokenFile + " cannot be read: " + e.getMessage());
        }
    }

    @Override
    public String toString() { // the credential stays out of logs
        return "AgentConfig[controlPlane=" + controlPlane + ", cluster=" + cluster + ", router=" + router + ", driver=" + driver
                + ", token=" + (token == null ? "none" : "(set)") + ", tokenFile=" + tokenFile + ", failover=" + failover + ", tls=" + tls + "]";
    }

    /** Without the failover settings (preempt off), as before they existed. */
    public AgentConfig(String controlPlane, String cluster, String router, String driver, String stateDir,
                       Map<String, String> devices, String netns, Integer metricsPort, String metricsHost,
                       Double reconcileSeconds, Double heartbeatSeconds) {
        this(controlPlane, cluster, router, driver, stateDir, devices, netns, metricsPort, metricsHost, reconcileSeconds, heartbeatSeconds, null);
    }

    /**
     * Router failover: whether the primary takes the active role back from the backup when it returns (off by
     * default, to avoid needless flaps). Both routers of a pair should say the same; where they differ, it is off.
     * Belongs to the cluster's settings; read here until the control plane carries it (LVSCP_PREEMPT=true|false).
     */
    public boolean preemptEnabled() {
        return Boolean.TRUE.equals(preempt);
    }

    public static final List<String> DRIVERS = List.of("ipvs", "nftables", "recording");

    public static AgentConfig load(Path file, Map<String, String> env) throws IOException {
        AgentConfig c = new AgentConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        if (file != null) {
            // FAIL_ON_IGNORED_PROPERTIES: a heartbeat key written inline in the file is refused, not silently dropped.
            // No source in error locations: Jackson would quote the whole file, key and all, in the message.
            ObjectMapper yaml = new ObjectMapper(YAMLFactory.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build())
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).enable(DeserializationFeature.FAIL_ON_IGNORED_PROPERTIES);
            try {
                c = yaml.readValue(Files.readAllBytes(file), AgentConfig.class);
            } catch (IgnoredPropertyException e) {
                throw new IllegalArgumentException(file + ": the heartbeat key cannot be written in the config file; put it in a file of "
                        + "its own (failover.heartbeatKeyFile, mode 0600) or in LVSCP_HEARTBEAT_KEY");
            }
        }
        Failover f = c.failover() == null ? Failover.NONE : c.failover();
        return new AgentConfig(
                env.containsKey("LVSCP_CONTROL_PLANE") ? urlsFromEnv(env.get("LVSCP_CONTROL_PLANE")) : c.controlPlane(),
                env.getOrDefault("LVSCP_CLUSTER", c.cluster()),
                env.getOrDefault("LVSCP_ROUTER", c.router()),
                env.getOrDefault("LVSCP_DRIVER", c.driver()),
                env.getOrDefault("LVSCP_STATE_DIR", c.stateDir()),
                c.devices(),
                env.getOrDefault("LVSCP_NETNS", c.netns()),
                env.containsKey("LVSCP_METRICS_PORT") ? Integer.valueOf(env.get("LVSCP_METRICS_PORT")) : c.metricsPort(),
                env.getOrDefault("LVSCP_METRICS_HOST", c.metricsHost()),
                c.reconcileSeconds(),
                c.heartbeatSeconds(),
                env.containsKey("LVSCP_PREEMPT") ? flag("LVSCP_PREEMPT", env.get("LVSCP_PREEMPT")) : c.preempt(),
                env.getOrDefault("LVSCP_TOKEN", c.token()),
                env.getOrDefault("LVSCP_TOKEN_FILE", c.tokenFile()),
                new Failover(env.getOrDefault("LVSCP_HEARTBEAT_KEY_FILE", f.heartbeatKeyFile()),
                        env.containsKey("LVSCP_HEARTBEAT_KEY") ? Secret.of(env.get("LVSCP_HEARTBEAT_KEY").getBytes(StandardCharsets.UTF_8)) : null),
                tlsFrom(env, c.tls()),
                c.checkPrograms(),
                c.commandPrefix())
                .withDefaults();
    }

    private static Tls tlsFrom(Map<String, String> env, Tls file) {
        Tls f = file == null ? Tls.NONE : file;
        return new Tls(env.getOrDefault("LVSCP_TLS_CA_FILE", f.caFile()), env.getOrDefault("LVSCP_TLS_CERT_FILE", f.certFile()),
                env.getOrDefault("LVSCP_TLS_KEY_FILE", f.keyFile()));
    }

    /**
     * The heartbeat key: LVSCP_HEARTBEAT_KEY, else the content of the key file; null when neither is set (the agent
     * then runs with unauthenticated heartbeats, and says so). Throws IllegalArgumentException when the file cannot be
     * read or the key is shorter than {@link Secret#MIN_BYTES}; the message never contains the key.
     */
    public Secret heartbeatKey() {
        if (failover == null) return null;
        Secret key = failover.heartbeatKey();
        String origin = "LVSCP_HEARTBEAT_KEY";
        if (key == null && failover.heartbeatKeyFile() != null) {
            key = Secret.read(Path.of(failover.heartbeatKeyFile()));
            origin = "heartbeat key file " + failover.heartbeatKeyFile();
        }
        if (key != null && key.length() < Secret.MIN_BYTES) {
            throw new IllegalArgumentException(origin + " holds " + key.length() + " bytes; a heartbeat key needs at least " + Secret.MIN_BYTES
                    + " (openssl rand -hex 32)");
        }
        return key;
    }

    private static Boolean flag(String name, String value) {
        if ("true".equals(value)) return true;
        if ("false".equals(value)) return false;
        throw new IllegalArgumentException(name + " must be true or false, not " + value);
    }

    public AgentConfig withDefaults() {
        return new AgentConfig(
                controlPlane == null ? List.of("http://127.0.0.1:8080") : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(controlPlane)),
                cluster, router,
                driver == null ? "ipvs" : driver,
                stateDir == null ? "/var/lib/lvscp-agent" : stateDir,
                devices == null ? Map.of() : Map.copyOf(devices),
                netns,
                metricsPort == null ? 9539 : metricsPort,
                metricsHost == null ? "0.0.0.0" : metricsHost,
                reconcileSeconds == null ? 10.0 : reconcileSeconds,
                heartbeatSeconds == null ? 5.0 : heartbeatSeconds,
                preempt == null ? Boolean.FALSE : preempt,
                token, tokenFile,
                failover == null ? Failover.NONE : failover,
                tls == null ? Tls.NONE : tls,
                checkPrograms == null ? List.of() : List.copyOf(checkPrograms),
                commandPrefix == null ? List.of() : List.copyOf(commandPrefix));
    }

    /** What is wrong with these settings, one line each; empty when the agent can start. */
    public List<String> problems() {
        List<String> out = new java.util.ArrayList<>();
        if (cluster == null) out.add("cluster is required (LVSCP_CLUSTER)");
        if (router == null) out.add("router is required (LVSCP_ROUTER)");
        if (!DRIVERS.contains(driver)) out.add("driver must be one of " + DRIVERS + ", not " + driver);
        controlPlaneProblems(out);
        if (tls != null) tlsProblems(out);
        if (reconcileSeconds <= 0) out.add("reconcileSeconds must be positive");
        if (heartbeatSeconds <= 0) out.add("heartbeatSeconds must be positive");
        if (token != null && tokenFile != null) out.add("give token or tokenFile, not both");
        if (netns != null && commandPrefix != null && !commandPrefix.isEmpty()) out.add("give netns or commandPrefix, not both");
        if (commandPrefix != null && commandPrefix.stream().anyMatch(a -> a == null || a.isEmpty())) {
            out.add("commandPrefix must be a list of non-empty arguments, e.g. [nsenter, --net=/proc/1/ns/net]");
        }
        for (String p : checkPrograms == null ? List.<String>of() : checkPrograms) {
            if (p == null || !p.startsWith("/") || p.contains("/../") || p.contains("/./") || p.chars().anyMatch(ch -> ch <= ' ')) {
                out.add("checkPrograms must be absolute paths without spaces or dot segments, not '" + p + "'");
            }
        }
        try {
            String t = credential();
            if (t == null || t.isEmpty()) out.add("an agent credential is required: tokenFile (LVSCP_TOKEN_FILE) or token (LVSCP_TOKEN); "
                    + "make one with POST /v1/tokens {\"role\":\"agent\",\"clusters\":[cluster],\"router\":router,...}");
        } catch (IllegalArgumentException e) {
            out.add(e.getMessage());
        }
        try {
            heartbeatKey();
        } catch (IllegalArgumentException e) {
            out.add(e.getMessage());
        }
        return out;
    }

    /**
     * One line per bad URL, naming its place in the list ({@code controlPlane[1]}) when there are several: an operator
     * with three replicas in the file must not have to guess which one is wrong.
     */
    private void controlPlaneProblems(List<String> out) {
        if (controlPlane == null || controlPlane.isEmpty()) {
            out.add("controlPlane must name at least one http:// or https:// URL");
            return;
        }
        String scheme = null;
        int first = -1;
        for (int i = 0; i < controlPlane.size(); i++) {
            String name = controlPlane.size() == 1 ? "controlPlane" : "controlPlane[" + i + "]";
            String url = controlPlane.get(i);
            if (url == null || url.isBlank()) {
                out.add(name + " is empty; give an http:// or https:// URL");
                continue;
            }
            URI u;
            try {
                u = new URI(url);
            } catch (java.net.URISyntaxException e) {
                out.add(name + " is not a URL: " + e.getMessage());
                continue;
            }
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
                out.add(name + " must be an http:// or https:// URL" + (controlPlane.size() == 1 ? "" : ", not " + url));
            } else if (u.getHost() == null) {
                out.add(name + " names no host: " + url);
            } else if (scheme == null) {
                scheme = u.getScheme();
                first = i;
            } else if (!scheme.equals(u.getScheme())) {
                // The same credential goes to every replica: one plain-HTTP URL among https:// ones would send it in clear.
                out.add(name + " is " + u.getScheme() + ":// while controlPlane[" + first + "] is " + scheme
                        + "://; reach every replica the same way");
            }
        }
    }

    /** The URLs as the stream client dials them; call after {@link #problems()} found none. */
    public List<URI> controlPlaneUris() {
        return controlPlane.stream().map(URI::create).toList();
    }

    private void tlsProblems(List<String> out) {
        boolean https = controlPlane != null && !controlPlane.isEmpty()
                && controlPlane.stream().allMatch(u -> u != null && u.startsWith("https://"));
        if ((tls.certFile() == null) != (tls.keyFile() == null)) {
            out.add("tls.certFile and tls.keyFile go together: set both or neither (LVSCP_TLS_CERT_FILE, LVSCP_TLS_KEY_FILE)");
        }
        if (!https && (tls.caFile() != null || tls.certFile() != null || tls.keyFile() != null)) {
            out.add("tls settings need an https:// controlPlane, not " + (controlPlane == null ? null
                    : controlPlane.size() == 1 ? controlPlane.get(0) : String.join(", ", controlPlane)));
        }
        readable(out, "tls.caFile", tls.caFile());
        readable(out, "tls.certFile", tls.certFile());
        readable(out, "tls.keyFile", tls.keyFile());
    }

    private static void readable(List<String> out, String name, String file) {
        if (file != null && !Files.isReadable(Path.of(file))) out.add(name + " " + file + " is not a readable file");
    }

    public String device(String logical) {
        return devices.getOrDefault(logical, logical);
    }
}
