package io.lvscp.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/** A virtual server and its real servers, keyed by name. Immutable; changes give a new value. */
public record VirtualServerState(VirtualServerSpec spec, PSortedMap<String, RealServer> realServers) {
    @JsonCreator
    public static VirtualServerState fromJson(@JsonProperty("spec") VirtualServerSpec spec,
                                              @JsonProperty("realServers") Map<String, RealServer> realServers) {
        return new VirtualServerState(spec, realServers == null ? TreePMap.empty() : TreePMap.from(realServers));
    }

    public static VirtualServerState of(VirtualServerSpec spec) {
        return new VirtualServerState(spec, TreePMap.empty());
    }

    public VirtualServerState withSpec(VirtualServerSpec value) {
        return new VirtualServerState(value, realServers);
    }

    public VirtualServerState withRealServer(RealServer rs) {
        return new VirtualServerState(spec, realServers.plus(rs.name(), rs));
    }

    public VirtualServerState withoutRealServer(String name) {
        return new VirtualServerState(spec, realServers.minus(name));
    }
}
