package io.lvscp.controlplane.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and the certificates it signs, made with the openssl command (EC P-256 keys in
 * PKCS#8 PEM, valid for a day), the same way README "TLS" tells operators to make a test setup.
 */
public final class TestCertificates {
    public static final String PKCS12_PASSWORD = "changeit";

    private final Path dir;
    private final String name;

    /** A certificate and its private key, as PEM files. */
    public record Issued(Path cert, Path key) {
        /** Both in a PKCS#12 key store (password {@link #PKCS12_PASSWORD}), for clients that want one. */
        public Path pkcs12() throws IOException {
            Path out = Path.of(cert.toString().replaceFirst("\\.crt$", "") + ".p12");
            if (!Files.exists(out)) {
                openssl(cert.getParent(), "pkcs12", "-export", "-in", cert.toString(), "-inkey", key.toString(), "-out", out.toString(),
                        "-passout", "pass:" + PKCS12_PASSWORD);
            }
            return out;
        }
    }

    private TestCertificates(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** A new self-signed CA called {@code name}, its files in {@code dir}. */
    public static TestCertificates newCa(Path dir, String name) throws IOException {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=" + name, "-keyout", name + ".key", "-out", name + ".crt",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return new TestCertificates(dir, name);
    }

    public Path caCert() {
        return dir.resolve(name + ".crt");
    }

    /** A server certificate for the given subject alternative names ("IP:127.0.0.1", "DNS:localhost"). */
    public Issued server(String cn, String... subjectAltNames) throws IOException {
        return issue(cn, "serverAuth", subjectAltNames);
    }

    /** A client certificate (an agent's, an operator's). */
    public Issued client(String cn) throws IOException {
        return issue(cn, "clientAuth");
    }

    private Issued issue(String cn, String usage, String... subjectAltNames) throws IOException {
        String base = name + "-" + cn;
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + cn,
                "-keyout", base + ".key", "-out", base + ".csr");
        List<String> ext = new ArrayList<>(List.of("basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature",
                "extendedKeyUsage=" + usage));
        if (subjectAltNames.length > 0) ext.add("subjectAltName=" + String.join(",", subjectAltNames));
        Files.writeString(dir.resolve(base + ".ext"), String.join("\n", ext) + "\n");
        openssl(dir, "x509", "-req", "-in", base + ".csr", "-CA", name + ".crt", "-CAkey", name + ".key", "-CAcreateserial",
                "-days", "1", "-extfile", base + ".ext", "-out", base + ".crt");
        return new Issued(dir.resolve(base + ".crt"), dir.resolve(base + ".key"));
    }

    /** A key store that trusts this CA, for REST Assured and java.net.http. */
    public KeyStore trustStore() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caCert())) {
            ks.setCertificateEntry(name, CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        return ks;
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add("openssl");
        argv.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("the TLS tests make their certificates with the openssl command, which did not run"
                    + " (Debian: apt-get install openssl)", e);
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", argv) + " failed:\n" + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            p.destroy();
        }
    }
}
