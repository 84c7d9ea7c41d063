package io.lvscp.clients;

import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openapitools.codegen.DefaultGenerator;
import org.openapitools.codegen.config.CodegenConfigurator;
import org.slf4j.LoggerFactory;

/**
 * The clients users generate from openapi.yaml besides Java: each generated without a warning the project has not
 * accepted, and each compiled by its own language's compiler (Debian's tsc and python3). Java is generated here too,
 * for its warnings; the build compiles it and GeneratedJavaClientTest runs it.
 */
class OtherClientsTest {
    /**
     * Warnings accepted, with the reason. Python: the diff's {@code from} query parameter is a Python keyword, which
     * the generator renames in the client ({@code var_from}); renaming it in the API would break every other client.
     * Python also logs "Failed to get the schema name: null" while post-processing its models, for this spec and
     * without it (a one-operation spec gives it too): the generator's own noise, the generated models are complete.
     */
    static final Map<String, List<String>> ACCEPTED = Map.of(
            "java", List.of(),
            "typescript-fetch", List.of(),
            "python", List.of("Failed to get the schema name: null", "From (reserved word) cannot be used as model name. Renamed to ModelFrom"));

    @TempDir
    Path dir;

    @Test
    void javaGeneratesWithoutWarnings() {
        assertEquals(ACCEPTED.get("java"), generate("java", dir.resolve("java")));
    }

    @Test
    void typescriptGeneratesWithoutWarningsAndCompilesStrictly() throws Exception {
        Path out = dir.resolve("typescript");
        assertEquals(ACCEPTED.get("typescript-fetch"), generate("typescript-fetch", out));
        // Strict, but for implicit any: the generated guards narrow with `'name' in value`, which needs TypeScript
        // 4.9, and Debian 12's tsc is 4.8, where that narrowing reads as an implicit any.
        run(out, "tsc", "--noEmit", "--strict", "--noImplicitAny", "false", "--target", "es2019", "--lib", "es2019,dom",
                "--module", "commonjs", "--moduleResolution", "node", "index.ts");
    }

    @Test
    void pythonGeneratesWithOnlyTheAcceptedWarningsAndCompiles() throws Exception {
        Path out = dir.resolve("python");
        assertEquals(ACCEPTED.get("python"), generate("python", out));
        assertTrue(Files.isRegularFile(out.resolve("lvscp_client/api/audit_api.py")));
        // Compiled, not imported: the generated package needs pydantic 2, and Debian 12 has pydantic 1.
        run(out, "python3", "-m", "compileall", "-q", "-f", "lvscp_client");
    }

    /** Generates the client for {@code generator} into {@code out}; returns the generator's warnings, each once, sorted. */
    private static List<String> generate(String generator, Path out) {
        Logger root = (Logger) LoggerFactory.getLogger("org.openapitools");
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        root.addAppender(warnings);
        try {
            CodegenConfigurator c = new CodegenConfigurator().setGeneratorName(generator)
                    .setInputSpec(SpecValidationTest.SPEC.toString()).setOutputDir(out.toString());
            if (generator.equals("java")) c.setLibrary("native");
            if (generator.equals("python")) c.setPackageName("lvscp_client");
            List<java.io.File> files = new DefaultGenerator().opts(c.toClientOptInput()).generate();
            assertFalse(files.isEmpty(), generator + " generated nothing");
        } finally {
            root.detachAppender(warnings);
        }
        List<String> found = new ArrayList<>();
        for (ILoggingEvent e : warnings.list) {
            if (e.getLevel().isGreaterOrEqual(Level.WARN) && !found.contains(e.getFormattedMessage())) found.add(e.getFormattedMessage());
        }
        return found.stream().sorted().toList();
    }

    private static void run(Path in, String... argv) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(argv).directory(in.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(argv[0] + " is needed to check the generated client and is not installed (.ci/run installs it): " + e.getMessage(), e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), argv[0] + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ":\n" + output);
        assertEquals("", output.strip(), String.join(" ", argv) + " printed something");
    }
}
