package io.lvscp.cli.imports;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an import could not carry over, each with the file and line it comes from: a warning is imported without
 * it (or, as it says, changed), an error means nothing is imported; a note says how a name was mapped. Lines read
 * {@code FILE:LINE: warning: ...}.
 */
public final class Report {
    public enum Severity { note, warning, error }

    public record Entry(Path file, int line, Severity severity, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + severity + ": " + message;
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    public void warning(Path file, int line, String message) {
        entries.add(new Entry(file, line, Severity.warning, message));
    }

    public void error(Path file, int line, String message) {
        entries.add(new Entry(file, line, Severity.error, message));
    }

    public void note(Statement s, String message) {
        entries.add(new Entry(s.file(), s.line(), Severity.note, message));
    }

    public void warning(Statement s, String message) {
        warning(s.file(), s.line(), message);
    }

    public void error(Statement s, String message) {
        error(s.file(), s.line(), message);
    }

    /** Every entry, by file (in the order they were first reported, an included file after its includer) and line. */
    public List<Entry> entries() {
        List<Path> files = entries.stream().map(Entry::file).distinct().toList();
        return entries.stream()
                .sorted(java.util.Comparator.comparingInt((Entry e) -> files.indexOf(e.file())).thenComparingInt(Entry::line))
                .toList();
    }

    public boolean hasErrors() {
        return entries.stream().anyMatch(e -> e.severity() == Severity.error);
    }

    public List<Entry> errors() {
        return entries.stream().filter(e -> e.severity() == Severity.error).toList();
    }

    public List<Entry> warnings() {
        return entries.stream().filter(e -> e.severity() == Severity.warning).toList();
    }
}
