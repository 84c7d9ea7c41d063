package io.lvscp.controlplane.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.controlplane.support.RunningControlPlane;
import org.junit.jupiter.api.Test;

/**
 * {@link Fuzzer}'s generated hostile requests against a real control plane on its own database: no 5xx, every
 * 4xx a problem document, nothing changed by a refused request, a read or a dry run, and the process alive at
 * the end. 10,000 requests from a fixed seed in the build; a longer run, or another seed:
 * {@code ./mvnw -q -o -pl control-plane -am verify -Dtest=FuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.requests=200000 -Dfuzz.seed=7}.
 */
class FuzzTest {
    @Test
    void hostileRequestsGetProblemsAndChangeNothing() throws Exception {
        int requests = Integer.getInteger("fuzz.requests", 10_000);
        long seed = Long.getLong("fuzz.seed", Fuzzer.DEFAULT_SEED);
        Fuzzer.Result r;
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            r = new Fuzzer(cp, seed).run(requests);
        }
        System.out.println("fuzz seed " + seed + ": " + r.summary());
        assertEquals(requests, r.requests);
        assertTrue(r.failures.isEmpty(), () -> r.failureCount() + " failures (seed " + seed + "):\n" + r.summary());
        // The run must reach past validation, or it proves little: some writes go through, most are refused.
        assertTrue(r.stateChangingSuccesses > 0, "no generated write was accepted");
        assertTrue(r.byStatus.getOrDefault(422, 0) > requests / 50, "too few requests reached validation: " + r.byStatus);
    }
}
