package io.lvscp.agent.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs commands as child processes, optionally behind a fixed prefix such as {@code ip netns exec NAME}, with a
 * timeout. Every command it runs is offered to an observer first (the tests read the exact argv from it).
 */
public final class ProcessRunner implements CommandRunner {
    /**
     * The readers of child processes' output: threads of their own, one per stream while it is read. Not the common
     * pool, which is for short CPU work: a reader blocks for as long as its command runs, and with the pool's few
     * threads (cores - 1) taken by the readers of slow commands, the stderr reader of the next one would wait, and a
     * command that fills its stderr pipe first would stall until its timeout. (Below two, the JDK gives each task a
     * thread of its own anyway, which is why a two-core router never showed it.)
     */
    private static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "process-output");
        t.setDaemon(true);
        return t;
    });

    private final List<String> prefix;
    private final Duration timeout;
    private final Consumer<List<String>> observer;

    public ProcessRunner(List<String> prefix, Duration timeout, Consumer<List<String>> observer) {
        this.prefix = List.copyOf(prefix);
        this.timeout = timeout;
        this.observer = observer == null ? argv -> { } : observer;
    }

    public static ProcessRunner local() {
        return new ProcessRunner(List.of(), Duration.ofSeconds(30), null);
    }

    public static ProcessRunner inNetns(String namespace) {
        return new ProcessRunner(List.of("ip", "netns", "exec", namespace), Duration.ofSeconds(30), null);
    }

    /** Every command behind a fixed argv prefix (nsenter, a relay to another kernel): the config's commandPrefix. */
    public static ProcessRunner behind(List<String> prefix) {
        return new ProcessRunner(prefix, Duration.ofSeconds(30), null);
    }

    public ProcessRunner observedBy(Consumer<List<String>> o) {
        return new ProcessRunner(prefix, timeout, o);
    }

    @Override
    public CommandResult run(List<String> argv, String stdin) {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(argv);
        observer.accept(List.copyOf(argv));
        try {
            Process p = new ProcessBuilder(full).redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))
                    : ProcessBuilder.Redirect.PIPE).start();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new CommandResult(argv, 124, "", "timed out after " + timeout.toSeconds() + " s");
            }
            return new CommandResult(argv, p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            return new CommandResult(argv, 127, "", "cannot run " + argv.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + argv.get(0), e);
        }
    }

    private static CompletableFuture<String> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                return new String(s.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, READERS);
    }

    @Override
    public String where() {
        return prefix.isEmpty() ? "this host" : String.join(" ", prefix);
    }
}
