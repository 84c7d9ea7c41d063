package io.lvscp.controlplane.http;

import static org.hamcrest.Matchers.equalTo;

import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.Seeds;
import java.util.List;

/** The seed chapter's NAT cluster, as request bodies, and a few steps the tests share (the steps are Seeds'). */
final class Fixtures {
    private Fixtures() {}

    static String cluster(String name) {
        return Seeds.cluster(name);
    }

    static String virtualServer(String name, String vip, int port) {
        return Seeds.virtualServer(name, vip, port);
    }

    static String realServer(String name, String address, int weight) {
        return Seeds.realServer(name, address, weight);
    }

    static void createCluster(RunningControlPlane cp, String name) {
        Seeds.createCluster(cp, name);
    }

    static void createVirtualServer(RunningControlPlane cp, String cluster, String vs, String vip, int port) {
        Seeds.createVirtualServer(cp, cluster, vs, vip, port);
    }

    static void createRealServer(RunningControlPlane cp, String cluster, String vs, String rs, String address, int weight) {
        Seeds.createRealServer(cp, cluster, vs, rs, address, weight);
    }

    /** The seed's cluster "web": NAT, one HTTP virtual server on 192.168.26.10:80 with two real servers. */
    static void seedCluster(RunningControlPlane cp, String name) {
        Seeds.seedCluster(cp, name);
    }

    static long revision(RunningControlPlane cp, String cluster) {
        return Seeds.revision(cp, cluster);
    }

    static List<Object> log(RunningControlPlane cp) {
        return Seeds.log(cp);
    }

    static void assertRevision(RunningControlPlane cp, String cluster, long expected) {
        Api.given(cp).get("/v1/clusters/{c}", cluster).then().statusCode(200).body("revision", equalTo((int) expected));
    }
}
