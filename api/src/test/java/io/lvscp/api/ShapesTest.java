package io.lvscp.api;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.api.model.Shapes;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ShapesTest {
    @ParameterizedTest
    @ValueSource(strings = {"eth0", "e", "_", "0", "eth0.100", "br-lan", "eth0:1", "eth0:a_b-c", "abcdefghijklmno", "eth0123:123456"})
    void devices(String d) {
        assertTrue(Shapes.isDevice(d), d);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"abcdefghijklmnop", "eth0123:12345678", "-X", ".eth0", "eth0 -X", "eth0;rm", "eth0:", "eth0:1:2", "eth0:1.2",
            "eth0/../lo", "eth0\n", "eth0\u0000", "éth0", ":1"})
    void notDevices(String d) {
        assertFalse(Shapes.isDevice(d), String.valueOf(d));
    }

    @Test
    void anInterfaceIsADeviceWithoutALabel() {
        assertTrue(Shapes.isInterface("eth1"));
        assertFalse(Shapes.isInterface("eth1:1"));
        assertFalse(Shapes.isInterface("-X"));
        assertFalse(Shapes.isInterface(null));
    }

    @Test
    void programPaths() {
        assertTrue(Shapes.isProgramPath("/bin/true"));
        assertTrue(Shapes.isProgramPath("/a"));
        assertTrue(Shapes.isProgramPath("/usr/lib/lvscp/check-v1.2_x+y"));
        assertTrue(Shapes.isProgramPath("/" + "a".repeat(255)));
        assertFalse(Shapes.isProgramPath("/" + "a".repeat(256)));
        for (String p : new String[] {null, "", "/", "bin/true", "~/check", "check.sh", "-s", "/bin/a b", "/bin/$(id)", "/bin/a;b", "/bin/é"}) {
            assertFalse(Shapes.isProgramPath(p), String.valueOf(p));
        }
    }

    @Test
    void theProgramSplitsAtRunsOfSpacesOnly() {
        assertEquals(List.of("/bin/check", "%h", "80"), Shapes.argv("/bin/check %h 80"));
        assertEquals(List.of("/bin/check", "%h", "80"), Shapes.argv("/bin/check   %h  80   "));
        assertEquals(List.of("/bin/check"), Shapes.argv("/bin/check"));
        assertEquals(List.of("/bin/echo", "$(reboot);id", "a|b"), Shapes.argv("/bin/echo $(reboot);id a|b"));
        // A leading space is an empty first word, which is no program path.
        assertEquals(List.of("", "/bin/check", "x"), Shapes.argv("  /bin/check x"));
        assertEquals("", Shapes.executable(" /bin/check"));
        assertFalse(Shapes.isProgram(" /bin/check"));
        // Only the space separates: a tab (a control character, refused in a program's text) or a no-break space does not.
        assertEquals(List.of("/bin/a\tb"), Shapes.argv("/bin/a\tb"));
        assertEquals(List.of("\u00a0/bin/check"), Shapes.argv("\u00a0/bin/check"));
        assertFalse(Shapes.isProgram("\u2003/bin/check"));
        assertEquals(List.of(), Shapes.argv(null));
        assertEquals(List.of(), Shapes.argv(""));
        assertEquals(List.of(), Shapes.argv("   "));
        assertEquals("", Shapes.executable(null));
        assertEquals("/bin/check", Shapes.executable("/bin/check %h"));
        assertTrue(Shapes.isProgram("/bin/check %h $(id)"));
        assertFalse(Shapes.isProgram("sh -c reboot"));
        assertFalse(Shapes.isProgram("-s KILL /bin/sh"));
    }

    @Test
    void httpPaths() {
        assertTrue(Shapes.isHttpPath("/"));
        assertTrue(Shapes.isHttpPath("/health?x=1&y=%20"));
        assertTrue(Shapes.isHttpPath("/" + "a".repeat(1023)));
        assertFalse(Shapes.isHttpPath("/" + "a".repeat(1024)));
        for (String p : new String[] {null, "", "x", "/a b", "/\u0000", "/é", "/x\r\nHost: evil", "/\u007f"}) {
            assertFalse(Shapes.isHttpPath(p), String.valueOf(p));
        }
    }

    @Test
    void portListEntries() {
        for (String p : new String[] {"1", "443", "65535", "6000-6010", "80-80", "1-65535"}) {
            assertEquals(Optional.empty(), Shapes.portsProblem(p), p);
        }
        assertArrayEquals(new int[] {6000, 6010}, Shapes.portRange("6000-6010").orElseThrow());
        assertArrayEquals(new int[] {443, 443}, Shapes.portRange("443").orElseThrow());
        assertEquals(Optional.of("'0' is not a port (\"443\") or a port range (\"6000-6010\")"), Shapes.portsProblem("0"));
        assertEquals(Optional.of("'null' is not a port (\"443\") or a port range (\"6000-6010\")"), Shapes.portsProblem(null));
        assertEquals(Optional.of("'443?' is not a port (\"443\") or a port range (\"6000-6010\")"), Shapes.portsProblem("443\n"));
        for (String p : new String[] {"", "-1", "080", "80,443", "80-", "-80", "1-2-3", " 80", "123456", "1-65536x"}) {
            assertTrue(Shapes.portsProblem(p).orElseThrow().contains("is not a port"), p);
            assertTrue(Shapes.portRange(p).isEmpty(), p);
        }
        assertEquals(Optional.of("ports go up to 65535"), Shapes.portsProblem("65536"));
        assertEquals(Optional.of("ports go up to 65535"), Shapes.portsProblem("1-99999"));
        assertEquals(Optional.of("range 10-5 ends before it starts"), Shapes.portsProblem("10-5"));
        assertTrue(Shapes.portRange("10-5").isEmpty());
    }

    @Test
    void marks() {
        assertFalse(Shapes.isMark(0));
        assertTrue(Shapes.isMark(1));
        assertTrue(Shapes.isMark(4294967295L));
        assertFalse(Shapes.isMark(4294967296L));
        assertFalse(Shapes.isMark(-1));
    }

    @Test
    void texts() {
        assertTrue(Shapes.isText(null, Shapes.MAX_TEXT, false));
        assertTrue(Shapes.isText("x".repeat(Shapes.MAX_TEXT), Shapes.MAX_TEXT, false));
        assertFalse(Shapes.isText("x".repeat(Shapes.MAX_TEXT + 1), Shapes.MAX_TEXT, true));
        assertEquals(-1, Shapes.controlCharacterAt("GET / HTTP/1.0\r\n\t~", true));
        assertEquals(14, Shapes.controlCharacterAt("GET / HTTP/1.0\r\n", false));
        assertEquals(4, Shapes.controlCharacterAt("PING\u0000", true));
        assertEquals(0, Shapes.controlCharacterAt("\u001b[2J", true));
        assertEquals(1, Shapes.controlCharacterAt("a\u007f", true));
        assertEquals(-1, Shapes.controlCharacterAt("é ü \u00a0", false));
        assertFalse(Shapes.isText("/bin/a\tb", Shapes.MAX_TEXT, false));
        assertEquals("a?b", Shapes.printable("a\nb"));
        assertEquals("x".repeat(80) + "…", Shapes.printable("x".repeat(81)));
    }
}
