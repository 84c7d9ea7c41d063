package io.lvscp.controlplane.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client that sends exactly the bytes it is given, for requests no well-behaved client would send
 * (odd methods, raw bytes in headers, lying framing). It keeps one connection alive between requests and opens a
 * new one when the server closed it. Loopback only: the fuzz tests point it at a control plane on 127.0.0.1.
 */
final class RawHttp implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 30_000;

    /** A parsed response; header names lower-cased. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RawHttp(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /**
     * Sends one request on the kept-alive connection and reads its response. A server that closed the connection
     * while the request was being written (as it may after refusing an oversize body) still gets its response
     * read, if it sent one.
     */
    Response exchange(byte[] request, boolean head) throws IOException {
        for (int attempt = 0; ; attempt++) {
            boolean fresh = socket == null;
            if (fresh) open();
            IOException writeFailure = null;
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                writeFailure = e;
            }
            try {
                Response r = read(in, head);
                if (r == null) throw new EOFException("connection closed before a response");
                if (closes(r)) close();
                return r;
            } catch (IOException e) {
                close();
                // A kept-alive connection the server closed while idle: the request never reached it, send it again.
                if (!fresh && attempt == 0 && e instanceof EOFException) continue;
                if (writeFailure != null) e.addSuppressed(writeFailure);
                throw e;
            }
        }
    }

    /**
     * Sends bytes on a connection of their own and reads every response until the server closes it; with
     * {@code halfClose} the client then closes its side (a request cut short), which the server takes as the end.
     */
    List<Response> oneShot(byte[] bytes, boolean halfClose) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            try {
                s.getOutputStream().write(bytes);
                s.getOutputStream().flush();
                if (halfClose) s.shutdownOutput();
            } catch (IOException e) {
                // read what the server said before it hung up
            }
            List<Response> all = new ArrayList<>();
            InputStream i = new java.io.BufferedInputStream(s.getInputStream());
            while (true) {
                Response r;
                try {
                    r = read(i, false);
                } catch (SocketTimeoutException e) {
                    throw e;
                } catch (IOException e) {
                    break; // reset after the last response
                }
                if (r == null) break;
                all.add(r);
                if (closes(r)) break;
            }
            return all;
        }
    }

    private static boolean closes(Response r) {
        String c = r.header("connection");
        return c != null && c.toLowerCase(Locale.ROOT).contains("close");
    }

    private void open() throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
        out = new java.io.BufferedOutputStream(socket.getOutputStream(), 65536);
    }

    /** One response, skipping interim 1xx ones; null on a clean end of stream before any byte of it. */
    private static Response read(InputStream in, boolean head) throws IOException {
        while (true) {
            String statusLine = line(in);
            if (statusLine == null) return null;
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not a status line: " + statusLine);
            int status = Integer.parseInt(parts[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon <= 0) throw new IOException("not a header line: " + h);
                headers.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.substring(colon + 1).trim());
            }
            if (status >= 100 && status < 200 && status != 101) continue;
            Response bare = new Response(status, headers, new byte[0]);
            if (head || status == 204 || status == 304 || status == 101) return bare;
            String te = bare.header("transfer-encoding");
            String cl = bare.header("content-length");
            byte[] body;
            if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                body = chunked(in);
            } else if (cl != null) {
                body = in.readNBytes(Integer.parseInt(cl));
                if (body.length != Integer.parseInt(cl)) throw new EOFException("body ends early");
            } else {
                body = in.readAllBytes();
            }
            return new Response(status, headers, body);
        }
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            if (size == null) throw new EOFException("chunked body ends early");
            int n = Integer.parseInt(size.split(";", 2)[0].trim(), 16);
            if (n == 0) {
                for (String t = line(in); t != null && !t.isEmpty(); t = line(in)) {
                    // trailers
                }
                return b.toByteArray();
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length != n) throw new EOFException("chunk ends early");
            b.write(chunk);
            line(in);
        }
    }

    /** A CRLF-terminated line, without it; null at the end of the stream before any byte. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
            if (b.size() > 65536) throw new IOException("line too long");
        }
        if (b.size() == 0) return null;
        throw new EOFException("stream ends inside a line");
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
