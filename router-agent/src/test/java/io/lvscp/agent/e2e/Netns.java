package io.lvscp.agent.e2e;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What every lab does inside its network namespaces: run a command, start a JVM program of the tests (a real
 * server, a client), and count who answered HTTP requests. The labs keep the namespaces and processes they made.
 */
public final class Netns {
    private Netns() {}

    /** Runs {@code argv} in namespace {@code ns}; its output, or an exception naming the command when it fails. */
    public static String run(String ns, String... argv) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(argv));
        return NetnsLab.sh(full.toArray(String[]::new));
    }

    /**
     * A JVM in {@code ns} running {@code main} from the test classpath. Tiered compilation stops at C1 and the GC is
     * the serial one: these programs live for seconds, and several share two cores with an emulated router.
     */
    public static ProcessBuilder java(String ns, Class<?> main, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), main.getName()));
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv).redirectErrorStream(true);
    }

    /** Starts {@code main} in {@code ns} and returns once it printed "ready" (every server of the tests does). */
    public static Process start(String ns, Class<?> main, String... args) throws Exception {
        Process p = java(ns, main, args).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(line)) {
            p.destroyForcibly();
            throw new IllegalStateException(main.getSimpleName() + " " + String.join(" ", args) + " in " + ns + " did not start: " + line);
        }
        return p;
    }

    /** {@code count} requests from {@code ns} to host:port with {@link HttpProbe}: answers by server name, plus "failed". */
    public static Map<String, Integer> probe(String ns, String host, int port, int count) throws Exception {
        Process p = java(ns, HttpProbe.class, host, String.valueOf(port), String.valueOf(count)).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("probe of " + host + ":" + port + " did not finish");
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (String part : out.substring(out.lastIndexOf('\n') + 1).split(" ")) {
            String[] kv = part.split("=");
            if (kv.length != 2) throw new IllegalStateException("probe printed: " + out);
            counts.put(kv[0], Integer.parseInt(kv[1]));
        }
        return counts;
    }
}
