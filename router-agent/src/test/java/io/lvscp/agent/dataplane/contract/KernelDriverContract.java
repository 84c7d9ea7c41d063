package io.lvscp.agent.dataplane.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.api.stream.StreamMessage.DestinationStats;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The contract of a driver with a kernel, which also carries traffic: a lab around the router (a client on the
 * public segment, real servers 10.11.12.1-3 answering HTTP with their names "rs1".."rs3", their gateway the router)
 * lets HTTP requests through the VIP show where the kernel sends them.
 */
public abstract class KernelDriverContract extends DriverContract {
    /** The kernel's runner, logging what the driver ran: both kernels' suites count commands the same way. */
    protected abstract CommandLog log();

    @Override
    protected final List<String> commands() {
        return log().commands();
    }

    @Override
    protected final void forgetCommands() {
        log().forget();
    }
    /** Who answered {@code count} HTTP requests to VIP:port from the client, each on a new connection; plus "failed". */
    protected abstract Map<String, Integer> probe(int port, int count) throws Exception;

    /**
     * Whether the kernel's wrr follows the weights exactly over each whole cycle (IPVS's does), rather than at
     * random in proportion (nftables picks a slot at random).
     */
    protected abstract boolean exactWrr();

    /** Requests per weight unit and run: whole cycles for an exact wrr, enough for the binomial bound otherwise. */
    protected abstract int cycles();

    /** Whether {@link io.lvscp.agent.dataplane.DataplaneDriver#stats()} counts connections (a kernel that keeps none returns none). */
    protected abstract boolean keepsCounters();

    @Test
    void trafficThroughTheVipFollowsTheWeights() throws Exception {
        driver().apply(driver().read(), TABLE);
        Map<String, Integer> first = probe(80, 6 * cycles());
        assertShares(first, weights(TABLE), 6 * cycles());

        // Real server 2 drained, 1 and 3 at 3:1: a weight change alone moves the traffic.
        ServiceTable reweighted = withWeights(TABLE, WEB, 3, 0, 1);
        driver().apply(driver().read(), reweighted);
        Map<String, Integer> second = probe(80, 4 * cycles());
        assertShares(second, weights(reweighted), 4 * cycles());

        if (!keepsCounters()) {
            assertEquals(List.of(), driver().stats(), driver().name() + " keeps no counters and says so by returning none");
            return;
        }
        Map<String, Long> expected = new TreeMap<>();
        for (int i = 1; i <= 3; i++) {
            expected.put(server(i) + ":80", (long) first.getOrDefault("rs" + i, 0) + second.getOrDefault("rs" + i, 0));
        }
        // IPVS folds its per-CPU counters into the ones ipvsadm reads on a 2 s estimator tick: waited for, bounded.
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, Long> counted = new TreeMap<>();
            for (DestinationStats s : driver().stats()) {
                if (s.service().equals(WEB.toString())) counted.put(s.destination(), s.connections());
            }
            assertEquals(expected, counted, "the kernel counted every connection it sent to each real server");
        });
    }

    /** "rs1" -> weight, for the web service's real servers 10.11.12.i. */
    private static Map<String, Integer> weights(ServiceTable table) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Destination d : table.services().get(WEB).destinations().values()) {
            out.put("rs" + d.address().substring(d.address().lastIndexOf('.') + 1), d.weight());
        }
        return out;
    }

    private void assertShares(Map<String, Integer> answers, Map<String, Integer> weights, int total) {
        assertEquals(0, answers.getOrDefault("failed", 0), "every request answered: " + answers);
        int sum = weights.values().stream().mapToInt(Integer::intValue).sum();
        for (String name : answers.keySet()) {
            assertTrue(name.equals("failed") || weights.containsKey(name), "answered by " + name + ", which is no real server: " + answers);
        }
        for (Map.Entry<String, Integer> w : weights.entrySet()) {
            int got = answers.getOrDefault(w.getKey(), 0);
            double p = (double) w.getValue() / sum;
            double expected = total * p;
            if (exactWrr() || w.getValue() == 0) {
                assertEquals((int) expected, got, w.getKey() + " at weight " + w.getValue() + " of " + sum + ": " + answers);
            } else {
                // Four standard deviations of the binomial count: a false alarm about once in 15,000 runs.
                double bound = 4 * Math.sqrt(total * p * (1 - p));
                assertTrue(Math.abs(got - expected) <= bound, w.getKey() + " at weight " + w.getValue() + " of " + sum + " answered " + got
                        + " of " + total + ", expected " + expected + " +- " + (int) bound + ": " + answers);
            }
        }
    }
}
