package io.lvscp.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvscp.agent.dataplane.DesiredTable;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.dataplane.ipvs.IpvsDriver;
import io.lvscp.agent.vm.QemuVm;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterSpec;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.RolePreference;
import io.lvscp.api.model.Router;
import io.lvscp.cli.imports.Importer;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.FakeAgent;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An operator's existing configuration, imported with {@code lvscp import} and applied, programs the IPVS table
 * that the original program makes from it (issue 11): the document goes through {@code PUT .../spec}, the control
 * plane streams its state to a router (the snapshot a real agent receives), the agent's own {@link DesiredTable}
 * makes the table and the {@code ipvs} driver programs it in the VM's kernel; then the original runs in the same
 * kernel and {@code ipvsadm -Ln} of the two is compared.
 * <p>
 * keepalived is the real one, from Debian's package (build-ipvs-vm.sh's initrd-keepalived.gz), run as its checker
 * process ({@code -C}: the VRRP half would move addresses, which ipvsadm does not show) against the lab's real
 * servers, which answer its checks. Piranha is not packaged by Debian, so for lvs.cf the table it makes is its
 * documented ipvsadm commands (parity/lvs.cf.ipvsadm: lvsd adds each active virtual server, nanny each active real
 * server once it answers, with {@code -m} for a NAT cluster), restored with {@code ipvsadm -R}.
 */
class KeepalivedParityVmTest {
    private static final Path FILES = Path.of("src/test/resources/parity");
    private static IpvsNatLab lab;
    private static QemuVm vm;
    private static IpvsDriver driver;
    private static RunningControlPlane cp;

    @BeforeAll
    static void lab() throws Exception {
        lab = new IpvsNatLab(3, "initrd-keepalived.gz");
        vm = lab.router();
        driver = new IpvsDriver(vm);
        cp = RunningControlPlane.on(TestPostgres.newDatabase());
    }

    @AfterAll
    static void tearDown() {
        if (cp != null) cp.close();
        if (lab != null) lab.close();
    }

    @BeforeEach
    void emptyTable() {
        vm.run(List.of("ipvsadm", "-C")).orThrow();
    }

    @Test
    void anImportedKeepalivedConfProgramsTheTableKeepalivedItselfMakes() throws Exception {
        String lvscp = programmedByLvscp("keepalived.conf", Importer.Format.keepalived, "kaparity");
        vm.run(List.of("ipvsadm", "-C")).orThrow();

        vm.run(List.of("sh", "-c", "cat >/tmp/keepalived.conf"), Files.readString(FILES.resolve("keepalived.conf"))).orThrow();
        // Its log (-l: to stderr) into a file and never to syslog (-G), whose fallback would be the console this
        // VM takes its commands on; in the background, in a session of its own, with none of the command's files.
        vm.run(List.of("sh", "-c", "setsid keepalived -n -C -D -l -G -f /tmp/keepalived.conf"
                + " -p /tmp/keepalived.pid -c /tmp/checkers.pid </dev/null >/tmp/keepalived.log 2>&1 &")).orThrow();
        try {
            // keepalived adds each real server at start (it has no alpha here) and keeps it while its checks pass.
            awaitListing(lvscp, "keepalived");
        } finally {
            vm.run(List.of("killall", "keepalived"));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> vm.run(List.of("pidof", "keepalived")).exitCode() != 0);
        }
    }

    @Test
    void anImportedLvsCfProgramsTheTablePiranhaMakes() throws Exception {
        String lvscp = programmedByLvscp("lvs.cf", Importer.Format.lvs_cf, "cfparity");
        vm.run(List.of("ipvsadm", "-C")).orThrow();
        vm.run(List.of("ipvsadm", "-R"), Files.readString(FILES.resolve("lvs.cf.ipvsadm"))).orThrow();
        // The one difference, reported by the import: a switched-off server (active = 0) is drained in lvscp,
        // in IPVS at weight 0, where Piranha leaves it out.
        List<String> drained = lvscp.lines().filter(l -> l.contains("-> 10.11.12.3:80")).toList();
        assertEquals(1, drained.size(), lvscp);
        assertEquals(List.of("->", "10.11.12.3:80", "Masq", "0", "0", "0"), List.of(drained.get(0).trim().split("\\s+")), lvscp);
        String rest = lvscp.lines().filter(l -> !l.contains("-> 10.11.12.3:80")).map(l -> l + "\n").reduce("", String::concat);
        assertEquals(listing(), rest, "lvscp's table from the imported lvs.cf (rs3 aside), against Piranha's");
    }

    /** The file imported, applied through the API, streamed to a router and programmed; the listing it gives. */
    private static String programmedByLvscp(String file, Importer.Format format, String cluster) throws Exception {
        Importer.Result imported = Importer.read(FILES.resolve(file), format, cluster, null);
        assertFalse(imported.report().hasErrors(), () -> file + " imports: " + imported.report());
        ClusterSpec doc = imported.document();
        if (doc.routers().isEmpty()) {
            // keepalived.conf names no router of its own; the operator adds the pair after import (as it says).
            doc = new ClusterSpec(doc.name(), doc.routingMethod(), doc.natRouter(), doc.heartbeat(), doc.connectionSync(),
                    List.of(new Router("lvs1", "192.168.26.9", "10.11.12.9", RolePreference.primary)),
                    doc.virtualServers(), doc.firewallMarks());
        }
        Api.given(cp).body(Json.mapper().writeValueAsString(doc)).put("/v1/clusters/" + cluster + "/spec").then().statusCode(200);
        String router = doc.routers().get(0).name();
        ClusterState state;
        try (FakeAgent agent = FakeAgent.hello(cp, cluster, router, "ipvs")) {
            JsonNode snapshot = agent.snapshot();
            state = Json.mapper().treeToValue(snapshot.path("state"), ClusterState.class);
        }
        ServiceTable table = DesiredTable.from(state);
        driver.apply(driver.read(), table);
        assertEquals(table, driver.read(), "the driver programmed the table it was given");
        return listing();
    }

    private static void awaitListing(String expected, String by) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> listing().equals(expected));
        } catch (ConditionTimeoutException e) {
            String log = vm.run(List.of("sh", "-c", "tail -n 40 /tmp/keepalived.log")).stdout();
            assertEquals(expected, listing(), by + "'s table differs from lvscp's; its log ends:\n" + log);
        }
    }

    /** ipvsadm -Ln, sorted, so that two programs adding the same services in another order list them alike. */
    private static String listing() {
        return vm.run(List.of("ipvsadm", "-Ln", "--sort")).orThrow().stdout();
    }
}
