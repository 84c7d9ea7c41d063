package io.lvscp.cli.server;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import java.util.List;

/** Two renderings of a document, as the unified diff (diff -u) people read in reviews: what apply shows before it writes. */
final class TextDiff {
    /** Lines of context around each change: as diff -u. */
    private static final int CONTEXT = 3;

    private TextDiff() {}

    static List<String> unified(String before, String after, String fromLabel, String toLabel) {
        List<String> a = before.isEmpty() ? List.of() : before.lines().toList();
        List<String> b = after.lines().toList();
        return UnifiedDiffUtils.generateUnifiedDiff(fromLabel, toLabel, a, DiffUtils.diff(a, b), CONTEXT);
    }
}
