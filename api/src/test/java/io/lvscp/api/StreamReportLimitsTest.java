package io.lvscp.api;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.api.json.Json;
import io.lvscp.api.stream.StreamMessage;
import io.lvscp.api.stream.StreamMessage.DestinationStats;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** An agent's reports stay small however big its cluster, so the stream never has to carry a huge one. */
class StreamReportLimitsTest {
    @Test
    void statsOfABigRouterKeepTheBusiestAndCountTheRest() throws Exception {
        List<DestinationStats> all = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) all.add(new DestinationStats("tcp 10.0.0.1:80", "10.1." + (i / 250) + "." + (i % 250) + ":80", i % 977, 1, 1, i, i));
        StreamMessage.Stats s = StreamMessage.Stats.capped(10_000, 100_000, 12, all);
        assertEquals(StreamMessage.Stats.MAX_COUNTERS, s.counters().size());
        assertEquals(100_000 - StreamMessage.Stats.MAX_COUNTERS, s.omittedCounters());
        long least = s.counters().stream().mapToLong(DestinationStats::connections).min().orElseThrow();
        assertEquals(976, s.counters().get(0).connections());
        assertTrue(all.stream().filter(d -> d.connections() > least).count() <= StreamMessage.Stats.MAX_COUNTERS);
        assertTrue(Json.mapper().writeValueAsString(s).length() < StreamMessage.MAX_FROM_AGENT_BYTES / 2);
    }

    @Test
    void aSmallRouterSendsEveryCounter() {
        List<DestinationStats> few = List.of(new DestinationStats("tcp 10.0.0.1:80", "10.1.0.1:80", 1, 1, 1, 1, 1));
        StreamMessage.Stats s = StreamMessage.Stats.capped(1, 1, 1, few);
        assertEquals(few, s.counters());
        assertEquals(0, s.omittedCounters());
    }

    @Test
    void driftOfAWipedKernelSaysHowMuchWithoutListingAll() {
        List<String> corrections = IntStream.range(0, 100_000).mapToObj(i -> "added service " + i).toList();
        StreamMessage.Drift d = StreamMessage.Drift.capped(7, corrections);
        assertEquals(StreamMessage.Drift.MAX_CORRECTIONS, d.corrections().size());
        assertEquals("added service 0", d.corrections().get(0));
        assertEquals("... and " + (100_000 - StreamMessage.Drift.MAX_CORRECTIONS + 1) + " more", d.corrections().get(d.corrections().size() - 1));
        assertEquals(List.of("a", "b"), StreamMessage.Drift.capped(7, List.of("a", "b")).corrections());
    }
}
