package io.lvscp.clients;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.client.ApiClient;
import io.lvscp.client.ApiException;
import io.lvscp.client.ApiResponse;
import io.lvscp.client.api.AuditApi;
import io.lvscp.client.api.ClustersApi;
import io.lvscp.client.api.FirewallMarksApi;
import io.lvscp.client.api.RealServersApi;
import io.lvscp.client.api.RoutersApi;
import io.lvscp.client.api.TokensApi;
import io.lvscp.client.api.VirtualServersApi;
import io.lvscp.client.model.*;
import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The Java client generated from openapi.yaml in this build ("-g java --library native", as a user would), against a
 * real control plane on embedded PostgreSQL: every call typed, every write read back as what it returned, every
 * error class (400, 401, 403, 404, 409, 412, 413, 422, 429; 415 cannot be sent by it, 503 is a database down) a
 * typed problem document.
 */
class GeneratedJavaClientTest {
    static RunningControlPlane cp;
    static ApiClient admin;

    @BeforeAll
    static void start() {
        cp = RunningControlPlane.onNewDatabase();
        admin = client(RunningControlPlane.ADMIN_TOKEN);
    }

    @AfterAll
    static void stop() {
        if (cp != null) cp.close();
    }

    static ApiClient client(String token) {
        return client(cp, token);
    }

    static ApiClient client(RunningControlPlane at, String token) {
        ApiClient c = new ApiClient();
        c.updateBaseUri(at.baseUrl());
        c.setRequestInterceptor(b -> b.header("Authorization", "Bearer " + token));
        return c;
    }

    @Test
    void aClusterBuiltReadAndChangedThroughTheGeneratedClient() throws Exception {
        ClustersApi clusters = new ClustersApi(admin);
        RoutersApi routers = new RoutersApi(admin);
        VirtualServersApi virtualServers = new VirtualServersApi(admin);
        RealServersApi realServers = new RealServersApi(admin);
        FirewallMarksApi marks = new FirewallMarksApi(admin);
        AuditApi audit = new AuditApi(admin);

        // The seed's cluster: NAT, a router pair, one HTTP service with a health check, two real servers.
        Cluster created = clusters.createCluster(new ClusterCreate().name("seed")
                .natRouter(new NatRouter().address("10.11.12.10").netmask("255.255.255.0").device("eth1:1")), null, null, null, "client test");
        assertEquals(RoutingMethod.NAT, created.getRoutingMethod(), "the default routing method, typed");
        assertEquals(539, created.getHeartbeat().getPort());
        assertEquals(1L, created.getRevision());

        Router lvs1 = routers.createRouter("seed", new RouterCreate().name("lvs1").publicAddress("192.168.26.11")
                .privateAddress("10.11.12.11").rolePreference(RolePreference.PRIMARY), null, null, null, null);
        assertEquals(RolePreference.PRIMARY, lvs1.getRolePreference());
        assertEquals(RolePreference.BACKUP, routers.createRouter("seed", new RouterCreate().name("lvs2").publicAddress("192.168.26.12")
                .privateAddress("10.11.12.12"), null, null, null, null).getRolePreference());

        VirtualServer http = virtualServers.createVirtualServer("seed", new VirtualServerCreate().name("http").address("192.168.26.10")
                .netmask("255.255.255.0").device("eth0:1").port(80).scheduler(Scheduler.WRR)
                .healthCheck(new HealthCheckInput().kind(HealthCheckKind.HTTP).path("/health")), null, null, null, null);
        assertEquals(Protocol.TCP, http.getProtocol());
        assertEquals(Scheduler.WRR, http.getScheduler());
        assertEquals(HealthCheckKind.HTTP, http.getHealthCheck().getKind());
        assertEquals(200, http.getHealthCheck().getExpectStatus(), "the server filled in the kind's default");

        // Left out, the scheduler is the server's default, and the client's model says the same.
        VirtualServer https = virtualServers.createVirtualServer("seed", new VirtualServerCreate().name("https").address("192.168.26.10")
                .netmask("255.255.255.0").device("eth0:1").port(443), null, null, null, null);
        assertEquals(Scheduler.WLC, https.getScheduler());
        assertEquals(HealthCheckKind.TCP, https.getHealthCheck().getKind());

        RealServer rs1 = realServers.createRealServer("seed", "http", new RealServerCreate().name("rs1").address("10.11.12.1").port(80), null, null, null, null);
        assertEquals(1, rs1.getWeight());
        assertEquals(RealServerState.ACTIVE, rs1.getState());
        realServers.createRealServer("seed", "http", new RealServerCreate().name("rs2").address("10.11.12.2").port(80).weight(2), null, null, null, null);

        FirewallMark fwm = marks.createFirewallMark("seed", new FirewallMarkCreate().mark(80L).address("192.168.26.10").ports(Set.of("80", "443")), null, null, null, null);
        assertEquals(Protocol.TCP, fwm.getProtocol());

        // Writes that answer 200 come back typed, as what the server committed.
        long beforeWeight = clusters.getCluster("seed", null).getRevision();
        assertEquals(3, realServers.setRealServerWeight("seed", "http", "rs1", new WeightChange().weight(3), null, null, null, "more").getWeight());
        assertEquals(RealServerState.DRAINED, realServers.drainRealServer("seed", "http", "rs2", null, null, null, null).getState());
        assertEquals(RealServerState.ACTIVE, realServers.enableRealServer("seed", "http", "rs2", null, null, null, null).getState());
        assertFalse(virtualServers.deactivateVirtualServer("seed", "https", null, null, null, null).getActive());
        assertTrue(virtualServers.activateVirtualServer("seed", "https", null, null, null, null).getActive());
        VirtualServer replaced = virtualServers.replaceVirtualServer("seed", "https", new VirtualServerReplace().address("192.168.26.10")
                .netmask("255.255.255.0").device("eth0:1").port(443).scheduler(Scheduler.SH), null, null, null, null);
        assertEquals(Scheduler.SH, replaced.getScheduler());
        Router lvs2 = routers.replaceRouter("seed", "lvs2", new RouterReplace().publicAddress("192.168.26.13").privateAddress("10.11.12.12"), null, null, null, null);
        assertEquals("192.168.26.13", lvs2.getPublicAddress());

        // Reads: the whole cluster, typed, with the properties its schema declares.
        Cluster seed = clusters.getCluster("seed", null);
        assertEquals("10.11.12.10", seed.getNatRouter().getAddress());
        assertEquals(List.of("http", "https"), seed.getVirtualServers().stream().map(VirtualServer::getName).toList());
        assertEquals(List.of(3, 2), seed.getVirtualServers().get(0).getRealServers().stream().map(RealServer::getWeight).toList());
        assertEquals(List.of("lvs1", "lvs2"), seed.getRouters().stream().map(Router::getName).toList());
        ClusterSummary summary = clusters.listClusters(null).getItems().stream().filter(c -> c.getName().equals("seed")).findFirst().orElseThrow();
        assertEquals(RoutingMethod.NAT, summary.getRoutingMethod());
        assertEquals(2, summary.getVirtualServerCount());

        // A dry run is read with the same types and changes nothing; its headers say what it would append.
        ApiResponse<RealServer> dry = realServers.createRealServerWithHttpInfo("seed", "http",
                new RealServerCreate().name("rs3").address("10.11.12.3").port(80), null, null, true, null);
        assertEquals(201, dry.getStatusCode());
        assertEquals("rs3", dry.getData().getName());
        assertEquals(List.of("true"), dry.getHeaders().get("lvscp-dry-run"));
        assertEquals(List.of("RealServerAdded"), dry.getHeaders().get("lvscp-dry-run-events"));
        assertProblem(404, () -> realServers.getRealServer("seed", "http", "rs3", null));
        assertEquals(7, realServers.setRealServerWeight("seed", "http", "rs1", new WeightChange().weight(7), null, null, true, null).getWeight());
        assertEquals(3, realServers.getRealServer("seed", "http", "rs1", null).getWeight());

        // The event log, page by page; the cluster at a revision; a diff with typed events.
        long revision = clusters.getCluster("seed", null).getRevision();
        List<RecordedEvent> all = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; ; pages++) {
            assertTrue(pages < 100, "paging ends");
            EventPage page = audit.listEvents(null, cursor, null, "seed", null, null, null, null, 4, null, null);
            assertTrue(page.getItems().size() <= 4);
            if (page.getItems().isEmpty()) break; // the log goes on: a next cursor is always given, for polling
            all.addAll(page.getItems());
            cursor = page.getNextCursor();
        }
        assertEquals(revision, all.size(), "one event per revision, every one paged through");
        assertEquals("ClusterCreated", all.get(0).getType());
        assertEquals("client test", all.get(0).getMetadata().getReason());

        Cluster then = audit.getClusterState("seed", null, beforeWeight, null);
        assertEquals(1, then.getVirtualServers().get(0).getRealServers().get(0).getWeight());
        Diff diff = audit.diffCluster("seed", beforeWeight, null, beforeWeight + 1);
        assertEquals(1, diff.getChanges().size());
        assertInstanceOf(RealServerWeightChangedEvent.class, diff.getChanges().get(0).getActualInstance());
        assertEquals(3, ((RealServerWeightChangedEvent) diff.getChanges().get(0).getActualInstance()).getData().getWeight());

        // Rollback: a dry run answers the cluster as it would be; the real one commits it.
        Cluster wouldBe = audit.rollbackCluster("seed", new Rollback().revision(beforeWeight), null, null, true, null);
        assertEquals(1, wouldBe.getVirtualServers().get(0).getRealServers().get(0).getWeight());
        assertEquals(revision, clusters.getCluster("seed", null).getRevision(), "a dry run appends nothing");
        Cluster rolledBack = audit.rollbackCluster("seed", new Rollback().revision(beforeWeight), null, null, null, "undo");
        assertTrue(rolledBack.getRevision() > revision);
        assertEquals(1, realServers.getRealServer("seed", "http", "rs1", null).getWeight());
        assertEquals(Scheduler.WLC, virtualServers.getVirtualServer("seed", "https", null).getScheduler());

        virtualServers.deleteVirtualServer("seed", "https", null, null, null, null);
        assertProblem(404, () -> virtualServers.getVirtualServer("seed", "https", null));
    }

    @Test
    void tokensAndEveryErrorClassThroughTheGeneratedClient() throws Exception {
        ClustersApi clusters = new ClustersApi(admin);
        TokensApi tokens = new TokensApi(admin);
        clusters.createCluster(new ClusterCreate().name("errs").routingMethod(RoutingMethod.DIRECT), null, null, null, null);

        // The model sends the unset cluster list as it likes ([] or nothing): either way a token for every cluster.
        TokenCreated reader = tokens.createToken(new TokenRequest().name("reader").role(TokenRole.VIEWER), null);
        assertTrue(reader.getClusters() == null || reader.getClusters().isEmpty(), "unscoped: " + reader.getClusters());
        ClustersApi asReader = new ClustersApi(client(reader.getToken()));
        assertEquals(RoutingMethod.DIRECT, asReader.getCluster("errs", null).getRoutingMethod());
        TokenCreated scoped = tokens.createToken(new TokenRequest().name("errs-only").role(TokenRole.OPERATOR).clusters(List.of("errs")), null);
        assertEquals(List.of("errs"), scoped.getClusters());
        assertTrue(tokens.listTokens(null).getItems().stream().anyMatch(t -> t.getName().equals("errs-only")));
        assertEquals(Token.StateEnum.REVOKED, tokens.revokeToken(scoped.getId(), null).getState());

        Problem unreadable = assertProblem(400, () -> new AuditApi(admin).listEvents(null, null, null, "errs", null, null, null, null, 0, null, null));
        assertNotNull(unreadable.getDetail());
        assertProblem(401, () -> new ClustersApi(client("lvscp_nosuchtoken00000_" + "B".repeat(43))).getCluster("errs", null));
        assertProblem(403, () -> asReader.createCluster(new ClusterCreate().name("nope").routingMethod(RoutingMethod.DIRECT), null, null, null, null));
        assertProblem(404, () -> clusters.getCluster("no-such-cluster", null));
        assertProblem(409, () -> clusters.createCluster(new ClusterCreate().name("errs")
                .natRouter(new NatRouter().address("10.11.12.10").netmask("255.255.255.0").device("eth1:1")), null, null, null, null));
        assertProblem(412, () -> clusters.replaceCluster("errs", new ClusterReplace().routingMethod(RoutingMethod.TUNNEL), null, "\"99\"", null, null));
        Problem invalid = assertProblem(422, () -> new RoutersApi(admin).createRouter("errs",
                new RouterCreate().name("lvs1").publicAddress("999.1.1.1"), null, null, null, null));
        assertEquals("/publicAddress", invalid.getErrors().get(0).getPointer());
        // The natRouter rule is the server's, and a generated client meets it as a typed 422 too.
        Problem nat = assertProblem(422, () -> clusters.createCluster(new ClusterCreate().name("nat-without-router"), null, null, null, null));
        assertEquals("/natRouter", nat.getErrors().get(0).getPointer());
        assertProblem(404, () -> clusters.getCluster("nat-without-router", null));
        assertProblem(413, () -> clusters.createCluster(new ClusterCreate().name("x".repeat(2 << 20)).routingMethod(RoutingMethod.DIRECT), null, null, null, null));
    }

    @Test
    void writesBeyondTheLimitAreATypedProblemWithRetryAfter() throws Exception {
        // A control plane of its own, allowing bursts of 2 writes: the third is refused.
        ControlPlaneConfig tight = new ControlPlaneConfig(null, null, null, new ControlPlaneConfig.Auth(null, 0.5, 2, true));
        try (RunningControlPlane limited = RunningControlPlane.on(TestPostgres.newDatabase(), 0, tight)) {
            ApiClient c = client(limited, RunningControlPlane.ADMIN_TOKEN);
            ClustersApi clusters = new ClustersApi(c);
            for (String name : List.of("l1", "l2")) clusters.createCluster(new ClusterCreate().name(name).routingMethod(RoutingMethod.DIRECT), null, null, null, null);
            ApiException e = assertThrows(ApiException.class, () ->
                    clusters.createCluster(new ClusterCreate().name("l3").routingMethod(RoutingMethod.DIRECT), null, null, null, null));
            assertEquals(429, e.getCode());
            assertTrue(Integer.parseInt(e.getResponseHeaders().firstValue("Retry-After").orElseThrow()) >= 1);
            assertEquals(429, c.getObjectMapper().readValue(e.getResponseBody(), Problem.class).getStatus());
            assertEquals(List.of("l1", "l2"), clusters.listClusters(null).getItems().stream().map(ClusterSummary::getName).toList());
        }
    }

    /** The call fails with {@code status}, and its body reads as the generated Problem model saying the same. */
    static Problem assertProblem(int status, Executable call) throws Exception {
        ApiException e = assertThrows(ApiException.class, call);
        assertEquals(status, e.getCode(), e.getResponseBody());
        assertTrue(e.getResponseHeaders().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        Problem p = admin.getObjectMapper().readValue(e.getResponseBody(), Problem.class);
        assertEquals(status, p.getStatus());
        assertNotNull(p.getType());
        assertNotNull(p.getTitle());
        assertNotNull(p.getRequestId());
        return p;
    }
}
