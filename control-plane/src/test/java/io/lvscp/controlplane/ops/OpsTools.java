package io.lvscp.controlplane.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the operations tests share (the router agent's use it too, through the test jar): the repository's root,
 * promtool, scraping, and reading metric names out of an exposition or a PromQL expression.
 */
public final class OpsTools {
    public static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    public static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private OpsTools() {}

    /** The repository's root: the parent of openapi.yaml, which surefire names for every module. */
    public static Path repo() {
        Path spec = Path.of(System.getProperty("lvscp.openapi", "../openapi.yaml")).toAbsolutePath().normalize();
        Path root = spec.getParent();
        assertTrue(Files.isDirectory(root.resolve("deploy")), "no deploy/ folder in " + root);
        return root;
    }

    /** A tool the tests need; a missing one fails the test with what to install, never skips it. */
    public static Path require(Path tool) {
        if (!Files.isExecutable(tool)) {
            fail(tool + " is missing: install the Debian package 'prometheus' (apt-get install prometheus); .ci/run does");
        }
        return tool;
    }

    public record Result(int exit, String output) {}

    /** Runs a command with a bounded wait, stdin from a string (or nothing), stdout and stderr together. */
    public static Result run(List<String> argv, String stdin, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        if (dir != null) pb.directory(dir.toFile());
        Process p = pb.start();
        try {
            if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            // Output is small (tool reports); reading to the end ends when the process does.
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) fail(argv + " did not finish within 60 s");
            return new Result(p.exitValue(), out);
        } finally {
            p.destroyForcibly();
        }
    }

    /** promtool check metrics on an exposition: passes only with exit 0 and no complaint at all. */
    public static void assertPromtoolAccepts(String exposition, String what) throws Exception {
        Result r = run(List.of(require(PROMTOOL).toString(), "check", "metrics"), exposition, null);
        if (r.exit() != 0 || !r.output().isBlank()) {
            fail("promtool check metrics on " + what + " (exit " + r.exit() + "):\n" + r.output());
        }
    }

    public static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("GET " + url + " answered " + r.statusCode() + ": " + r.body());
        return r.body();
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{|\\s)");

    /** The names of the samples of an exposition: {@code x_bucket}, {@code x_count}, {@code x_sum} as they appear. */
    public static Set<String> sampleNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#")) continue;
            Matcher m = SAMPLE.matcher(line);
            if (m.find()) names.add(m.group(1));
        }
        return names;
    }

    private static final Pattern IDENT = Pattern.compile("(?<![A-Za-z0-9_:\"'.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![A-Za-z0-9_:])");
    private static final Set<String> PROMQL_WORDS = Set.of("sum", "min", "max", "avg", "count", "by", "without", "on", "ignoring",
            "group_left", "group_right", "and", "or", "unless", "rate", "irate", "increase", "delta", "histogram_quantile", "le",
            "absent", "absent_over_time", "changes", "resets", "time", "vector", "scalar", "bool", "offset", "clamp_min", "clamp_max",
            "max_over_time", "min_over_time", "avg_over_time", "label_replace", "topk", "bottomk", "deriv", "abs", "sort", "sort_desc",
            "count_values", "quantile", "stddev", "group", "inf", "nan", "up", "ceil", "floor", "round", "timestamp");

    /**
     * The metric names a PromQL expression reads: every identifier that is not a function, keyword, label name
     * (inside braces or after by/on/...) or string. Good enough for the expressions of this repository's rules
     * and dashboard; a test of it keeps it honest.
     */
    public static Set<String> metricNamesIn(String promql) {
        String s = promql.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")            // strings
                .replaceAll("\\{[^}]*}", "{}")                                          // label matchers
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "$1()") // label lists
                .replaceAll("\\[[^\\]]*]", "[]")                                        // ranges
                .replaceAll("\\$[A-Za-z_]+", "")                                        // Grafana variables
                .replaceAll("\\b\\d+(\\.\\d+)?(e[+-]?\\d+)?[smhdwy]?\\b", "0");        // numbers and durations
        Set<String> out = new TreeSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            String id = m.group(1);
            int after = m.end();
            while (after < s.length() && s.charAt(after) == ' ') after++;
            boolean call = after < s.length() && s.charAt(after) == '(';
            if (call || PROMQL_WORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) continue;
            out.add(id);
        }
        return out;
    }

    /** The exposition's base names: a histogram's {@code x_bucket} etc. also count as {@code x}. */
    public static Set<String> withBaseNames(Set<String> sampleNames) {
        List<String> extra = new ArrayList<>();
        for (String n : sampleNames) {
            for (String suffix : List.of("_bucket", "_count", "_sum", "_max")) {
                if (n.endsWith(suffix)) extra.add(n.substring(0, n.length() - suffix.length()));
            }
        }
        Set<String> out = new TreeSet<>(sampleNames);
        out.addAll(extra);
        return out;
    }
}
