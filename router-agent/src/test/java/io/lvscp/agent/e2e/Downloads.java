package io.lvscp.agent.e2e;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The client of the slow-download case, inside the client namespace: N connections to host:port (a
 * {@link TrickleServer} behind the VIP), each read by a thread of its own. Prints "open" once all are up; on each
 * "report" line from stdin prints "flowing=K ended=M": a download is flowing when bytes came on it since the last
 * report, ended when it was reset or closed. Args: host port count.
 */
public final class Downloads {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        AtomicLongArray received = new AtomicLongArray(count);
        boolean[] ended = new boolean[count];
        for (int i = 0; i < count; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(host, port), 3000);
            InputStream in = s.getInputStream();
            int n = i;
            Thread t = new Thread(() -> {
                byte[] buf = new byte[4096];
                try (s) {
                    for (int r; (r = in.read(buf)) > 0; ) received.addAndGet(n, r);
                } catch (Exception e) {
                    // reset: counted below
                }
                synchronized (ended) {
                    ended[n] = true;
                }
            });
            t.setDaemon(true);
            t.start();
        }
        System.out.println("open");
        System.out.flush();
        long[] seen = new long[count];
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = commands.readLine()) != null; ) {
            if (!line.equals("report")) continue;
            int flowing = 0;
            int gone = 0;
            synchronized (ended) {
                for (int i = 0; i < count; i++) {
                    long now = received.get(i);
                    if (ended[i]) gone++;
                    else if (now > seen[i]) flowing++;
                    seen[i] = now;
                }
            }
            System.out.println("flowing=" + flowing + " ended=" + gone);
            System.out.flush();
        }
    }
}
