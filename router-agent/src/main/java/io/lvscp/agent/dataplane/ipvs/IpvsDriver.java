package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.exec.CommandRunner;
import java.util.List;

/** PLACEHOLDER so the module compiles while the real driver is being written (helper: replace this file whole). */
public final class IpvsDriver implements DataplaneDriver {
    public IpvsDriver(CommandRunner runner) {
    }

    public String name() {
        return "ipvs";
    }

    public List<String> unsupported(ServiceTable desired) {
        return List.of("the ipvs driver is not built yet");
    }

    public ServiceTable read() {
        return ServiceTable.EMPTY;
    }

    public void apply(ServiceTable actual, ServiceTable desired) {
        throw new UnsupportedOperationException("the ipvs driver is not built yet");
    }
}
