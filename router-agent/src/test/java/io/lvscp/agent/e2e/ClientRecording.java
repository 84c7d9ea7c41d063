package io.lvscp.agent.e2e;

import io.lvscp.agent.bench.ClientProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A {@link ClientProbe} in the lab's client namespace (a new connection to host:port every {@code periodMs}), its
 * lines recorded, for measuring how long a fault lasts as the client sees it.
 */
public final class ClientRecording implements AutoCloseable {
    private final Process probe;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    public ClientRecording(FailoverLab lab, String host, int port, int periodMs, int timeoutMs) throws Exception {
        probe = lab.startClient(ClientProbe.class, host, String.valueOf(port), String.valueOf(periodMs), String.valueOf(timeoutMs));
        BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"ready".equals(first)) throw new IllegalStateException("the client probe did not start: " + first);
        reader = new Thread(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(l);
                    }
                }
            } catch (Exception e) {
                // the probe ended
            }
        }, "client-recording");
        reader.setDaemon(true);
        reader.start();
    }

    /** Returns once a request has been answered. */
    public void awaitServed(Duration atMost) {
        Awaitility.await("the client is served").atMost(atMost).pollInterval(Duration.ofMillis(50)).until(() -> {
            synchronized (lines) {
                return lines.stream().anyMatch(l -> l.contains(" ok "));
            }
        });
    }

    /** Stops the probe; its lines (seq startMicros endMicros port ok|fail ...). */
    public List<String> stop() throws Exception {
        probe.getOutputStream().close();
        probe.waitFor(10, TimeUnit.SECONDS);
        reader.join(10_000);
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /**
     * Milliseconds from {@code fault} to the start of the first good request after the last failed one (0 when none
     * failed); -1 when no request succeeded after the last failure.
     */
    public static long recoveryMillis(List<String> lines, Instant fault) {
        long faultMicros = ChronoUnit.MICROS.between(Instant.EPOCH, fault);
        long lastFail = Long.MIN_VALUE;
        for (String l : lines) {
            String[] f = l.split(" ");
            if (f.length >= 5 && f[4].equals("fail")) lastFail = Math.max(lastFail, Long.parseLong(f[1]));
        }
        if (lastFail == Long.MIN_VALUE) return 0;
        // Lines come in the order requests ended, not started: the earliest start after the last failure.
        long first = Long.MAX_VALUE;
        for (String l : lines) {
            String[] f = l.split(" ");
            if (f.length >= 5 && f[4].equals("ok") && Long.parseLong(f[1]) > lastFail) first = Math.min(first, Long.parseLong(f[1]));
        }
        return first == Long.MAX_VALUE ? -1 : Math.max(0, (first - faultMicros) / 1000);
    }

    /** How many requests failed. */
    public static long failures(List<String> lines) {
        return lines.stream().filter(l -> l.split(" ").length >= 5 && l.split(" ")[4].equals("fail")).count();
    }

    @Override
    public void close() {
        probe.destroyForcibly();
    }
}
