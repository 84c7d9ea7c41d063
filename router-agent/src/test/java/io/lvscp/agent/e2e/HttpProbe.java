package io.lvscp.agent.e2e;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A client for the end-to-end tests, run inside the client namespace: N requests, each on a new TCP connection
 * (so each is a new scheduling decision), and a line "name=count ... failed=n" of who answered.
 */
public final class HttpProbe {
    public static void main(String[] args) {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        Map<String, Integer> answers = new TreeMap<>();
        int failed = 0;
        for (int i = 0; i < count; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                out.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                int body = response.indexOf("\r\n\r\n");
                if (!response.startsWith("HTTP/1.") || body < 0) {
                    failed++;
                    continue;
                }
                answers.merge(response.substring(body + 4).trim(), 1, Integer::sum);
            } catch (Exception e) {
                failed++;
            }
        }
        StringBuilder line = new StringBuilder();
        answers.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
        line.append("failed=").append(failed);
        System.out.println(line);
    }
}
