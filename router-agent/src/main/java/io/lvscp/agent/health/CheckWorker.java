package io.lvscp.agent.health;

import io.lvscp.api.json.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;

/**
 * The network checks, run inside the router's network namespace. A JVM cannot enter a namespace, and real
 * servers on a private segment may be reachable only from there, so when the agent runs its kernel commands in a
 * namespace it starts one of these in it ({@code ip netns exec NS java -cp ... CheckWorker}) and keeps it for its
 * life: one process start, then each check costs what it costs in the agent itself.
 *
 * <p>Protocol, one JSON object a line: it prints {@code ready}, then reads {@link Request}s on stdin and answers
 * each with a {@link Response} on stdout as soon as its check is done (in any order, matched by id). It exits
 * when stdin closes, so it never outlives its agent, even one killed with -9.
 */
public final class CheckWorker {
    public record Request(long id, CheckSpec spec) {}

    public record Response(long id, CheckResult result) {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        ExecutorService pool = LocalProber.pool(64, "lvscp-check-worker");
        out.println("ready");
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) continue;
            Request r;
            try {
                r = Json.mapper().readValue(line, Request.class);
            } catch (Exception e) {
                System.err.println("lvscp check worker: cannot read request: " + e.getMessage());
                continue;
            }
            pool.execute(() -> {
                CheckResult result;
                try {
                    result = NetworkChecks.run(r.spec());
                } catch (RuntimeException e) {
                    result = CheckResult.unknown("check failed in the worker: " + e);
                }
                try {
                    String json = Json.mapper().writeValueAsString(new Response(r.id(), result));
                    synchronized (out) {
                        out.println(json);
                        out.flush();
                    }
                } catch (Exception e) {
                    System.err.println("lvscp check worker: cannot answer: " + e.getMessage());
                }
            });
        }
        System.exit(0);
    }
}
