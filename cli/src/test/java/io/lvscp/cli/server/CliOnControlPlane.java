package io.lvscp.cli.server;

import io.lvscp.cli.Lvscp;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real control plane (embedded PostgreSQL) and the lvscp command run in-process against it, as its admin. */
public final class CliOnControlPlane implements AutoCloseable {
    public record Run(int code, String out, String err) {
        /** Everything it printed, for assertion messages. */
        public String all() {
            return "exit " + code + "\nstdout:\n" + out + "stderr:\n" + err;
        }
    }

    public final RunningControlPlane cp;
    public final Path adminToken;
    private final Path dir;

    private CliOnControlPlane(Path dir) throws Exception {
        this.dir = dir;
        this.cp = RunningControlPlane.onNewDatabase();
        this.adminToken = Files.writeString(dir.resolve("admin.token"), RunningControlPlane.ADMIN_TOKEN + "\n");
    }

    public static CliOnControlPlane start(Path dir) throws Exception {
        return new CliOnControlPlane(dir);
    }

    /** The command as the admin. */
    public Run lvscp(String... args) {
        return as(adminToken, args);
    }

    /** The command with {@code tokenFile}; the config file is one that does not exist, so no context of the machine counts. */
    public Run as(Path tokenFile, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--server", cp.baseUrl(), "--token-file", tokenFile.toString(), "--config", dir.resolve("no-config.yaml").toString()));
        return plain(all.toArray(String[]::new));
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

    /** Cluster {@code name} (NAT) with virtual server http and real servers rs1 (weight 2) and rs2: revision 4. */
    public void seed(String name) {
        Api.given(cp).body("{\"name\": \"" + name + "\", \"routingMethod\": \"nat\", \"natRouter\": {\"address\": \"10.11.12.10\", "
                + "\"netmask\": \"255.255.255.0\", \"device\": \"eth1:1\"}}").post("/v1/clusters").then().statusCode(201);
        Api.given(cp).body("{\"name\": \"http\", \"address\": \"192.168.26.10\", \"netmask\": \"255.255.255.0\", \"device\": \"eth0:1\", "
                + "\"port\": 80, \"scheduler\": \"wrr\"}").post("/v1/clusters/" + name + "/virtual-servers").then().statusCode(201);
        Api.given(cp).body("{\"name\": \"rs1\", \"address\": \"10.11.12.1\", \"weight\": 2}")
                .post("/v1/clusters/" + name + "/virtual-servers/http/real-servers").then().statusCode(201);
        Api.given(cp).body("{\"name\": \"rs2\", \"address\": \"10.11.12.2\", \"weight\": 1}")
                .post("/v1/clusters/" + name + "/virtual-servers/http/real-servers").then().statusCode(201);
    }

    /** A token file for a new token named {@code name} with {@code role}. */
    public Path tokenFile(String name, String role) throws java.io.IOException {
        return Files.writeString(dir.resolve(name + ".token"), cp.token(name, role) + "\n");
    }

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
