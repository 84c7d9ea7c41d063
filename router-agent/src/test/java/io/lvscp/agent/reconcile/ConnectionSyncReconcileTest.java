package io.lvscp.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.dataplane.nft.NftablesDriver;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.api.model.ClusterSettings;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.ConnectionSync;
import io.lvscp.api.model.Heartbeat;
import io.lvscp.api.model.RoutingMethod;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cluster's connectionSync through the reconcile pass: refused before any command where the driver cannot, kept level otherwise. */
class ConnectionSyncReconcileTest {
    private static ClusterState cluster(ConnectionSync sync) {
        return ClusterState.absent("web").withSettings(new ClusterSettings("web", RoutingMethod.direct, null, Heartbeat.defaults(), sync));
    }

    @Test
    void anNftablesRouterRefusesConnectionSyncBeforeRunningAnything() {
        List<List<String>> ran = new ArrayList<>();
        CommandRunner runner = new CommandRunner() {
            @Override
            public CommandResult run(List<String> argv, String stdin) {
                ran.add(argv);
                return new CommandResult(argv, 0, "", "");
            }

            @Override
            public String where() {
                return "nowhere";
            }
        };
        Reconciler r = Reconciler.tableOnly(new NftablesDriver(runner), new OwnedServices(null));
        Reconciler.Outcome o = r.reconcile(cluster(new ConnectionSync("eth1", 3)), true, true);
        assertTrue(o.rejected());
        assertEquals(1, o.unsupported().size());
        assertTrue(o.unsupported().get(0).startsWith("connectionSync: the nftables driver cannot synchronise connections"), o.unsupported().get(0));
        assertEquals(List.of(), ran, "nothing reached the kernel");
    }

    @Test
    void theDaemonsFollowTheSettingAndAClusterWithoutItLeavesThemAlone() {
        RecordingDriver driver = new RecordingDriver();
        Reconciler r = Reconciler.tableOnly(driver, new OwnedServices(null));

        Reconciler.Outcome never = r.reconcile(cluster(null), true, true);
        assertFalse(never.rejected());
        assertEquals(List.of(), never.changes());

        ConnectionSync sync = new ConnectionSync("eth1", 3);
        assertNull(r.connectionSync());
        assertEquals(List.of("connection sync on eth1"), r.reconcile(cluster(sync), true, false).changes());
        assertEquals(sync, driver.connectionSync());
        assertEquals(sync, r.connectionSync(), "what the agent's metrics show");
        assertEquals(List.of(), r.reconcile(cluster(sync), true, true).changes(), "a full pass finds it as it should be");

        assertEquals(List.of("stopped connection sync"), r.reconcile(cluster(null), true, false).changes());
        assertNull(driver.connectionSync());
        assertNull(r.connectionSync());
        assertEquals(List.of(), r.reconcile(cluster(null), true, true).changes());
    }
}
