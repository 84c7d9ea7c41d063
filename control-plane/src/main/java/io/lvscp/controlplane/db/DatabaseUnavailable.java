package io.lvscp.controlplane.db;

import io.vertx.pgclient.PgException;
import java.util.Optional;

/**
 * Whether a failure means the database is not there to answer (the caller should come back later), as opposed to a
 * fault of ours. Looked for along the cause chain, since the SQL client wraps what the socket said.
 */
public final class DatabaseUnavailable {
    /** What a client is told to wait (Retry-After) when the database is away: about the pool's connect bound. */
    public static final long RETRY_AFTER_SECONDS = 5;

    private DatabaseUnavailable() {}

    /** Why the database cannot serve, in a few words for the client; empty if the failure is something else. */
    public static Optional<String> why(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg && pg.getSqlState() != null) {
                String state = pg.getSqlState();
                // Class 08: connection exceptions; 57P01-03: the server shutting down or starting; class 53:
                // insufficient resources (disk full, out of memory, too many connections).
                if (state.startsWith("08")) return Optional.of("the connection to the database failed");
                if (state.startsWith("57P")) return Optional.of("the database is shutting down or starting");
                if (state.startsWith("53")) return Optional.of("the database is out of resources (" + state + ": " + pg.getErrorMessage() + ")");
                return Optional.empty(); // an answer from a working server: not an outage
            }
            if (t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException) {
                return Optional.of("the database cannot be reached");
            }
            // A reset under a query in flight: the postmaster was killed and its backends went with it (FaultBenchmark
            // saw these answered 500).
            if (t instanceof java.net.SocketException) return Optional.of("the connection to the database was lost");
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof io.vertx.core.impl.NoStackTraceTimeoutException) {
                return Optional.of("the database did not answer in time (no connection free, or no answer to a query)");
            }
            String name = t.getClass().getName();
            String message = t.getMessage() == null ? "" : t.getMessage();
            // The SQL client's own words for a socket that went away under a query, or a pool that cannot connect.
            if (name.endsWith("ClosedConnectionException") || message.equals("Connection closed") || message.startsWith("Connection refused")
                    || message.startsWith("Failed to create connection") || message.startsWith("Timeout")) {
                return Optional.of("the connection to the database was lost");
            }
        }
        return Optional.empty();
    }
}
