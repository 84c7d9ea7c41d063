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
 * would run it: its output and exit code. Every server command's test uses it. The command is given a config file
 * that does not exist, so no context of the machine running the tests counts.
 */
public final class CliOnControlPlane implements AutoCloseable {
    public record Run(int code, String out, String err) {
        /** Everything it printed, for assertion messages. */
        public String all() {
            return "exit " + code + "\nstdout:\n" + out + "stderr:\n" + err;
        }
    }

    /** A command still running (a feed being followed): its output so far, and a way to stop it. */
    public static final class Running {
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

        public String out() {
            return out.toString();
        }

        public String err() {
            return err.toString();
        }

        /** Interrupts the command, as a terminal's Ctrl-C would end it, and returns its exit code. */
        public Run stop() throws InterruptedException {
            thread.interrupt();
            thread.join(Duration.ofSeconds(10).toMillis());
            if (thread.isAlive()) throw new AssertionError("lvscp did not stop when interrupted; output so far:\n" + out() + err());
            return new Run(code.get(), out(), err());
        }
    }

    private RunningControlPlane cp;
    public final Path adminToken;
    private final Path dir;

    private CliOnControlPlane(Path dir) throws IOException {
        this.dir = dir;
        this.cp = RunningControlPlane.onNewDatabase();
        this.adminToken = Files.writeString(dir.resolve("admin.token"), RunningControlPlane.ADMIN_TOKEN + "\n");
    }

    /** A control plane on a new database, the admin token in a file under {@code dir}. */
    public static CliOnControlPlane start(Path dir) {
        try {
            return new CliOnControlPlane(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RunningControlPlane cp() {
        return cp;
    }

    /** Stops the control plane and starts another on the same database and port: what a feed sees as a restart. */
    public void restart() {
        int port = cp.port();
        String db = cp.databaseUrl();
        cp.close();
        cp = RunningControlPlane.on(db, port);
    }

    /** The command as the admin. */
    public Run lvscp(String... args) {
        return as(adminToken, args);
    }

    /** The command with {@code tokenFile}. */
    public Run as(Path tokenFile, String... args) {
        return plain(withServer(args, cp.baseUrl(), tokenFile).toArray(String[]::new));
    }

    /** The command against {@code server}, as the admin. */
    public Run at(String server, String... args) {
        return plain(withServer(args, server, adminToken).toArray(String[]::new));
    }

    /** The command started in the background, as the admin, for one that runs until stopped. */
    public Running background(String... args) {
        return new Running(withServer(args, cp.baseUrl(), adminToken));
    }

    /** The command as given, no server options added. */
    public static Run plain(String... args) {
        var cl = Lvscp.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private List<String> withServer(String[] args, String server, Path tokenFile) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--server", server, "--token-file", tokenFile.toString(), "--config", dir.resolve("no-config.yaml").toString()));
        return all;
    }

    /** An address where nothing listens (a port just released): the server cannot be reached. */
    public static String nowhere() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return "http://127.0.0.1:" + s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Cluster {@code name} (NAT) with virtual server http on 192.168.26.10:80 (wrr), rs1 (weight 2) and rs2: revision 4. */
    public void seed(String name) {
        post("/v1/clusters", "{\"name\": \"" + name + "\", \"routingMethod\": \"nat\", \"natRouter\": {\"address\": \"10.11.12.10\", "
                + "\"netmask\": \"255.255.255.0\", \"device\": \"eth1:1\"}}");
        post("/v1/clusters/" + name + "/virtual-servers", "{\"name\": \"http\", \"address\": \"192.168.26.10\", \"netmask\": \"255.255.255.0\", "
                + "\"device\": \"eth0:1\", \"port\": 80, \"scheduler\": \"wrr\"}");
        post("/v1/clusters/" + name + "/virtual-servers/http/real-servers", "{\"name\": \"rs1\", \"address\": \"10.11.12.1\", \"weight\": 2}");
        post("/v1/clusters/" + name + "/virtual-servers/http/real-servers", "{\"name\": \"rs2\", \"address\": \"10.11.12.2\", \"weight\": 1}");
    }

    /** As {@link #seed}, with the README's router pair first: lvs1 (primary) and lvs2; revision 6. */
    public void seedWithRouters(String name) {
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

    /** A token file for a new token named {@code name} with {@code role}. */
    public Path tokenFile(String name, String role) throws IOException {
        return Files.writeString(dir.resolve(name + ".token"), cp.token(name, role) + "\n");
    }

    /** The cluster's current revision, as the API says. */
    public long revision(String cluster) {
        return Api.given(cp).get("/v1/clusters/" + cluster).then().statusCode(200).extract().jsonPath().getLong("revision");
    }

    /** The cluster's events of {@code type}, as the log holds them (JSON Path over the page). */
    public io.restassured.path.json.JsonPath events(String cluster, String type) {
        return Api.given(cp).queryParam("cluster", cluster).queryParam("type", type).queryParam("limit", 1000)
                .get("/v1/events").then().statusCode(200).extract().jsonPath();
    }

    @Override
    public void close() {
        cp.close();
    }
}
