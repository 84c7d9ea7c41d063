package io.lvscp.agent.vm;

import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Runs commands inside a throw-away qemu VM (TCG), built by {@code src/test/vm/build-ipvs-vm.sh}, whose /init runs
 * each line it reads on a serial console in a fresh {@code sh -c}. The VM has four consoles (ttyS0 on qemu's stdio,
 * ttyS1-3 on named pipes), each a conversation of its own, so up to four commands run at once, as on a router: an
 * agent's {@code arping -c 3} (2 s) must not hold up the addresses it announces.
 * <p>
 * A serial console carries text lines, not argument vectors, so this is the one place where lvscp's commands meet
 * a shell. Nothing of a command travels as console text: the command, each argument single-quoted, and its stdin
 * travel gzipped and base64-encoded (in the one line of the VM's {@code lvscp-run} when they fit, else into files one
 * short line at a time), so only base64 and this class's own fixed words are ever typed. Each line ends by echoing a
 * marker with a per-VM random nonce and its exit status, and waits for it before the next line goes (the guest's
 * serial port has no flow control); output comes back the same way encoded, so it can never look like a marker.
 * Every wait is bounded.
 */
public final class QemuVm implements CommandRunner, AutoCloseable {
    private static final String READY = "LVSCP-VM-READY";
    private static final String CONSOLE_READY = "LVSCP-CONSOLE-READY";
    private static final String BOOT_FAILED = "LVSCP-VM-FAILED";
    /** Base64 characters per console line: well below the 4096-byte buffer of the guest's tty. */
    private static final int CHUNK = 2048;
    private static final int EXTRA_CONSOLES = 3;
    /** The characters of the lines this class types: base64 and a few fixed shell commands. */
    private static final Pattern SAFE_LINE = Pattern.compile("[A-Za-z0-9+/=_.:&|<> -]*");

    private final Process qemu;
    private final StringBuilder qemuErrors = new StringBuilder();
    private final String nonce = newNonce();
    private final Duration commandTimeout;
    private final String where;
    private final Path pipes;
    private final Console main;
    /** Free consoles, in the order they were freed: a command waits its turn, none overtakes. */
    private final BlockingQueue<Console> free = new ArrayBlockingQueue<>(1 + EXTRA_CONSOLES, true);
    private final List<Console> all = new ArrayList<>();
    /** Where PATH found each program, looked up once per VM: an emulated process costs milliseconds. */
    private final java.util.Map<String, String> paths = new java.util.concurrent.ConcurrentHashMap<>();
    /** Stops qemu if the JVM ends without close(), e.g. when a test run is interrupted. */
    private final Thread killAtExit;

    private QemuVm(Process qemu, Duration commandTimeout, String where, Path pipes) {
        this.qemu = qemu;
        this.commandTimeout = commandTimeout;
        this.where = where;
        this.pipes = pipes;
        this.killAtExit = new Thread(qemu::destroyForcibly, "qemu-kill-at-exit");
        Runtime.getRuntime().addShutdownHook(killAtExit);
        this.main = new Console(0, qemu.getInputStream(), qemu.getOutputStream());
        pump(qemu.getErrorStream(), qemuErrors, "qemu-stderr", () -> { });
    }

    private static String newNonce() {
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The kernel and initramfs that build-ipvs-vm.sh made. */
    public record Image(Path kernel, Path initrd) {
        /**
         * This image with the archive {@code archive} (beside its initrd; build-ipvs-vm.sh makes initrd-keepalived.gz)
         * unpacked over its root: the kernel unpacks concatenated initramfs archives one after the other.
         */
        public Image with(String archive) {
            Path extra = initrd.resolveSibling(archive);
            Path both = initrd.resolveSibling("initrd+" + archive);
            try (var out = Files.newOutputStream(both)) {
                Files.copy(initrd, out);
                Files.copy(extra, out);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make " + both + " from " + initrd + " and " + extra, e);
            }
            return new Image(kernel, both);
        }
    }

    /**
     * A virtio-net card of the VM, backed by the tap device {@code tap}, which the caller has made (with {@code ip
     * tuntap add TAP mode tap}) in the network namespace qemu runs in. The guest sees the cards as eth0, eth1, ... in
     * the order given.
     */
    public record Nic(String tap, String mac) {}

    /** Boots the VM and waits until its /init is ready for commands. */
    public static QemuVm boot(Image image, Duration bootTimeout, Duration commandTimeout) {
        return boot(image, bootTimeout, commandTimeout, null, List.of());
    }

    /**
     * Boots the VM with network cards, qemu running in network namespace {@code netns} (null: this process's), so
     * that the taps, and every packet the VM sends, stay in namespaces the caller made.
     */
    public static QemuVm boot(Image image, Duration bootTimeout, Duration commandTimeout, String netns, List<Nic> nics) {
        Path pipes;
        try {
            pipes = Files.createTempDirectory("lvscp-vm-console");
            for (int i = 1; i <= EXTRA_CONSOLES; i++) {
                for (String end : List.of(".in", ".out")) {
                    Process mk = new ProcessBuilder("mkfifo", pipes.resolve("c" + i + end).toString()).redirectErrorStream(true).start();
                    if (mk.waitFor() != 0) throw new IllegalStateException("mkfifo failed: " + new String(mk.getInputStream().readAllBytes()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        List<String> argv = new ArrayList<>();
        if (netns != null) argv.addAll(List.of("ip", "netns", "exec", netns));
        argv.addAll(List.of("qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "256",
                "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
                "-append", "console=ttyS0 panic=-1 quiet",
                // No default devices: no network card but those asked for, no monitor multiplexed into the console
                // (whose Ctrl-A escapes would otherwise be live), just the serial ports: ttyS0 on stdio, the others
                // on named pipes (PATH.in to the guest, PATH.out from it).
                "-nodefaults", "-nographic", "-serial", "stdio", "-monitor", "none", "-no-reboot"));
        for (int i = 1; i <= EXTRA_CONSOLES; i++) argv.addAll(List.of("-serial", "pipe:" + pipes.resolve("c" + i)));
        for (int i = 0; i < nics.size(); i++) {
            Nic nic = nics.get(i);
            argv.addAll(List.of("-netdev", "tap,id=n" + i + ",ifname=" + nic.tap() + ",script=no,downscript=no",
                    "-device", "virtio-net-pci,netdev=n" + i + ",mac=" + nic.mac()));
        }
        Process p;
        try {
            p = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start qemu-system-x86_64 (Debian package qemu-system-x86): " + e.getMessage(), e);
        }
        QemuVm vm = new QemuVm(p, commandTimeout, "qemu VM (" + image.kernel() + ")", pipes);
        try {
            vm.awaitBoot(bootTimeout);
            vm.openConsoles(bootTimeout);
            for (Console c : vm.all) c.must("true");
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
        return vm;
    }

    private void openConsoles(Duration timeout) {
        all.add(main);
        for (int i = 1; i <= EXTRA_CONSOLES; i++) {
            try {
                // qemu holds both ends of each pipe open (O_RDWR), so neither open blocks.
                InputStream in = Files.newInputStream(pipes.resolve("c" + i + ".out"));
                OutputStream out = Files.newOutputStream(pipes.resolve("c" + i + ".in"));
                Console c = new Console(i, in, out);
                c.await(Pattern.compile(Pattern.quote(CONSOLE_READY) + "\r?\n"), timeout, "console " + i + " of the VM");
                all.add(c);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open console " + i + " of the VM", e);
            }
        }
        free.addAll(all);
    }

    /**
     * Runs the build script, which reuses an image it built before. Fails with the script's output when the image
     * cannot be made, so a missing tool or package names itself.
     */
    public static Image buildImage(Path script, Path outDir, Duration timeout) {
        try {
            Path log = Files.createTempFile("build-ipvs-vm", ".log");
            Process p = new ProcessBuilder("bash", script.toString(), outDir.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) p.destroyForcibly();
            String output = Files.readString(log);
            Files.delete(log);
            if (!done || p.exitValue() != 0) {
                throw new IllegalStateException(script + (done ? " exited " + p.exitValue() : " timed out") + ":\n" + output);
            }
            return new Image(Path.of(value(output, "kernel")), Path.of(value(output, "initrd")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the VM image", e);
        }
    }

    private static String value(String output, String key) {
        Matcher m = Pattern.compile("(?m)^" + key + "=(.+)$").matcher(output);
        if (!m.find()) throw new IllegalStateException("the VM build printed no " + key + "= line:\n" + output);
        return m.group(1).strip();
    }

    /** On the first free console, in turn. */
    @Override
    public CommandResult run(List<String> argv, String stdin) {
        if (argv.isEmpty()) throw new IllegalArgumentException("empty argv");
        Console c;
        try {
            c = free.poll(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a console of the VM", e);
        }
        if (c == null) throw new IllegalStateException("no console of the VM was free within " + commandTimeout.toSeconds() + " s");
        try {
            return c.run(argv, stdin);
        } finally {
            free.add(c);
        }
    }

    /**
     * One argument for the VM's sh: single-quoted, with each embedded quote closed, escaped and reopened. Inside
     * single quotes sh gives no character a meaning, so no argument can become code.
     */
    static String quote(String arg) {
        if (arg.indexOf('\0') >= 0) throw new IllegalArgumentException("an argument cannot hold a NUL byte");
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(gzip(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String decode(String b64) {
        byte[] gz = Base64.getMimeDecoder().decode(b64.strip());
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable output from the VM", e);
        }
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private record Reply(String output, int status) {}

    /** What a console showed before a marker, and the marker's status group when it has one. */
    private record Found(String before, String status) {}

    private void awaitBoot(Duration timeout) {
        String boot = main.await(Pattern.compile(Pattern.quote(READY) + "\r?\n"), timeout, "the VM to boot").before();
        if (boot.contains(BOOT_FAILED)) throw new IllegalStateException("the VM booted with errors:\n" + boot);
    }

    /** One serial console of the VM: one conversation, one command at a time, in its own directory /tmp/qN. */
    private final class Console {
        private final int index;
        private final OutputStream out;
        private final StringBuilder transcript = new StringBuilder();
        private int consumed;
        private long sequence;
        private volatile boolean ended;

        Console(int index, InputStream in, OutputStream out) {
            this.index = index;
            this.out = out;
            pump(in, transcript, "qemu-console-" + index, () -> ended = true);
        }

        CommandResult run(List<String> argv, String stdin) {
            List<String> quoted = new ArrayList<>();
            for (String arg : argv.subList(1, argv.size())) quoted.add(quote(arg));
            // Debian's busybox sh runs its own applet for a bare name whatever PATH says, so "ip" would be busybox's
            // (no -j) and not iproute2's: the program is run by the path PATH gives it.
            String program = quote(argv.get(0));
            String path = paths.get(argv.get(0));
            String script = path != null ? "exec " + quote(path) + " " + String.join(" ", quoted) + "\n"
                    : "p=$(which " + program + ") || { echo " + program + ": not found in the VM >&2; exit 127; }\n"
                    + "echo \"$p\" >&2\n" + "exec \"$p\" " + String.join(" ", quoted) + "\n";
            String text = stdin == null ? "" : stdin;
            // Small commands go plain, in one line (fewer processes in the VM); big ones gzipped, uploaded first.
            String plainCmd = Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_8));
            String plainIn = Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
            boolean plain = plainCmd.length() + plainIn.length() <= CHUNK;
            Reply ran;
            if (plain) {
                ran = exchange("lvscp-run " + index + " p " + plainCmd + " " + (plainIn.isEmpty() ? "_" : plainIn));
            } else {
                must("lvscp-prep " + index);
                upload(encode(script), "/tmp/q" + index + "/cmd.b64");
                upload(encode(text), "/tmp/q" + index + "/in.b64");
                ran = exchange("lvscp-run " + index + " z - -");
            }
            if (ran.status() == 125) throw new IllegalStateException("the VM could not set up " + argv + ": " + ran.output());
            String[] parts = ran.output().split("(?m)^\\.\r?\n", -1);
            if (parts.length < 3) throw new IllegalStateException("unexpected reply from the VM to " + argv + ": " + ran.output());
            String out = plain ? new String(Base64.getMimeDecoder().decode(parts[0].strip()), StandardCharsets.UTF_8) : decode(parts[0]);
            String err = plain ? new String(Base64.getMimeDecoder().decode(parts[1].strip()), StandardCharsets.UTF_8) : decode(parts[1]);
            if (path == null && ran.status() != 127) {
                // The script printed where it found the program as its first line of stderr: next time, no lookup.
                int nl = err.indexOf('\n');
                if (nl > 0 && err.startsWith("/")) {
                    paths.putIfAbsent(argv.get(0), err.substring(0, nl));
                    err = err.substring(nl + 1);
                }
            }
            return new CommandResult(List.copyOf(argv), ran.status(), out, err);
        }

        private void upload(String b64, String file) {
            for (int i = 0; i < b64.length(); i += CHUNK) {
                must("echo " + b64.substring(i, Math.min(b64.length(), i + CHUNK)) + " >>" + file);
            }
        }

        /** A line of this class's own plumbing, which must succeed: its output. */
        String must(String line) {
            Reply r = exchange(line);
            if (r.status() != 0) {
                throw new IllegalStateException("'" + abbreviate(line) + "' failed in the VM (" + r.status() + "): " + r.output());
            }
            return r.output();
        }

        /** Types one line and waits for its marker: what it printed before the marker, and its exit status. */
        Reply exchange(String line) {
            if (!SAFE_LINE.matcher(line).matches()) throw new IllegalArgumentException("not a line this class types: " + line);
            long seq = ++sequence;
            // The typed text holds "$?" where the printed marker holds digits, so an echo of the line never matches.
            String tag = "@@" + nonce + "-" + index + "-" + seq + ":";
            send(line + "; echo \"" + tag + "$?@@\"\n");
            Found f = await(Pattern.compile(Pattern.quote(tag) + "(?<status>\\d+)@@\n"), commandTimeout,
                    "the reply to '" + abbreviate(line) + "'");
            return new Reply(f.before(), Integer.parseInt(f.status()));
        }

        /** Waits until the console shows {@code marker} after what was consumed; group "before" is the text before it. */
        Found await(Pattern marker, Duration timeout, String what) {
            Pattern p = Pattern.compile("(?<before>(?s:.*?))" + marker.pattern());
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (transcript) {
                while (true) {
                    Matcher m = p.matcher(transcript).region(consumed, transcript.length());
                    if (m.lookingAt()) {
                        Found found = new Found(m.group("before"), marker.pattern().contains("(?<status>") ? m.group("status") : null);
                        // What was read is never looked at again: the transcript of a long-running VM stays small.
                        transcript.delete(0, m.end());
                        consumed = 0;
                        return found;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || ended) {
                        String why = ended ? "qemu exited" : "timed out after " + timeout.toSeconds() + " s";
                        throw new IllegalStateException(why + " waiting for " + what + "; console " + index + " tail:\n" + tail(transcript)
                                + "\nqemu stderr:\n" + tail(qemuErrors));
                    }
                    try {
                        transcript.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for " + what, e);
                    }
                }
            }
        }

        private void send(String text) {
            try {
                out.write(text.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write to console " + index + " of the VM; qemu stderr:\n" + tail(qemuErrors), e);
            }
        }
    }

    /** Copies a stream of qemu's into a buffer, waking whoever waits on it; {@code atEnd} runs under its lock at EOF. */
    private static void pump(InputStream in, StringBuilder into, String name, Runnable atEnd) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (into) {
                        // ISO-8859-1 maps each byte to one char, so offsets never split a character.
                        into.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        into.notifyAll();
                    }
                }
            } catch (IOException e) {
                // The stream broke: qemu is gone, which atEnd tells the waiters.
            } finally {
                synchronized (into) {
                    atEnd.run();
                    into.notifyAll();
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    private static String tail(StringBuilder b) {
        synchronized (b) {
            return b.substring(Math.max(0, b.length() - 2000));
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 80 ? line : line.substring(0, 77) + "...";
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killAtExit);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook stops qemu.
        }
        qemu.destroy();
        try {
            for (int i = 1; i <= EXTRA_CONSOLES; i++) {
                Files.deleteIfExists(pipes.resolve("c" + i + ".in"));
                Files.deleteIfExists(pipes.resolve("c" + i + ".out"));
            }
            Files.deleteIfExists(pipes);
        } catch (IOException e) {
            // best effort: a temporary directory
        }
        try {
            if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
                qemu.destroyForcibly();
                qemu.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            qemu.destroyForcibly();
        }
    }
}
