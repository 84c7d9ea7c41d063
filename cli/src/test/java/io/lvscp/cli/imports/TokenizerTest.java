package io.lvscp.cli.imports;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerTest {
    private static final Path F = Path.of("t.conf");

    @Test
    void wordsQuotedStringsBracesCommentsAndLines() {
        Report r = new Report();
        List<Statement> s = new Tokenizer(F, "#!", r).parse(
                "# comment\n\n  a  1\t2 # trailing\nblock x{\n\tsend \"GET / HTTP/1.0\\r\\n\\\"q\\\" # not a comment\"\n" +
                        "  inner { k v }\n}\n! bang comment\nnext\n{\n  on_next_line 1\n}\n");
        assertFalse(r.hasErrors(), r.entries().toString());
        assertEquals(3, s.size());
        assertEquals("a", s.get(0).keyword());
        assertEquals(List.of("1", "2"), s.get(0).args());
        assertEquals(3, s.get(0).line());
        assertNull(s.get(0).block());
        Statement block = s.get(1);
        assertEquals(List.of("x"), block.args());
        assertEquals(4, block.line());
        assertEquals("GET / HTTP/1.0\r\n\"q\" # not a comment", block.block().get(0).arg(0));
        assertEquals(5, block.block().get(0).line());
        Statement inner = block.block().get(1);
        assertEquals("k", inner.block().get(0).keyword());
        assertEquals(List.of("v"), inner.block().get(0).args());
        assertEquals("on_next_line", s.get(2).block().get(0).keyword());
        assertEquals(11, s.get(2).block().get(0).line());
    }

    @Test
    void unbalancedBracesAndOpenQuotesAreErrorsWithTheirLine() {
        Report r = new Report();
        new Tokenizer(F, "#", r).parse("a {\n b \"open\n");
        assertTrue(r.hasErrors());
        assertTrue(r.errors().stream().anyMatch(e -> e.line() == 2 && e.message().contains("quoted string")), r.entries().toString());
        assertTrue(r.errors().stream().anyMatch(e -> e.line() == 1 && e.message().contains("no closing")), r.entries().toString());
        Report r2 = new Report();
        new Tokenizer(F, "#", r2).parse("a 1\n}\n");
        assertEquals("t.conf:2: error: '}' without a '{' before it", r2.errors().get(0).toString());
    }

    @Test
    void otherBackslashesStaySoRegexesSurvive() {
        Report r = new Report();
        List<Statement> s = new Tokenizer(F, "#", r).parse("expect = \"HTTP/1\\.[01] \\d+\\\\\"\n");
        assertEquals("HTTP/1\\.[01] \\d+\\", s.get(0).arg(1));
    }

    @Test
    void lvsCfCommentsAreHashOnly() {
        Report r = new Report();
        List<Statement> s = new Tokenizer(F, "#", r).parse("expect = !ok # c\n");
        assertEquals(List.of("=", "!ok"), s.get(0).args());
    }
}
