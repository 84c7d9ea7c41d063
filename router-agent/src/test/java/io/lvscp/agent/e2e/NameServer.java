package io.lvscp.agent.e2e;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A real server for the end-to-end tests: answers every request with its name. Run inside a namespace. */
public final class NameServer {
    public static void main(String[] args) throws Exception {
        String address = args[0];
        int port = Integer.parseInt(args[1]);
        byte[] name = args[2].getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 128);
        server.createContext("/", ex -> {
            ex.getResponseHeaders().add("Connection", "close");
            ex.sendResponseHeaders(200, name.length);
            ex.getResponseBody().write(name);
            ex.close();
        });
        server.start();
        System.out.println("ready");
        System.out.flush();
    }
}
