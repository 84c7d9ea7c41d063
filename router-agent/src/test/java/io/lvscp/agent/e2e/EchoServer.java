package io.lvscp.agent.e2e;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A real server for connection tests: echoes every byte on each connection, prefixed once by its name line. */
public final class EchoServer {
    public static void main(String[] args) throws Exception {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 256);
        byte[] hello = (args[2] + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.out.println("ready");
        System.out.flush();
        while (true) {
            Socket s = server.accept();
            Thread t = new Thread(() -> {
                try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    out.write(hello);
                    out.flush();
                    byte[] buf = new byte[4096];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (Exception e) {
                    // The client went away or the connection was reset: the client side counts that.
                }
            });
            t.setDaemon(true);
            t.start();
        }
    }
}
