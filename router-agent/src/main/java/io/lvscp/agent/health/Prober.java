package io.lvscp.agent.health;

import java.util.concurrent.CompletableFuture;

/** Runs checks, asynchronously: the monitor never blocks on a real server. */
public interface Prober extends AutoCloseable {
    CompletableFuture<CheckResult> probe(CheckSpec spec);

    @Override
    default void close() { }

    /** Program checks to one prober, network checks to another. */
    static Prober routing(Prober network, Prober program) {
        return new Prober() {
            @Override
            public CompletableFuture<CheckResult> probe(CheckSpec spec) {
                return spec.kind() == io.lvscp.api.model.HealthCheckKind.program ? program.probe(spec) : network.probe(spec);
            }

            @Override
            public void close() {
                try {
                    network.close();
                } catch (Exception ignored) {
                    // closing is best effort
                }
                try {
                    program.close();
                } catch (Exception ignored) {
                    // closing is best effort
                }
            }
        };
    }
}
