package io.lvscp.cli.server;

import io.lvscp.cli.Lvscp;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real control plane (embedded PostgreSQL) and the {@code lvscp} command run in-process against it, as an operator
 * would run it: its output and exit code. The server commands' tests share it.
 */
final class LiveControlPlane implements AutoCloseable {
    record Run(int code, String out, String err) {}

    /** A command still running (a feed being followed): its output so far, and a way to stop it. */
    static final class Running {
        private final Thread thread;
        private final StringWriter out = new StringWriter();
        private final StringWriter err = new StringWriter();
        private final AtomicInteger code = new AtomicInteger(-1);

        private Running(List<String> args) {
            var cl = Lvscp.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            thread = new Thread(() -> code.set(cl.execute(args.toArray(String[]::new))), "lvscp " + String.join(" ", args));
            thread.setDaemon(true);
            thread.start();
        }

        String out() {
            return out.toString();
        }

        String err() {
            return err.toString();
        }

        /** Interrupts the command, as a terminal's Ctrl-C would end it, and returns its exit code. */
        Run stop() throws InterruptedException {
            thread.interrupt();
            thread.join(Duration.ofSeconds(10).toMillis());
            if (thread.isAlive()) throw new AssertionError("lvscp did not stop when interrupted; output so far:\n" + out() + err());
            return new Run(code.get(), out(), err());
        }
    }

    private RunningControlPlane cp;
    private final Path token;

    private LiveControlPlane(RunningControlPlane cp, Path token) {
        this.cp = cp;
        this.token = token;
    }

    /** A control plane on a new database, and the admin token in a file under {@code dir}. */
    static LiveControlPlane start(Path dir) {
        try {
            return new LiveControlPlane(RunningControlPlane.onNewDatabase(),
                    Files.writeString(dir.resolve("token"), RunningControlPlane.ADMIN_TOKEN + "\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RunningControlPlane cp() {
        return cp;
    }

    /** Stops the control plane and starts another on the same database and port: what a feed sees as a restart. */
    void restart() {
        int port = cp.port();
        String db = cp.databaseUrl();
        cp.close();
        cp = RunningControlPlane.on(db, port);
    }

    /**
     * The README's NAT cluster {@code name}: routers lvs1 (primary) and lvs2, virtual server http on 192.168.26.10:80
     * (wrr) with rs1 (weight 2) and rs2 (weight 1).
     */
    void seed(String name) {
        post("/v1/clusters", "{\"name\": \"" + name + "\", \"routingMethod\": \"nat\", \"natRouter\": {\"address\": \"10.11.12.10\", "
                + "\"netmask\": \"255.255.255.0\", \"device\": \"eth1:1\"}}");
        String c = "/v1/clusters/" + name;
        post(c + "/routers", "{\"name\": \"lvs1\", \"publicAddress\": \"192.168.26.9\", \"privateAddress\": \"10.11.12.9\", \"rolePreference\": \"primary\"}");
        post(c + "/routers", "{\"name\": \"lvs2\", \"publicAddress\": \"192.168.26.8\", \"privateAddress\": \"10.11.12.8\"}");
        post(c + "/virtual-servers", "{\"name\": \"http\", \"address\": \"192.168.26.10\", \"netmask\": \"255.255.255.0\", \"device\": \"eth0:1\", "
                + "\"port\": 80, \"scheduler\": \"wrr\"}");
        post(c + "/virtual-servers/http/real-servers", "{\"name\": \"rs1\", \"address\": \"10.11.12.1\", \"weight\": 2}");
        post(c + "/virtual-servers/http/real-servers", "{\"name\": \"rs2\", \"address\": \"10.11.12.2\", \"weight\": 1}");
    }

    private void post(String path, String body) {
        Api.given(cp).body(body).post(path).then().statusCode(201);
    }

    /** The cluster's current revision, as the API says. */
    long revision(String cluster) {
        return Api.given(cp).get("/v1/clusters/" + cluster).then().statusCode(200).extract().jsonPath().getLong("revision");
    }

    /** {@code lvscp ARGS} against this control plane with the admin token ({@code import} needs no server). */
    Run lvscp(String... args) {
        return run(withServer(args, "http://127.0.0.1:" + cp.port()));
    }

    /** {@code lvscp ARGS} against {@code server}, with the admin token. */
    Run at(String server, String... args) {
        return run(withServer(args, server));
    }

    /** {@code lvscp ARGS} started in the background, for a command that runs until stopped. */
    Running background(String... args) {
        return new Running(withServer(args, "http://127.0.0.1:" + cp.port()));
    }

    /** An address where nothing listens (a port just released): the server cannot be reached. */
    static String nowhere() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return "http://127.0.0.1:" + s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> withServer(String[] args, String server) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.get(0).equals("import")) all.addAll(List.of("--server", server, "--token-file", token.toString()));
        return all;
    }

    private static Run run(List<String> args) {
        var cl = Lvscp.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Override
    public void close() {
        cp.close();
    }
}
