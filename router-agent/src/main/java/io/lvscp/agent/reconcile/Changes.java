package io.lvscp.agent.reconcile;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import java.util.ArrayList;
import java.util.List;

/** The differences between two tables in words, for drift reports and logs: "weight of 10.11.12.1:80 in tcp ...: 0 -> 3". */
public final class Changes {
    private Changes() {}

    public static List<String> between(ServiceTable actual, ServiceTable desired) {
        List<String> out = new ArrayList<>();
        for (ServiceKey k : actual.services().keySet()) if (!desired.services().containsKey(k)) out.add("removed service " + k);
        for (Service want : desired.services().values()) {
            Service have = actual.services().get(want.key());
            if (have == want) continue; // the same object: unchanged since the table it came from (DesiredTable.Cache)
            if (have == null) {
                out.add("added service " + want.key() + " with " + want.destinations().size() + " real servers");
                continue;
            }
            if (have.scheduler() != want.scheduler() || have.persistenceSeconds() != want.persistenceSeconds()) {
                out.add("reset scheduling of " + want.key());
            }
            for (String d : have.destinations().keySet()) if (!want.destinations().containsKey(d)) out.add("removed " + d + " from " + want.key());
            for (Destination d : want.destinations().values()) {
                Destination h = have.destinations().get(d.key());
                if (h == null) out.add("added " + d.key() + " to " + want.key());
                else if (!h.equals(d)) out.add("reset " + d.key() + " in " + want.key() + " (" + String.join(", ", differences(h, d)) + ")");
            }
        }
        return out;
    }

    private static List<String> differences(Destination have, Destination want) {
        List<String> out = new ArrayList<>();
        if (have.forwarding() != want.forwarding()) out.add("forwarding " + have.forwarding() + " -> " + want.forwarding());
        if (have.weight() != want.weight()) out.add("weight " + have.weight() + " -> " + want.weight());
        if (have.upperThreshold() != want.upperThreshold()) out.add("upper threshold " + have.upperThreshold() + " -> " + want.upperThreshold());
        if (have.lowerThreshold() != want.lowerThreshold()) out.add("lower threshold " + have.lowerThreshold() + " -> " + want.lowerThreshold());
        return out;
    }
}
