package io.lvscp.agent.e2e;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A real server for the slow-download case: on each connection its name line, then 512 bytes every 50 ms until the
 * client goes away, like a long download at 10 kB/s. Args: address port name.
 */
public final class TrickleServer {
    public static void main(String[] args) throws Exception {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 256);
        byte[] hello = (args[2] + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] chunk = new byte[512];
        Arrays.fill(chunk, (byte) 'x');
        System.out.println("ready");
        System.out.flush();
        while (true) {
            Socket s = server.accept();
            Thread t = new Thread(() -> {
                try (s; OutputStream out = s.getOutputStream()) {
                    out.write(hello);
                    out.flush();
                    while (true) {
                        out.write(chunk);
                        out.flush();
                        Thread.sleep(50); // the pace of the download, not a synchronisation
                    }
                } catch (Exception e) {
                    // the client went away, or the connection was reset: the client counts that
                }
            });
            t.setDaemon(true);
            t.start();
        }
    }
}
