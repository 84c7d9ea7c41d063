package io.lvscp.agent.health;

import io.lvscp.api.model.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The checks that talk to a real server over the network: TCP connect, HTTP and HTTPS GET, and nanny's send/expect
 * over TCP or UDP. Blocking, each bounded by the spec's timeout as a whole (connect, handshake and every read share
 * one deadline), and each failure says what went wrong in a few words: "connect refused", "expected 200, got 503",
 * "timeout after 2 s". They run in the agent's JVM, or, when the real servers are reachable only from a network
 * namespace, in {@link CheckWorker} inside it.
 */
public final class NetworkChecks {
    /** The most of a reply read for matching; a health check is not a download. */
    static final int MAX_READ = 64 * 1024;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\d(?:\\.\\d)? (\\d{3})(?: .*)?");
    private static final SSLContext TRUST_ALL = trustAll();

    private NetworkChecks() {}

    public static CheckResult run(CheckSpec spec) {
        long start = System.nanoTime();
        long deadline = start + spec.timeoutMillis() * 1_000_000L;
        try {
            String ok = switch (spec.kind()) {
                case tcp -> tcp(spec, deadline);
                case http, https -> http(spec, deadline);
                case expect -> spec.protocol() == Protocol.udp ? udpExpect(spec, deadline) : tcpExpect(spec, deadline);
                default -> throw new IllegalArgumentException("not a network check: " + spec.kind());
            };
            return CheckResult.up(ok, System.nanoTime() - start);
        } catch (Failed f) {
            return CheckResult.down(f.getMessage(), System.nanoTime() - start);
        } catch (IOException e) {
            return CheckResult.down(describe(e, spec), System.nanoTime() - start);
        }
    }

    /** A check that got an answer, but the wrong one. */
    static final class Failed extends Exception {
        Failed(String reason) {
            super(reason, null, false, false);
        }
    }

    private static String tcp(CheckSpec spec, long deadline) throws IOException {
        try (Socket s = connect(spec, deadline)) {
            return "connected";
        }
    }

    private static String http(CheckSpec spec, long deadline) throws IOException, Failed {
        try (Socket s = connect(spec, deadline)) {
            Socket c = s;
            if (spec.kind() == io.lvscp.api.model.HealthCheckKind.https) {
                SSLSocket tls = (SSLSocket) TRUST_ALL.getSocketFactory().createSocket(s, spec.address(), spec.port(), true);
                tls.setSoTimeout(remaining(deadline));
                tls.startHandshake();
                c = tls;
            }
            String host = spec.address().indexOf(':') >= 0 ? "[" + spec.address() + "]" : spec.address();
            boolean defaultPort = spec.port() == (spec.kind() == io.lvscp.api.model.HealthCheckKind.https ? 443 : 80);
            // HTTP/1.0: the answer is never chunked and the server closes the connection after it.
            String request = "GET " + spec.path() + " HTTP/1.0\r\nHost: " + host + (defaultPort ? "" : ":" + spec.port())
                    + "\r\nUser-Agent: lvscp-health-check\r\nAccept: */*\r\nConnection: close\r\n\r\n";
            c.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            c.getOutputStream().flush();
            InputStream in = c.getInputStream();
            String statusLine = readLine(c, in, deadline);
            if (statusLine == null) throw new Failed("connection closed before a response");
            Matcher m = STATUS_LINE.matcher(statusLine);
            if (!m.matches()) throw new Failed("not an HTTP response: \"" + excerpt(statusLine) + "\"");
            int status = Integer.parseInt(m.group(1));
            if (status != spec.expectStatus()) throw new Failed("expected " + spec.expectStatus() + ", got " + status);
            if (spec.expect() == null) return "got " + status;
            // headers, then the body up to the first match
            for (String line = readLine(c, in, deadline); line != null && !line.isEmpty(); line = readLine(c, in, deadline)) {
                // skip
            }
            String body = readUntil(c, in, deadline, spec);
            if (!matches(spec, body)) throw new Failed("got " + status + " but the body " + mismatch(spec, body));
            return "got " + status + ", body " + (spec.useRegex() ? "matches /" + spec.expect() + "/" : "has \"" + excerpt(spec.expect()) + "\"");
        }
    }

    private static String tcpExpect(CheckSpec spec, long deadline) throws IOException, Failed {
        try (Socket s = connect(spec, deadline)) {
            if (spec.send() != null) {
                s.getOutputStream().write(unescape(spec.send()).getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
            }
            if (spec.expect() == null) return "sent";
            String reply = readUntil(s, s.getInputStream(), deadline, spec);
            if (!matches(spec, reply)) {
                throw new Failed(reply.isEmpty() ? "connection closed without a reply" : "reply " + mismatch(spec, reply));
            }
            return "reply matched";
        }
    }

    private static String udpExpect(CheckSpec spec, long deadline) throws IOException, Failed {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(spec.address()), spec.port()));
            byte[] out = spec.send() == null ? new byte[0] : unescape(spec.send()).getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(out, out.length));
            byte[] buf = new byte[MAX_READ];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.setSoTimeout(remaining(deadline));
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                throw new Failed("no reply within " + spec.timeoutText());
            }
            String reply = new String(buf, 0, p.getLength(), StandardCharsets.UTF_8);
            if (spec.expect() == null) return "replied";
            if (!matches(spec, reply)) throw new Failed("reply " + mismatch(spec, reply));
            return "reply matched";
        }
    }

    private static Socket connect(CheckSpec spec, long deadline) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(InetAddress.getByName(spec.address()), spec.port()), remaining(deadline));
            s.setSoTimeout(remaining(deadline));
            return s;
        } catch (SocketTimeoutException e) {
            s.close();
            throw new SocketTimeoutException("connect");
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** One line (without its CR LF) read byte by byte, so nothing after it is consumed; null at end of stream. */
    private static String readLine(Socket s, InputStream in, long deadline) throws IOException, Failed {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            s.setSoTimeout(remaining(deadline));
            int b = in.read();
            if (b < 0) return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            if (b == '\n') break;
            if (b != '\r') line.write(b);
            if (line.size() > 8192) throw new Failed("a line of the response is longer than 8 KiB");
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads until the reply matches, the peer closes, MAX_READ bytes came, or the deadline passes (a timeout). */
    private static String readUntil(Socket s, InputStream in, long deadline, CheckSpec spec) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (got.size() < MAX_READ) {
            s.setSoTimeout(remaining(deadline));
            int n = in.read(buf, 0, Math.min(buf.length, MAX_READ - got.size()));
            if (n < 0) break;
            got.write(buf, 0, n);
            if (matches(spec, got.toString(StandardCharsets.UTF_8))) break;
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    static boolean matches(CheckSpec spec, String text) {
        if (spec.expect() == null) return true;
        if (spec.useRegex()) return Pattern.compile(spec.expect()).matcher(text).find();
        return text.contains(unescape(spec.expect()));
    }

    private static String mismatch(CheckSpec spec, String text) {
        return (spec.useRegex() ? "does not match /" + spec.expect() + "/" : "does not contain \"" + excerpt(spec.expect()) + "\"")
                + (text.isEmpty() ? " (empty)" : ": \"" + excerpt(text) + "\"");
    }

    /** Piranha's send strings spell line ends as \r\n: those escapes (and \t, \0, \\) become the characters. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'r' -> b.append('\r');
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case '0' -> b.append('\0');
                case '\\' -> b.append('\\');
                default -> b.append('\\').append(n);
            }
        }
        return b.toString();
    }

    static String excerpt(String s) {
        String one = s.strip().replace("\r", "\\r").replace("\n", "\\n");
        return one.length() > 60 ? one.substring(0, 60) + "..." : one;
    }

    /** Milliseconds left, at least 1 (0 would mean "no timeout" to a socket). */
    private static int remaining(long deadline) throws SocketTimeoutException {
        long ms = (deadline - System.nanoTime()) / 1_000_000L;
        if (ms <= 0) throw new SocketTimeoutException();
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    static String describe(IOException e, CheckSpec spec) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof SocketTimeoutException) {
            return ("connect".equals(msg) ? "connect timeout after " : "timeout after ") + spec.timeoutText();
        }
        if (e instanceof PortUnreachableException) return "port unreachable";
        if (e instanceof NoRouteToHostException || msg.contains("No route to host")) return "no route to host";
        if (e instanceof ConnectException) {
            if (msg.contains("refused")) return "connect refused";
            if (msg.contains("unreachable")) return "network unreachable";
            return "connect failed: " + msg;
        }
        if (e instanceof SSLException) return "TLS failed: " + msg;
        if (e instanceof EOFException) return "connection closed early";
        if (e instanceof SocketException && msg.contains("reset")) return "connection reset";
        if (e instanceof java.net.UnknownHostException) return "unknown host " + spec.address();
        return msg.isEmpty() ? e.getClass().getSimpleName() : msg;
    }

    // Real servers behind a load balancer present whatever certificate they have (often self-signed, for a name
    // the check does not use): like nanny and keepalived, the check asks whether HTTPS answers, not who it is.
    private static SSLContext trustAll() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) { }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) { }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return c;
        } catch (Exception e) {
            throw new IllegalStateException("no TLS", e);
        }
    }
}
