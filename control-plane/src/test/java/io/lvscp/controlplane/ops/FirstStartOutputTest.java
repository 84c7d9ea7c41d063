package io.lvscp.controlplane.ops;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.controlplane.support.TestPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The first start as an operator sees it: the main process on a new database, its output read until it says where
 * it listens. A few lines of lvscp's own, not logback's status dump nor Micrometer's warnings about its meters.
 */
class FirstStartOutputTest {
    @Test
    void theFirstStartPrintsItsOwnFewLines() throws Exception {
        String db = TestPostgres.newDatabase();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.lvscp.controlplane.Main")
                .redirectErrorStream(true);
        pb.environment().put("LVSCP_DATABASE_URL", db);
        pb.environment().put("LVSCP_HTTP_HOST", "127.0.0.1");
        pb.environment().put("LVSCP_HTTP_PORT", "0");
        pb.environment().remove("LVSCP_ADMIN_TOKEN");
        pb.environment().remove("LVSCP_LOG_FORMAT");
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            // Bounded by the process: it ends the stream if it dies; destroyForcibly below if it hangs.
            Thread watchdog = new Thread(() -> {
                try {
                    if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            });
            watchdog.setDaemon(true);
            watchdog.start();
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
                if (line.startsWith("lvscp control plane listening on ")) break;
            }
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        String all = String.join("\n", lines);
        assertTrue(all.contains("lvscp control plane listening on http://127.0.0.1:"), all);
        assertTrue(all.contains("an admin API token was made"), all);
        assertFalse(all.contains("|-INFO in ch.qos.logback") || all.contains("|-WARN in ch.qos.logback"), all);
        assertFalse(all.contains("already registered"), all);
        assertFalse(all.contains("WARN") || all.contains("ERROR"), all);
        assertTrue(lines.size() <= 10, lines.size() + " lines:\n" + all);
    }
}
