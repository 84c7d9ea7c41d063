package io.lvscp.agent.host;

import io.lvscp.api.model.FirewallMark;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * What the agent asks of the firewall-mark rules: make them exactly a cluster's marks. {@link FirewallMarkRules} does it with nftables; {@link #recording()}
 * programs nothing (driver recording).
 */
public interface MarkRules {
    /**
     * Makes the rules mark exactly {@code want} (as the cluster's state gives them); returns what it had to change,
     * nothing when they already did.
     *
     * @throws IllegalArgumentException before changing anything, if a mark cannot be programmed
     */
    List<String> bringTo(Collection<FirewallMark> want);

    /** Programs nothing; remembers the marks it was last asked for. */
    static Recording recording() {
        return new Recording();
    }

    /** The recording driver's marks: nothing on the kernel, so nothing to change and nothing to report. */
    final class Recording implements MarkRules {
        private volatile Set<FirewallMark> asked = Set.of();

        @Override
        public List<String> bringTo(Collection<FirewallMark> want) {
            asked = Set.copyOf(want);
            return List.of();
        }

        /** The marks of the last {@link #bringTo}. */
        public Set<FirewallMark> asked() {
            return asked;
        }
    }
}
