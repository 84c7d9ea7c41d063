package io.lvscp.controlplane.http;

import static org.hamcrest.Matchers.equalTo;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;

/** The seed chapter's NAT cluster, as request bodies, and a few steps the tests share. */
final class Fixtures {
    private Fixtures() {}

    static String cluster(String name) {
        return """
                {"name": "%s", "routingMethod": "nat",
                 "natRouter": {"address": "10.11.12.10", "netmask": "255.255.255.0", "device": "eth1:1"},
                 "heartbeat": {"port": 539, "keepaliveSeconds": 6, "deadtimeSeconds": 18}}
                """.formatted(name);
    }

    static String virtualServer(String name, String vip, int port) {
        return """
                {"name": "%s", "address": "%s", "netmask": "255.255.255.0", "device": "eth0:1", "port": %d,
                 "protocol": "tcp", "scheduler": "wlc"}
                """.formatted(name, vip, port);
    }

    static String realServer(String name, String address, int weight) {
        return """
                {"name": "%s", "address": "%s", "weight": %d}
                """.formatted(name, address, weight);
    }

    static void createCluster(RunningControlPlane cp, String name) {
        Api.given(cp).body(cluster(name)).post("/v1/clusters").then().statusCode(201);
    }

    static void createVirtualServer(RunningControlPlane cp, String cluster, String vs, String vip, int port) {
        Api.given(cp).body(virtualServer(vs, vip, port)).post("/v1/clusters/{c}/virtual-servers", cluster).then().statusCode(201);
    }

    static void createRealServer(RunningControlPlane cp, String cluster, String vs, String rs, String address, int weight) {
        Api.given(cp).body(realServer(rs, address, weight))
                .post("/v1/clusters/{c}/virtual-servers/{vs}/real-servers", cluster, vs).then().statusCode(201);
    }

    /** The seed's cluster "web": NAT, one HTTP virtual server on 192.168.26.10:80 with two real servers. */
    static void seedCluster(RunningControlPlane cp, String name) {
        createCluster(cp, name);
        createVirtualServer(cp, name, "http", "192.168.26.10", 80);
        createRealServer(cp, name, "http", "rs1", "10.11.12.1", 1);
        createRealServer(cp, name, "http", "rs2", "10.11.12.2", 1);
    }

    static long revision(RunningControlPlane cp, String cluster) {
        return Api.given(cp).get("/v1/clusters/{c}", cluster).then().statusCode(200).extract().jsonPath().getLong("revision");
    }

    static void assertRevision(RunningControlPlane cp, String cluster, long expected) {
        Api.given(cp).get("/v1/clusters/{c}", cluster).then().statusCode(200).body("revision", equalTo((int) expected));
    }
}
