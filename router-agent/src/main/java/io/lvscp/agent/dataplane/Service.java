package io.lvscp.agent.dataplane;

import io.lvscp.api.model.Scheduler;
import java.util.SortedMap;

/**
 * A virtual service as the kernel holds it. {@code persistenceSeconds} 0 means none; {@code persistenceNetmask}
 * is then null. Destinations are keyed by {@link Destination#key()}.
 */
public record Service(ServiceKey key, Scheduler scheduler, int persistenceSeconds, String persistenceNetmask,
                      SortedMap<String, Destination> destinations) {}
