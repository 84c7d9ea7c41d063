package io.lvscp.cli.imports;

import io.lvscp.api.model.Names;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NameMapperTest {
    private static final Statement AT = new Statement("virtual", List.of(), null, Path.of("lvs.cf"), 7);

    @Test
    void realNamesBecomeValidNamesDeterministicallyAndEachMappingIsReported() {
        Report r = new Report();
        NameMapper m = new NameMapper(r);
        assertEquals("web-server-http", m.map("Web_Server.HTTP", "x", AT, "virtual server"));
        assertEquals("my-web-server", m.map(" My  Web   Server ", "x", AT, "virtual server"));
        assertEquals("web-server-http-2", m.map("web server http", "x", AT, "virtual server"));
        assertEquals("x", m.map("___", "x", AT, "virtual server"));
        assertEquals("ok", m.map("ok", "x", AT, "virtual server"));
        String longName = "A".repeat(70);
        String mapped = m.map(longName, "x", AT, "virtual server");
        assertEquals(63, mapped.length());
        for (String n : List.of("web-server-http", "my-web-server", "web-server-http-2", mapped)) assertTrue(Names.isValid(n), n);
        assertEquals(5, r.entries().size(), "every changed name is reported, the unchanged one not: " + r.entries());
        assertEquals("lvs.cf:7: note: virtual server 'Web_Server.HTTP' is named 'web-server-http' (lvscp names " + Names.RULE + ")",
                r.entries().get(0).toString());
        // Deterministic: a second mapper gives the same names for the same inputs in the same order.
        NameMapper again = new NameMapper(new Report());
        assertEquals("web-server-http", again.map("Web_Server.HTTP", "x", AT, "virtual server"));
        assertEquals("my-web-server", again.map(" My  Web   Server ", "x", AT, "virtual server"));
    }
}
