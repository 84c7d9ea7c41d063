package io.lvscp.agent.reconcile;

import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.ServiceTable;

/**
 * A full pass's table step as {@link Reconciler} takes it, for tests of drivers without a whole cluster state: the
 * driver is handed only lvscp's part of what it reads ({@link OwnedServices}), never a service someone else made.
 */
public final class OwnedApply {
    private OwnedApply() {}

    /** Makes the kernel hold {@code desired} as the reconciler would; whether anything had to change. */
    public static boolean apply(DataplaneDriver driver, OwnedServices owned, ServiceTable desired) {
        ServiceTable have = mine(owned, driver.read(), desired);
        if (have.equals(desired)) return false;
        owned.adding(desired);
        driver.apply(have, desired);
        owned.applied(desired);
        return true;
    }

    public static ServiceTable mine(OwnedServices owned, ServiceTable kernel, ServiceTable desired) {
        return owned.mine(kernel, desired);
    }
}
