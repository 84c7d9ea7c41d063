package io.lvscp.cli.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/**
 * Where the control plane is and who is asking: the options every command that talks to a server takes. Each
 * setting comes from the first that gives it: the option, the environment ($LVSCP_SERVER, $LVSCP_TOKEN), the
 * context ({@code --context}, else the config file's current one), the default.
 */
public final class ServerOptions {
    public static final String DEFAULT_SERVER = "http://127.0.0.1:8080";

    @Option(names = "--server", paramLabel = "URL",
            description = "the control plane (default: $LVSCP_SERVER, else the context's, else " + DEFAULT_SERVER + ")")
    String server;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "a file holding the API token (default: $LVSCP_TOKEN, else the context's tokenFile)")
    Path tokenFile;

    @Option(names = "--cacert", paramLabel = "PEM",
            description = "the CA certificate(s) an https server's certificate is checked against (default: the context's)")
    Path cacert;

    @Option(names = "--context", paramLabel = "NAME", description = "the context of the config file to use (default: its current one)")
    String context;

    @Option(names = "--config", paramLabel = "FILE",
            description = "the config file of contexts (default: $LVSCP_CONFIG, else ~/.config/lvscp/config.yaml)")
    Path config;

    /** What the settings come to. {@code token} is $LVSCP_TOKEN's, used when there is no {@code tokenFile}. */
    public record Target(String server, Path tokenFile, String token, Path cacert) {
        /** The token: the file's first line, else $LVSCP_TOKEN; a usage error without either. */
        String bearer() throws IOException {
            if (tokenFile != null) return Files.readAllLines(tokenFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
            if (token == null) {
                throw new IllegalArgumentException("no API token: give --token-file FILE, set LVSCP_TOKEN or use a context with a tokenFile");
            }
            return token;
        }

        /** A TLS context trusting only the CA certificate(s); null: the JDK's own trust store. */
        SSLContext tls() throws IOException, GeneralSecurityException {
            if (cacert == null) return null;
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(cacert)) {
                int i = 0;
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) trust.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        }
    }

    public ServerOptions() {}

    /** As the options would be set on a command line (null: not given); for tests of the resolution. */
    ServerOptions(String server, Path tokenFile, Path cacert, String context, Path config) {
        this.server = server;
        this.tokenFile = tokenFile;
        this.cacert = cacert;
        this.context = context;
        this.config = config;
    }

    public Target resolve() throws CliConfig.Bad {
        return resolve(System.getenv());
    }

    Target resolve(Map<String, String> env) throws CliConfig.Bad {
        CliConfig.Context ctx = CliConfig.load(CliConfig.location(config, env)).pick(context);
        String envServer = blankToNull(env.get("LVSCP_SERVER"));
        String envToken = blankToNull(env.get("LVSCP_TOKEN"));
        String s = first(server, envServer, ctx == null ? null : ctx.server(), DEFAULT_SERVER);
        Path tf = tokenFile != null ? tokenFile : envToken != null ? null : ctx == null ? null : ctx.tokenFile();
        Path ca = cacert != null ? cacert : ctx == null ? null : ctx.cacert();
        return new Target(s, tf, tf == null ? envToken : null, ca);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) if (v != null) return v;
        return null;
    }
}
