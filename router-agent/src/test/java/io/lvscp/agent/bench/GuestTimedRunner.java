package io.lvscp.agent.bench;

import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.vm.QemuVm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link CommandRunner} into the IPVS VM that keeps the serial console out of the timing. The console carries
 * about 10 kB/s inwards, so {@link QemuVm#run} on a 5 MB {@code ipvsadm -R} script spends most of its time typing
 * base64; what a router would spend is the command's own run. Each command therefore goes in three steps:
 * <ol>
 *   <li><b>stage</b>: its stdin is copied into a guest file ({@code /stage/in}) through the console; skipped when
 *       that file already holds the same text;</li>
 *   <li><b>run</b>: one guest shell reads the kernel's monotonic clock ({@code now at N nsecs} in
 *       {@code /proc/timer_list}, read with the shell's own {@code read}, no process), runs the command with its
 *       stdin from the file and its output into files, reads the clock again and prints the exit status and both
 *       readings (and the command's stderr, after the second reading); the calibrated cost of the two clock reads (no command between them) is subtracted;</li>
 *   <li><b>fetch</b>: stdout and stderr come back through the console.</li>
 * </ol>
 * Every call is recorded: the guest time of the command, and separately the host wall time of the three steps.
 * busybox's {@code date} has no {@code %N} and {@code time} counts in 10 ms steps, hence the timer list.
 */
final class GuestTimedRunner implements CommandRunner {
    /** One command: its guest run time, and the console transfer around it (host wall time of each step). */
    record Call(List<String> argv, int stdinBytes, int stdoutBytes, long guestNanos, long stageNanos, long runNanos, long fetchNanos) {
        /** Host wall time spent in the VM calls: the console transfer and the guest's run together. */
        long vmNanos() {
            return stageNanos + runNanos + fetchNanos;
        }

        /** The console alone: the calls' host wall time less the command's own run in the guest. */
        long transferNanos() {
            return vmNanos() - guestNanos;
        }
    }

    private static final String CLOCK = "{ read -r x; read -r x; read -r x y t z; } </proc/timer_list";
    /** $1 is the stdin file; the command is the rest. Prints "status t0 t1". */
    private static final String TIMED = "in=$1; shift; " + CLOCK + "; t0=$t; \"$@\" <\"$in\" >/stage/out 2>/stage/err; rc=$?; "
            + CLOCK + "; echo \"$rc $t0 $t\"; cat /stage/err >&2";

    private final QemuVm vm;
    private final List<Call> calls = new ArrayList<>();
    private String staged;
    private long clockOverheadNanos;

    GuestTimedRunner(QemuVm vm) {
        this.vm = vm;
        vm.run(List.of("mkdir", "-p", "/stage")).orThrow();
        long[] samples = new long[7];
        for (int i = 0; i < samples.length; i++) samples[i] = timed("/dev/null", List.of(":")).guestNanos;
        Arrays.sort(samples);
        clockOverheadNanos = samples[samples.length / 2];
    }

    long clockOverheadNanos() {
        return clockOverheadNanos;
    }

    @Override
    public synchronized CommandResult run(List<String> argv, String stdin) {
        long stage = stdin == null ? 0 : stage(stdin);
        Timed t = timed(stdin == null ? "/dev/null" : "/stage/in", argv);
        long f0 = System.nanoTime();
        CommandResult out = vm.run(List.of("sh", "-c", "cat /stage/out; cat /stage/err >&2")).orThrow();
        long fetch = System.nanoTime() - f0;
        calls.add(new Call(List.copyOf(argv), stdin == null ? 0 : stdin.length(), out.stdout().length(), t.guestNanos, stage, t.runNanos, fetch));
        return new CommandResult(List.copyOf(argv), t.status, out.stdout(), out.stderr());
    }

    /** Copies the file the last command read its stdin from, so a raw run can read the very same bytes. */
    void keepStdinAs(String file) {
        vm.run(List.of("cp", "/stage/in", file)).orThrow();
    }

    /** A command of the benchmark's own (raw ipvsadm, a clear), timed the same way, stdin from a guest file; not recorded. */
    Timed guest(String stdinFile, List<String> argv) {
        return timed(stdinFile, argv);
    }

    /** Plain text from the guest (meminfo and such), untimed. */
    String text(String shell) {
        return vm.run(List.of("sh", "-c", shell)).orThrow().stdout();
    }

    List<Call> drain() {
        List<Call> out = List.copyOf(calls);
        calls.clear();
        return out;
    }

    private long stage(String stdin) {
        if (stdin.equals(staged)) return 0;
        long s0 = System.nanoTime();
        vm.run(List.of("sh", "-c", "cat >/stage/in"), stdin).orThrow();
        staged = stdin;
        return System.nanoTime() - s0;
    }

    record Timed(int status, long guestNanos, long runNanos, String stderr) {}

    private Timed timed(String stdinFile, List<String> argv) {
        List<String> a = new ArrayList<>(List.of("sh", "-c", TIMED, "sh", stdinFile));
        a.addAll(argv);
        long r0 = System.nanoTime();
        CommandResult r = vm.run(a).orThrow();
        long run = System.nanoTime() - r0;
        String[] f = r.stdout().strip().split(" ");
        if (f.length != 3) throw new IllegalStateException("unexpected timing output from the guest: " + r.stdout());
        long guest = Long.parseLong(f[2]) - Long.parseLong(f[1]) - clockOverheadNanos;
        return new Timed(Integer.parseInt(f[0]), Math.max(0, guest), run, r.stderr());
    }

    @Override
    public String where() {
        return vm.where() + ", timed in the guest";
    }
}
