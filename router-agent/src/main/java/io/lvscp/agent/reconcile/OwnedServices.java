package io.lvscp.agent.reconcile;

import com.fasterxml.jackson.core.type.TypeReference;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.state.AtomicFiles;
import io.lvscp.api.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The virtual services this agent created, remembered on disk, so that it never removes one it did not create:
 * IPVS is one table per host, and keepalived or an operator may keep services of their own in it. A service the
 * desired state names is lvscp's either way (it must hold what the cluster says); anything else in the kernel is
 * left alone unless lvscp put it there.
 */
public final class OwnedServices {
    private final Path file;
    private final Set<ServiceKey> keys;

    public OwnedServices(Path stateDir) {
        this.file = stateDir == null ? null : stateDir.resolve("owned-services.json");
        this.keys = load();
    }

    /** The part of the kernel's table that is lvscp's to change. */
    ServiceTable mine(ServiceTable kernel, ServiceTable desired) {
        SortedMap<ServiceKey, Service> out = new TreeMap<>();
        kernel.services().forEach((k, s) -> {
            if (keys.contains(k) || desired.services().containsKey(k)) out.put(k, s);
        });
        return new ServiceTable(out);
    }

    /** Recorded before the kernel is changed, so a crash in between errs towards cleaning up, not leaking. */
    void adding(ServiceTable desired) {
        if (keys.addAll(desired.services().keySet())) save();
    }

    void applied(ServiceTable desired) {
        if (keys.retainAll(desired.services().keySet())) save();
    }

    private Set<ServiceKey> load() {
        if (file == null || !Files.exists(file)) return new TreeSet<>();
        try {
            return new TreeSet<>(Json.mapper().readValue(Files.readAllBytes(file), new TypeReference<Set<ServiceKey>>() { }));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private void save() {
        if (file == null) return;
        try {
            AtomicFiles.write(file, Json.mapper().writeValueAsBytes(keys));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + file, e);
        }
    }
}
