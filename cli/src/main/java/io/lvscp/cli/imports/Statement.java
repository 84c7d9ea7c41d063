package io.lvscp.cli.imports;

import java.nio.file.Path;
import java.util.List;

/**
 * One statement of a configuration file: a keyword, its arguments on the same line and, when a '{' follows,
 * the statements of its block ({@code null} without one). {@code file} and {@code line} say where it was written.
 */
public record Statement(String keyword, List<String> args, List<Statement> block, Path file, int line) {
    /** The arguments as one string, as lvs.cf and keepalived give multi-word values. */
    public String value() {
        return String.join(" ", args);
    }

    public String arg(int i) {
        return i < args.size() ? args.get(i) : null;
    }

    public boolean hasBlock() {
        return block != null;
    }
}
