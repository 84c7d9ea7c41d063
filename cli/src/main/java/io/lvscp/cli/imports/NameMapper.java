package io.lvscp.cli.imports;

import io.lvscp.api.model.Names;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Maps the names of real files (dots, underscores, capitals, spaces) to lvscp names ({@link Names}):
 * lower case, every run of other characters one '-', no '-' at either end, at most 63 characters; empty becomes
 * {@code fallback}. A name already taken in the same scope gets "-2", "-3"... The same input always gives the same
 * output, and every name that changed is reported.
 */
public final class NameMapper {
    private final Report report;
    private final Set<String> taken = new HashSet<>();

    public NameMapper(Report report) {
        this.report = report;
    }

    public String map(String original, String fallback, Statement where, String what) {
        String base = clean(original == null ? "" : original);
        if (base.isEmpty()) base = fallback;
        String name = base;
        for (int i = 2; !taken.add(name); i++) {
            String suffix = "-" + i;
            name = trim(base.substring(0, Math.min(base.length(), 63 - suffix.length()))) + suffix;
        }
        if (!name.equals(original)) {
            report.note(where, what + " " + (original == null ? "(unnamed)" : "'" + original + "'") + " is named '" + name
                    + "' (lvscp names " + Names.RULE + ")");
        }
        return name;
    }

    static String clean(String s) {
        String lower = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        lower = trim(lower);
        if (lower.length() > 63) lower = trim(lower.substring(0, 63));
        return lower;
    }

    private static String trim(String s) {
        int a = 0, b = s.length();
        while (a < b && s.charAt(a) == '-') a++;
        while (b > a && s.charAt(b - 1) == '-') b--;
        return s.substring(a, b);
    }
}
