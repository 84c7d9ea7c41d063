package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.api.model.ConnectionSync;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's IPVS connection sync daemons on this router. Both roles run at once on both routers of a pair
 * (the kernel allows it since 2.6.x): the master sends the connections its router handles, the backup takes in the
 * peer's, so neither has to be switched at a takeover, the moment they would be most needed. Level-based like the
 * table: {@link #read()} says what runs, {@link #apply} makes it what is wanted.
 */
public final class IpvsSyncDaemon {
    /** One running daemon, as {@code ipvsadm -L --daemon} prints it. */
    public record Daemon(String role, String device, int syncId) {}

    // ipvsadm 1.31 goes on with ", maxlen=..., group=..., port=..., ttl=..." where the kernel reports them.
    private static final Pattern LINE = Pattern.compile("(master|backup) sync daemon \\(mcast=([^,]+), syncid=(\\d+)[,)].*");
    private final CommandRunner runner;

    public IpvsSyncDaemon(CommandRunner runner) {
        this.runner = runner;
    }

    public List<Daemon> read() {
        List<Daemon> out = new ArrayList<>();
        for (String line : runner.run(List.of("ipvsadm", "-L", "--daemon")).orThrow().stdout().split("\n")) {
            Matcher m = LINE.matcher(line.strip());
            if (m.matches()) out.add(new Daemon(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
        }
        return out;
    }

    /** The daemons that {@code wanted} (null: none) means. */
    public static List<Daemon> wanted(ConnectionSync wanted) {
        if (wanted == null) return List.of();
        ConnectionSync w = wanted.withDefaults();
        return List.of(new Daemon("master", w.device(), w.syncId()), new Daemon("backup", w.device(), w.syncId()));
    }

    /**
     * Starts, restarts or stops daemons until {@code read()} equals {@link #wanted}; what it did, one line each
     * (none when they already ran as wanted).
     */
    public List<String> apply(ConnectionSync wanted) {
        List<Daemon> want = wanted(wanted);
        List<Daemon> have = read();
        List<String> changes = new ArrayList<>();
        for (Daemon d : have) {
            if (!want.contains(d)) {
                runner.run(List.of("ipvsadm", "--stop-daemon", d.role())).orThrow();
                changes.add("stopped the " + d.role() + " sync daemon (" + d.device() + ", sync id " + d.syncId() + ")");
            }
        }
        for (Daemon d : want) {
            if (!have.contains(d)) {
                runner.run(List.of("ipvsadm", "--start-daemon", d.role(), "--mcast-interface", d.device(),
                        "--syncid", String.valueOf(d.syncId()))).orThrow();
                changes.add("started the " + d.role() + " sync daemon (" + d.device() + ", sync id " + d.syncId() + ")");
            }
        }
        return changes;
    }
}
