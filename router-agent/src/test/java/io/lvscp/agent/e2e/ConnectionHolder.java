package io.lvscp.agent.e2e;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A client for connection-survival tests, run inside the client namespace: opens N long-lived TCP connections to
 * host:port, prints "open name=count ..." of which real server took each, then on every "ping" line from stdin sends
 * a line on every connection and prints "alive=K dead=M": a connection is alive when its echo comes back in time,
 * dead when it was reset, closed or silent. Idle in between, like a keep-alive connection.
 */
public final class ConnectionHolder {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int timeoutMillis = Integer.parseInt(args[3]);
        List<Socket> sockets = new ArrayList<>();
        List<BufferedReader> readers = new ArrayList<>();
        Map<String, Integer> servers = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(host, port), 3000);
            s.setSoTimeout(timeoutMillis);
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            servers.merge(r.readLine(), 1, Integer::sum);
            sockets.add(s);
            readers.add(r);
        }
        StringBuilder open = new StringBuilder("open");
        servers.forEach((k, v) -> open.append(' ').append(k).append('=').append(v));
        System.out.println(open);
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        boolean[] dead = new boolean[count];
        int round = 0;
        for (String line; (line = commands.readLine()) != null; ) {
            if (!line.equals("ping")) continue;
            round++;
            int alive = 0;
            for (int i = 0; i < count; i++) {
                if (dead[i]) continue;
                try {
                    OutputStream out = sockets.get(i).getOutputStream();
                    String probe = "probe-" + round + "-" + i;
                    out.write((probe + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    if (probe.equals(readers.get(i).readLine())) alive++;
                    else dead[i] = true;
                } catch (Exception e) {
                    dead[i] = true;
                }
            }
            System.out.println("alive=" + alive + " dead=" + (count - alive));
            System.out.flush();
        }
    }
}
