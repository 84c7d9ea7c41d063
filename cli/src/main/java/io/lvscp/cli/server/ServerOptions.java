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
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/** Where the control plane is and who is asking: the options every command that talks to a server takes. */
public final class ServerOptions {
    @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:LVSCP_SERVER:-http://127.0.0.1:8080}",
            description = "the control plane (default: $LVSCP_SERVER, else ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "a file holding the API token (default: $LVSCP_TOKEN)")
    Path tokenFile;

    @Option(names = "--cacert", paramLabel = "PEM", description = "the CA certificate(s) an https server's certificate is checked against")
    Path cacert;

    /** The token: the file's first line, or $LVSCP_TOKEN; a usage error without either. */
    String token() throws IOException {
        if (tokenFile != null) return Files.readAllLines(tokenFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
        String env = System.getenv("LVSCP_TOKEN");
        if (env == null || env.isBlank()) throw new IllegalArgumentException("no API token: give --token-file FILE or set LVSCP_TOKEN");
        return env.strip();
    }

    /** A TLS context trusting only {@code --cacert}; null: the JDK's own trust store. */
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
