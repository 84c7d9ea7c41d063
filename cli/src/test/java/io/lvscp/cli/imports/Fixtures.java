package io.lvscp.cli.imports;

import io.lvscp.api.model.ClusterSpec;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.KernelInputs;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

final class Fixtures {
    private Fixtures() {}

    static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/import/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("test resource /import/" + name + " is missing", e);
        }
    }

    /** The entry of {@code report} at {@code line} of {@code file} whose message holds {@code text}; fails without one. */
    static Report.Entry entry(Report report, String file, int line, Report.Severity severity, String text) {
        return report.entries().stream()
                .filter(e -> e.file().getFileName().toString().equals(file) && e.line() == line && e.severity() == severity
                        && e.message().contains(text))
                .findFirst()
                .orElseGet(() -> fail("no " + severity + " at " + file + ":" + line + " containing '" + text + "' in\n"
                        + String.join("\n", report.entries().stream().map(Report.Entry::toString).toList())));
    }

    /** The document is one the API and agents accept, and reads back, strictly, as itself from JSON and YAML. */
    static void assertValidAndRoundTrips(ClusterSpec d) throws Exception {
        List<String> problems = KernelInputs.problems(Importer.state(d));
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(d, Json.mapper().readValue(Documents.json(d), ClusterSpec.class));
        assertEquals(d, Documents.yamlMapper().readValue(Documents.yaml(d), ClusterSpec.class));
    }
}
