package io.lvscp.agent.state;

import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The last state this router applied, on local disk, so that a restarted agent programs it again without the
 * control plane (static stability).
 */
public final class StateStore {
    private final Path file;

    public StateStore(Path dir) {
        this.file = dir.resolve("applied-state.json");
    }

    public Optional<ClusterState> load() {
        if (!Files.exists(file)) return Optional.empty();
        try {
            return Optional.of(Json.mapper().readerFor(ClusterState.class)
                    .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("the saved state in " + file + " cannot be read; move it away to start empty", e);
        }
    }

    public void save(ClusterState state) {
        try {
            AtomicFiles.write(file, Json.mapper().writeValueAsBytes(state));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the applied state cannot be written as JSON", e);
        }
    }

    public Path file() {
        return file;
    }
}
