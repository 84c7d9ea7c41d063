package io.lvscp.cli.imports;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The words of a configuration file, grouped into statements: a statement is the words of one line up to an
 * opening brace (whose block follows, until its closing brace) or a line's end. Words are split at white space
 * (spaces, tabs); a double-quoted string is one word, with {@code \"}, {@code \\}, {@code \n}, {@code \r} and
 * {@code \t} escapes (any other backslash stays, so a regular expression's {@code \d} is kept); a comment runs from one of {@code commentChars} outside quotes to the line's end.
 * A brace may stand alone or touch a word ({@code virtual web{}). lvs.cf's {@code key = value} is read by its
 * mapper: the '=' is a word here.
 */
public final class Tokenizer {
    private record Token(String text, boolean quoted, int line) {
        boolean is(String s) {
            return !quoted && text.equals(s);
        }
    }

    private final Path file;
    private final String commentChars;
    private final Report report;

    public Tokenizer(Path file, String commentChars, Report report) {
        this.file = file;
        this.commentChars = commentChars;
        this.report = report;
    }

    /** The statements of {@code text}; unbalanced braces and unterminated strings are errors in the report. */
    public List<Statement> parse(String text) {
        List<Token> tokens = tokens(text);
        int[] pos = {0};
        List<Statement> top = block(tokens, pos, false);
        return top;
    }

    private List<Statement> block(List<Token> tokens, int[] pos, boolean nested) {
        List<Statement> out = new ArrayList<>();
        int openLine = pos[0] > 0 ? tokens.get(pos[0] - 1).line : 0;
        while (pos[0] < tokens.size()) {
            Token t = tokens.get(pos[0]);
            if (t.is("}")) {
                pos[0]++;
                if (nested) return out;
                report.error(file, t.line, "'}' without a '{' before it");
                continue;
            }
            if (t.is("{")) {
                pos[0]++;
                report.error(file, t.line, "'{' without a keyword before it");
                block(tokens, pos, true);
                continue;
            }
            int line = t.line;
            String keyword = t.text;
            pos[0]++;
            List<String> args = new ArrayList<>();
            List<Statement> inner = null;
            while (pos[0] < tokens.size() && tokens.get(pos[0]).line == line) {
                Token a = tokens.get(pos[0]);
                if (a.is("}")) break;
                pos[0]++;
                if (a.is("{")) {
                    inner = block(tokens, pos, true);
                    break;
                }
                args.add(a.text);
            }
            // A brace on the next line opens this statement's block (keepalived allows it; so do hand-written lvs.cf).
            if (inner == null && pos[0] < tokens.size() && tokens.get(pos[0]).is("{")) {
                pos[0]++;
                inner = block(tokens, pos, true);
            }
            out.add(new Statement(keyword, List.copyOf(args), inner == null ? null : List.copyOf(inner), file, line));
        }
        if (nested) report.error(file, openLine, "the block opened here has no closing '}'");
        return out;
    }

    private List<Token> tokens(String text) {
        List<Token> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (commentChars.indexOf(c) >= 0) {
                while (i < n && text.charAt(i) != '\n') i++;
            } else if (c == '{' || c == '}') {
                out.add(new Token(String.valueOf(c), false, line));
                i++;
            } else if (c == '"') {
                int start = line;
                StringBuilder b = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < n) {
                    char q = text.charAt(i);
                    if (q == '"') {
                        closed = true;
                        i++;
                        break;
                    }
                    if (q == '\n') break;
                    if (q == '\\' && i + 1 < n && text.charAt(i + 1) != '\n') {
                        char e = text.charAt(i + 1);
                        switch (e) {
                            case 'n' -> b.append('\n');
                            case 'r' -> b.append('\r');
                            case 't' -> b.append('\t');
                            case '"', '\\' -> b.append(e);
                            default -> b.append(q).append(e); // "\d" in a regex stays "\d"
                        }
                        i += 2;
                        continue;
                    }
                    b.append(q);
                    i++;
                }
                if (!closed) report.error(file, start, "a quoted string that does not end on its line");
                out.add(new Token(b.toString(), true, start));
            } else {
                int s = i;
                while (i < n) {
                    char w = text.charAt(i);
                    if (Character.isWhitespace(w) || w == '{' || w == '}' || w == '"' || commentChars.indexOf(w) >= 0) break;
                    i++;
                }
                out.add(new Token(text.substring(s, i), false, line));
            }
        }
        return out;
    }
}
