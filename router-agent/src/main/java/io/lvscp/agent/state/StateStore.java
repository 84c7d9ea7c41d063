package io.lvscp.agent.state;

import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The last state this router applied, on local disk, so that a restarted agent programs it again without the
 * control plane (static stability). Written to a temporary file and renamed, so a crash never leaves half a file.
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
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, Json.mapper().writeValueAsBytes(state));
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the applied state to " + file, e);
        }
    }

    public Path file() {
        return file;
    }
}
