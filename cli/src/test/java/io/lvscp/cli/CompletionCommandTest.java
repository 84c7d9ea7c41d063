package io.lvscp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.cli.server.CliOnControlPlane;
import org.junit.jupiter.api.Test;

/** {@code lvscp completion}: picocli's bash script for the whole command tree. */
class CompletionCommandTest {
    @Test
    void theBashScriptKnowsTheSubcommands() {
        CliOnControlPlane.Run r = CliOnControlPlane.plain("completion");
        assertEquals(Lvscp.OK, r.code(), r.all());
        assertTrue(r.out().startsWith("#!/usr/bin/env bash") && r.out().contains("complete -F"), r.out());
        for (String sub : new String[] {"import", "export", "apply", "rollback", "drain", "enable", "weight", "tokens", "config", "completion",
                "use-context", "revoke"}) {
            assertTrue(r.out().contains(sub), sub + " in the script");
        }
        assertEquals(r.out(), CliOnControlPlane.plain("completion", "bash").out());
        assertEquals(Lvscp.USAGE, CliOnControlPlane.plain("completion", "fish").code());
    }
}
