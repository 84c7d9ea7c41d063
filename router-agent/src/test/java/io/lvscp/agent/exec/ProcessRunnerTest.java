package io.lvscp.agent.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessRunnerTest {
    /** A command that fills its stderr pipe before it writes a byte of stdout finishes, both outputs whole. */
    @Test
    void bothOutputsAreReadAtOnceSoAFullStderrPipeDoesNotStallTheCommand() {
        ProcessRunner runner = new ProcessRunner(List.of(), Duration.ofSeconds(20), null);
        CommandResult r = runner.run(List.of("sh", "-c", "head -c 300000 /dev/zero | tr '\\\\0' e >&2; head -c 300000 /dev/zero | tr '\\\\0' o"), null);
        assertEquals(0, r.exitCode(), r.stderr().length() > 200 ? r.stderr().substring(0, 200) : r.stderr());
        assertEquals(300000, r.stderr().length());
        assertEquals(300000, r.stdout().length());
    }

    @Test
    void stdinIsGivenAndTheExitStatusKept() {
        CommandResult r = ProcessRunner.local().run(List.of("sh", "-c", "cat; exit 3"), "fed\n");
        assertEquals(3, r.exitCode());
        assertEquals("fed\n", r.stdout());
    }
}
