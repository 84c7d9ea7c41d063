package io.lvscp.controlplane.support;

/**
 * The seed chapter's NAT cluster, made through the API: what tests of every module start from (the control plane's
 * own http tests reach it through their Fixtures).
 */
public final class Seeds {
    private Seeds() {}

    public static String cluster(String name) {
        return """
                {"name": "%s", "routingMethod": "nat",
                 "natRouter": {"address": "10.11.12.10", "netmask": "255.255.255.0", "device": "eth1:1"},
                 "heartbeat": {"port": 539, "keepaliveSeconds": 6, "deadtimeSeconds": 18}}
                """.formatted(name);
    }

    public static String virtualServer(String name, String vip, int port) {
        return """
                {"name": "%s", "address": "%s", "netmask": "255.255.255.0", "device": "eth0:1", "port": %d,
                 "protocol": "tcp", "scheduler": "wlc"}
                """.formatted(name, vip, port);
    }

    public static String realServer(String name, String address, int weight) {
        return """
                {"name": "%s", "address": "%s", "weight": %d}
                """.formatted(name, address, weight);
    }

    public static void createCluster(RunningControlPlane cp, String name) {
        Api.given(cp).body(cluster(name)).post("/v1/clusters").then().statusCode(201);
    }

    public static void createVirtualServer(RunningControlPlane cp, String cluster, String vs, String vip, int port) {
        Api.given(cp).body(virtualServer(vs, vip, port)).post("/v1/clusters/{c}/virtual-servers", cluster).then().statusCode(201);
    }

    public static void createRealServer(RunningControlPlane cp, String cluster, String vs, String rs, String address, int weight) {
        Api.given(cp).body(realServer(rs, address, weight))
                .post("/v1/clusters/{c}/virtual-servers/{vs}/real-servers", cluster, vs).then().statusCode(201);
    }

    /** Cluster {@code name}: NAT, one HTTP virtual server "http" on 192.168.26.10:80 with rs1 and rs2 (weight 1). */
    public static void seedCluster(RunningControlPlane cp, String name) {
        createCluster(cp, name);
        createVirtualServer(cp, name, "http", "192.168.26.10", 80);
        createRealServer(cp, name, "http", "rs1", "10.11.12.1", 1);
        createRealServer(cp, name, "http", "rs2", "10.11.12.2", 1);
    }

    public static long revision(RunningControlPlane cp, String cluster) {
        return Api.given(cp).get("/v1/clusters/{c}", cluster).then().statusCode(200).extract().jsonPath().getLong("revision");
    }

    /** The whole event log as the API pages it (up to 1,000 events), for before/after comparisons. */
    public static java.util.List<Object> log(RunningControlPlane cp) {
        return Api.given(cp).queryParam("limit", 1000).get("/v1/events").then().statusCode(200).extract().jsonPath().getList("items");
    }
}
