package io.lvscp.controlplane.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DatabaseUnavailableTest {
    @Test
    void aConnectionResetUnderAQueryIsTheDatabaseAway() {
        // As the SQL client fails a query whose backend died with the postmaster (kill -9): a 503, not a 500.
        assertEquals(Optional.of("the connection to the database was lost"),
                DatabaseUnavailable.why(new RuntimeException(new SocketException("Connection reset"))));
    }

    @Test
    void aFaultOfOurOwnIsNot() {
        assertTrue(DatabaseUnavailable.why(new IllegalStateException("a bug")).isEmpty());
    }
}
