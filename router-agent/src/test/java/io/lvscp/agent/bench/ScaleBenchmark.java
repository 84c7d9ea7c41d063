package io.lvscp.agent.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lvscp.agent.Agent;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.DataplaneDriver;
import io.lvscp.agent.dataplane.DesiredTable;
import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.dataplane.ipvs.IpvsDriver;
import io.lvscp.agent.dataplane.ipvs.IpvsadmSaveParser;
import io.lvscp.agent.dataplane.nft.NftablesDriver;
import io.lvscp.agent.e2e.NetnsLab;
import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.agent.metrics.AgentMetrics;
import io.lvscp.agent.reconcile.Changes;
import io.lvscp.agent.reconcile.OwnedServices;
import io.lvscp.agent.reconcile.Reconciler;
import io.lvscp.agent.state.StateStore;
import io.lvscp.agent.vm.QemuVm;
import io.lvscp.api.event.ClusterEvent;
import io.lvscp.api.event.ClusterEvents;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.ClusterSettings;
import io.lvscp.api.model.ClusterState;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.Router;
import io.lvscp.api.model.RoutingMethod;
import io.lvscp.api.model.VirtualServerSpec;
import io.lvscp.api.stream.StreamMessage;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.ByteArrayOutputStream;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.slf4j.LoggerFactory;

/**
 * Scale: a NAT cluster of N virtual servers with R real servers each (default N = 100, 1,000, 10,000 and R = 10; wrr,
 * masq, real servers on port 8080), as the control plane would hold it after the REST writes that made it. Not a test:
 * run it by hand, see docs/benchmarks-agent.md for the command and a reading of the figures. Parts, each optional
 * ({@code -Dbench.parts=sizes,java,nft,ipvs,stream}):
 * <ul>
 *   <li>{@code sizes}: the JSON of the {@code StreamMessage.Snapshot} the control plane would send, of a one-weight
 *       {@code StreamMessage.Delta}, and of the state file the agent saves; what parsing, folding and saving cost;</li>
 *   <li>{@code java}: the agent's own (JVM) work per pass, with a runner that runs nothing: a full pass and a one-change
 *       pass through the real {@link Reconciler} and driver, plus {@link StateStore#save}, which the agent does after
 *       every applied revision;</li>
 *   <li>{@code nft}: the nftables driver in a network namespace (root, nft), through {@code ProcessRunner.inNetns} and its
 *       30 s per command; a step that times out is reported and repeated with a 10-minute runner to show its real time;</li>
 *   <li>{@code ipvs}: the ipvs driver in the qemu VM with a real IPVS kernel (TCG, no KVM), side by side with a raw
 *       {@code ipvsadm -R} of the very same script, each full apply in a freshly booted VM; commands are timed inside
 *       the guest ({@link GuestTimedRunner}) and the serial-console transfer is reported apart;</li>
 *   <li>{@code stream}: whether a real control plane can deliver a snapshot of a bigger cluster to a real agent over the
 *       real WebSocket (clusters made through the REST API), and whether it records big reports from an agent.</li>
 * </ul>
 * Properties: {@code bench.sizes} (100,1000,10000), {@code bench.realServers} (10), {@code bench.changes} (20: one-change
 * passes per size), {@code bench.rounds} (3: full applies per size and system), {@code bench.streamSizes} (150,300:
 * virtual servers of the two stream clusters), {@code bench.moduleDir} (router-agent, to find the VM build script).
 */
public final class ScaleBenchmark {
    private static final ObjectReader STREAM_READER = Json.mapper().readerFor(StreamMessage.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final int WS_MAX_MESSAGE = 262_144; // Vert.x's default max WebSocket message size (4 x 65536)

    private final List<Integer> sizes;
    private final int perService;
    private final int changes;
    private final int rounds;
    private final Map<Integer, ClusterState> states = new LinkedHashMap<>();

    private ScaleBenchmark(List<Integer> sizes, int perService, int changes, int rounds) {
        this.sizes = sizes;
        this.perService = perService;
        this.changes = changes;
        this.rounds = rounds;
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = ints(System.getProperty("bench.sizes", "100,1000,10000"));
        Set<String> parts = new LinkedHashSet<>(List.of(System.getProperty("bench.parts", "sizes,java,nft,ipvs,stream").split(",")));
        ScaleBenchmark b = new ScaleBenchmark(sizes, Integer.getInteger("bench.realServers", 10), Integer.getInteger("bench.changes", 20),
                Integer.getInteger("bench.rounds", 3));
        conditions();
        long t0 = System.nanoTime();
        for (int n : sizes) b.states.put(n, cluster(n, b.perService));
        System.out.printf("built the cluster states (events folded as the control plane folds them) in %.1f s%n%n", (System.nanoTime() - t0) / 1e9);
        if (parts.contains("sizes")) b.sizes();
        if (parts.contains("java")) b.java();
        if (parts.contains("nft")) b.nft();
        if (parts.contains("ipvs")) b.ipvs();
        if (parts.contains("stream")) b.stream(ints(System.getProperty("bench.streamSizes", "150,300")));
        System.out.printf("done; load average %s%n", loadavg());
    }

    // ---- the cluster ----------------------------------------------------------------------------------------------

    /** The state after the events the REST API would record: cluster, two routers, n virtual servers, r real servers each. */
    static ClusterState cluster(int services, int perService) {
        ClusterState s = ClusterState.absent("scale");
        s = s.apply(new ClusterEvents.ClusterCreated(read(ClusterSettings.class,
                "{\"name\":\"scale\",\"routingMethod\":\"nat\",\"natRouter\":{\"address\":\"10.0.0.254\",\"netmask\":\"255.0.0.0\",\"device\":\"eth1:1\"}}")
                .withDefaults("scale")));
        s = s.apply(new ClusterEvents.RouterEnrolled(read(Router.class,
                "{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.0.0.252\"}").withDefaults("lvs1")));
        s = s.apply(new ClusterEvents.RouterEnrolled(read(Router.class,
                "{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.0.0.253\"}").withDefaults("lvs2")));
        for (int i = 0; i < services; i++) {
            VirtualServerSpec spec = read(VirtualServerSpec.class, "{\"name\":\"" + vsName(i) + "\",\"address\":\"" + vip(i)
                    + "\",\"netmask\":\"255.255.0.0\",\"device\":\"eth0:1\",\"port\":80,\"scheduler\":\"wrr\"}").withDefaults(vsName(i));
            s = s.apply(new ClusterEvents.VirtualServerAdded(spec));
            for (int k = 0; k < perService; k++) {
                // JSON, not the constructor: the record gains fields (thresholds) and the REST body is what stays stable.
                RealServer rs = read(RealServer.class, "{\"name\":\"rs" + k + "\",\"address\":\"" + rip(i * perService + k) + "\",\"port\":8080}")
                        .withDefaults("rs" + k, 80, RoutingMethod.nat);
                s = s.apply(new ClusterEvents.RealServerAdded(vsName(i), rs));
            }
        }
        return s;
    }

    static String vsName(int i) {
        return "vs" + i;
    }

    /** 172.16.0.1 ... 172.16.39.250 for 10,000 services. */
    static String vip(int i) {
        return "172.16." + (i / 250) + "." + (i % 250 + 1);
    }

    /** 10.1.0.1 ... for real server j: distinct, never .0 or .255. */
    static String rip(int j) {
        return "10." + (1 + j / 62_500) + "." + (j / 250 % 250) + "." + (j % 250 + 1);
    }

    private static <T> T read(Class<T> type, String json) {
        try {
            return Json.mapper().readValue(json, type);
        } catch (IOException e) {
            throw new IllegalStateException(json, e);
        }
    }

    /** The event of one weight change on a random real server, to a weight it does not have. */
    private ClusterEvents.RealServerWeightChanged weightChange(ClusterState s, Random random) {
        int services = s.virtualServers().size();
        String vs = vsName(random.nextInt(services));
        String rs = "rs" + random.nextInt(perService);
        int now = s.virtualServers().get(vs).realServers().get(rs).weight();
        return new ClusterEvents.RealServerWeightChanged(vs, rs, now == 1 ? 2 : 1);
    }

    private List<ClusterState> changed(ClusterState base, int count, long seed) {
        Random random = new Random(seed);
        List<ClusterState> out = new ArrayList<>();
        ClusterState s = base;
        for (int i = 0; i < count; i++) {
            s = s.apply(weightChange(s, random));
            out.add(s);
        }
        return out;
    }

    // ---- sizes ----------------------------------------------------------------------------------------------------

    private void sizes() throws Exception {
        System.out.println("== sizes: what the control plane sends and the agent keeps (UTF-8 bytes of compact JSON, Json.mapper()) ==");
        System.out.printf("%-9s %-12s %13s %11s %12s %13s %13s %13s %12s %12s%n", "services", "destinations", "snapshot B", "gzip B",
                "delta B", "state file B", "parse snap", "fold delta", "save state", "write snap");
        List<long[]> points = new ArrayList<>();
        for (int n : sizes) {
            ClusterState s = states.get(n);
            String snapshot = Json.mapper().writeValueAsString(new StreamMessage.Snapshot(s.revision(), s));
            ClusterEvent e = weightChange(s, new Random(1));
            // As AgentGateway sends it: the stored event's JSON read back as a tree.
            StreamMessage.Delta delta = new StreamMessage.Delta(s.revision(), s.revision() + 1, List.of(new StreamMessage.Event(s.revision() + 1,
                    e.type(), Json.mapper().readTree(Json.mapper().writeValueAsString(e)))));
            String deltaJson = Json.mapper().writeValueAsString(delta);
            byte[] stateFile = Json.mapper().writeValueAsBytes(s);
            int reps = n >= 10_000 ? 5 : 20;
            Stats parse = Stats.time(reps, 2, () -> STREAM_READER.readValue(snapshot));
            Stats write = Stats.time(reps, 2, () -> Json.mapper().writeValueAsString(new StreamMessage.Snapshot(s.revision(), s)));
            Stats fold = Stats.time(200, 50, () -> fold(s, (StreamMessage.Delta) STREAM_READER.readValue(deltaJson)));
            Path dir = Files.createTempDirectory("lvscp-scale-state");
            StateStore store = new StateStore(dir);
            Stats save = Stats.time(reps, 2, () -> {
                store.save(s);
                return null;
            });
            Files.deleteIfExists(store.file());
            Files.deleteIfExists(dir);
            int bytes = snapshot.getBytes(StandardCharsets.UTF_8).length;
            points.add(new long[] {n, bytes});
            System.out.printf("%-9d %-12d %,13d %,11d %,12d %,13d %13s %13s %12s %12s%n", n, n * perService, bytes,
                    gzip(snapshot.getBytes(StandardCharsets.UTF_8)), deltaJson.getBytes(StandardCharsets.UTF_8).length, stateFile.length,
                    parse.median(), fold.median(), save.median(), write.median());
        }
        for (int n : sizes) {
            ServiceTable want = DesiredTable.from(states.get(n));
            String drift = Json.mapper().writeValueAsString(new StreamMessage.Drift(states.get(n).revision(), Changes.between(ServiceTable.EMPTY, want)));
            String stats = Json.mapper().writeValueAsString(new StreamMessage.Stats(n, n * perService, 0, counters(n * perService)));
            System.out.printf("  agent -> control plane at %d services: periodic Stats report with counters %,d B; Drift after the table was wiped %,d B%n",
                    n, stats.length(), drift.length());
        }
        System.out.println("  (times: median ms; parse = the agent's StreamClient reader on the snapshot text, fold = the agent's fold of the delta,");
        System.out.println("   save = StateStore.save (JSON + write + rename, no fsync), write = the control plane's serialisation of the snapshot)");
        if (points.size() >= 2) {
            long[] a = points.get(0), b = points.get(points.size() - 1);
            double perVs = (double) (b[1] - a[1]) / (b[0] - a[0]);
            double fixed = a[1] - perVs * a[0];
            System.out.printf("  %.0f bytes per virtual server with %d real servers (%.0f per real server incl. its share), %.0f bytes fixed%n",
                    perVs, perService, perVs / perService, fixed);
            System.out.printf("  a snapshot passes Vert.x's default WebSocket message limit (%,d bytes) from about %d virtual servers of %d real servers%n",
                    WS_MAX_MESSAGE, (long) Math.ceil((WS_MAX_MESSAGE - fixed) / perVs), perService);
        }
        System.out.println();
    }

    /** What Agent.fold does with a delta (it is private there). */
    private static ClusterState fold(ClusterState base, StreamMessage.Delta d) throws IOException {
        ClusterState s = base;
        for (StreamMessage.Event e : d.events()) s = s.apply(Json.mapper().treeToValue(e.data(), ClusterEvents.typeNamed(e.type())));
        return s;
    }

    private static long gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.size();
    }

    // ---- java: the agent's own work ---------------------------------------------------------------------------------

    /** A runner that runs nothing and answers "no output": the driver's JVM work alone. */
    private static class NullRunner implements CommandRunner {
        @Override
        public CommandResult run(List<String> argv, String stdin) {
            return new CommandResult(argv, 0, "", "");
        }

        @Override
        public String where() {
            return "nowhere";
        }
    }

    private void java() throws Exception {
        System.out.println("== java: the agent's JVM work per pass, no kernel (a runner that runs nothing); median / p90 ms ==");
        System.out.printf("%-9s %15s %17s %17s %17s %17s %17s %15s%n", "services", "DesiredTable", "full ipvs", "full nft",
                "1-change record", "1-change ipvs", "1-change nft", "save state");
        for (int n : sizes) {
            ClusterState s = states.get(n);
            int reps = changes;
            Stats from = Stats.time(reps, 5, () -> DesiredTable.from(s));
            Stats fullIpvs = Stats.time(Math.max(3, reps / 4), 2, () -> Reconciler.tableOnly(new IpvsDriver(new NullRunner()), new OwnedServices(null)).reconcile(s, true, true));
            Stats fullNft = Stats.time(Math.max(3, reps / 4), 2, () -> Reconciler.tableOnly(new NftablesDriver(new NullRunner()), new OwnedServices(null)).reconcile(s, true, true));
            Stats rec = oneChange(new RecordingDriver(), s, reps);
            Stats ipvs = oneChange(new IpvsDriver(new NullRunner()), s, reps);
            Stats nft = oneChange(new NftablesDriver(new NullRunner()), s, reps);
            Path dir = Files.createTempDirectory("lvscp-scale-state");
            StateStore store = new StateStore(dir);
            List<ClusterState> next = changed(s, reps + 5, 7);
            int[] i = {0};
            Stats save = Stats.time(reps, 5, () -> {
                store.save(next.get(i[0]++));
                return null;
            });
            Files.deleteIfExists(store.file());
            Files.deleteIfExists(dir);
            System.out.printf("%-9d %15s %17s %17s %17s %17s %17s %15s%n", n, from.mp(), fullIpvs.mp(), fullNft.mp(), rec.mp(), ipvs.mp(), nft.mp(), save.mp());
        }
        System.out.println("  DesiredTable = DesiredTable.from(state); full = Reconciler full pass from an empty kernel (from, unsupported(), read(), diff,");
        System.out.println("  script); 1-change = Reconciler pass for a revision that changed one weight (the agent's incremental path); save state =");
        System.out.println("  StateStore.save, which Agent does after every applied revision. The agent's one-change cost is the 1-change column of its");
        System.out.println("  driver plus save state plus the command itself.");
        System.out.println("-- where a one-change pass goes (median ms of each step, on the same inputs as the pass):");
        System.out.printf("%-9s %-8s %13s %13s %13s %13s %13s %13s%n", "services", "driver", "DesiredTable", "unsupported", "equals",
                "Changes", "apply", "whole pass");
        for (int n : sizes) {
            for (DataplaneDriver d : List.of(new IpvsDriver(new NullRunner()), new NftablesDriver(new NullRunner()))) breakdown(d, states.get(n));
        }
        System.out.println("  unsupported = driver.unsupported(desired); equals = have.equals(want), the Reconciler's test; Changes = Changes.between,");
        System.out.println("  the words for logs; apply = driver.apply(have, want) with a runner that runs nothing (the script's making). The whole pass");
        System.out.println("  also holds OwnedServices' bookkeeping, which cannot be timed apart from outside its package.");
        System.out.println();
    }

    private void breakdown(DataplaneDriver driver, ClusterState s) {
        int reps = changes;
        List<ClusterState> next = changed(s, reps + 5, 23);
        long[] from = new long[reps], unsupported = new long[reps], equals = new long[reps], words = new long[reps], apply = new long[reps];
        ServiceTable have = DesiredTable.from(s);
        for (int i = 0; i < reps + 5; i++) {
            ClusterState c = next.get(i);
            ServiceTable[] want = new ServiceTable[1];
            long f = wall(() -> want[0] = DesiredTable.from(c));
            long u = wall(() -> driver.unsupported(want[0]));
            ServiceTable h = have;
            long e = wall(() -> h.equals(want[0]));
            long w = wall(() -> Changes.between(h, want[0]));
            long a = wall(() -> {
                driver.apply(h, want[0]);
                return null;
            });
            if (i >= 5) {
                from[i - 5] = f;
                unsupported[i - 5] = u;
                equals[i - 5] = e;
                words[i - 5] = w;
                apply[i - 5] = a;
            }
            have = want[0];
        }
        Stats whole = oneChange(driver, s, reps);
        System.out.printf("%-9d %-8s %13s %13s %13s %13s %13s %13s%n", s.virtualServers().size(), driver.name(), Stats.of(from).median(),
                Stats.of(unsupported).median(), Stats.of(equals).median(), Stats.of(words).median(), Stats.of(apply).median(), whole.median());
    }

    private Stats oneChange(DataplaneDriver driver, ClusterState s, int reps) {
        Reconciler r = Reconciler.tableOnly(driver, new OwnedServices(null));
        r.reconcile(s, true, true);
        List<ClusterState> next = changed(s, reps + 5, 11);
        int[] i = {0};
        return Stats.time(reps, 5, () -> r.reconcile(next.get(i[0]++), true, false));
    }

    // ---- nftables in a namespace ------------------------------------------------------------------------------------

    /** Host wall time of every command a driver runs. */
    private static final class LocalTimedRunner implements CommandRunner {
        record Call(List<String> argv, int stdinBytes, int stdoutBytes, long nanos, int exit) {}

        private final CommandRunner target;
        private final List<Call> calls = new CopyOnWriteArrayList<>();

        LocalTimedRunner(CommandRunner target) {
            this.target = target;
        }

        @Override
        public CommandResult run(List<String> argv, String stdin) {
            long t0 = System.nanoTime();
            CommandResult r = target.run(argv, stdin);
            calls.add(new Call(List.copyOf(argv), stdin == null ? 0 : stdin.length(), r.stdout().length(), System.nanoTime() - t0, r.exitCode()));
            return r;
        }

        List<Call> drain() {
            List<Call> out = List.copyOf(calls);
            calls.clear();
            return out;
        }

        @Override
        public String where() {
            return target.where();
        }
    }

    private void nft() throws Exception {
        System.out.println("== nft: the nftables driver in a network namespace (ip netns exec ... nft), through the Reconciler ==");
        try (NetnsLab lab = new NetnsLab(0)) {
            System.out.printf("namespace %s, %s%n", lab.router, firstLine(List.of("nft", "--version")));
            // The agent's runner (ProcessRunner.inNetns: 30 s per command), and the same with 10 minutes, used only to
            // show how long a step the agent's runner gives up on really takes.
            LocalTimedRunner prod = new LocalTimedRunner(ProcessRunner.inNetns(lab.router));
            LocalTimedRunner slow = new LocalTimedRunner(new ProcessRunner(List.of("ip", "netns", "exec", lab.router), Duration.ofMinutes(10), null));
            NftablesDriver prodDriver = new NftablesDriver(prod);
            NftablesDriver slowDriver = new NftablesDriver(slow);
            for (int n : sizes) {
                ClusterState s = states.get(n);
                System.out.printf("-- %d services x %d real servers (%d destinations)%n", n, perService, n * perService);
                try {
                    for (int r = 0; r < rounds; r++) {
                        reset(slow);
                        Reconciler a = Reconciler.tableOnly(prodDriver, new OwnedServices(null));
                        if (!attempt("full apply " + (r + 1), prod, () -> a.reconcile(s, true, true))) {
                            reset(slow);
                            Reconciler b = Reconciler.tableOnly(slowDriver, new OwnedServices(null));
                            attempt("full apply " + (r + 1) + ", 10 min timeout", slow, () -> b.reconcile(s, true, true));
                        }
                    }
                    ServiceTable[] back = new ServiceTable[1];
                    if (!attempt("read()", prod, () -> back[0] = prodDriver.read())) {
                        attempt("read(), 10 min timeout", slow, () -> back[0] = slowDriver.read());
                    }
                    check(back[0], DesiredTable.from(s));
                    Reconciler periodic = Reconciler.tableOnly(prodDriver, new OwnedServices(null));
                    Reconciler rec = periodic;
                    if (!attempt("periodic pass (full, no change)", prod, () -> periodic.reconcile(s, true, true))) {
                        rec = Reconciler.tableOnly(slowDriver, new OwnedServices(null));
                        Reconciler slowPeriodic = rec;
                        attempt("periodic pass, 10 min timeout", slow, () -> slowPeriodic.reconcile(s, true, true));
                    }
                    Reconciler pass = rec;
                    List<ClusterState> next = changed(s, changes, 13);
                    long[] total = new long[changes], command = new long[changes];
                    int scriptBytes = 0;
                    // At least 5, then stop after a minute: at 10,000 services one change takes nft many seconds.
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    int done = 0;
                    for (int i = 0; i < changes && (i < 5 || System.nanoTime() < until); i++, done++) {
                        ClusterState c = next.get(i);
                        total[i] = wall(() -> pass.reconcile(c, true, false));
                        List<LocalTimedRunner.Call> calls = new ArrayList<>(prod.drain());
                        calls.addAll(slow.drain());
                        for (LocalTimedRunner.Call call : calls) {
                            command[i] += call.nanos;
                            scriptBytes = call.stdinBytes;
                        }
                    }
                    total = Arrays.copyOf(total, done);
                    command = Arrays.copyOf(command, done);
                    long[] java = new long[done];
                    for (int i = 0; i < done; i++) java[i] = total[i] - command[i];
                    System.out.printf("  one change x%d (script %d B): total %s = JVM %s + nft -f %s (median / p90 ms)%n", done, scriptBytes,
                            Stats.of(total).mp(), Stats.of(java).mp(), Stats.of(command).mp());
                } catch (RuntimeException e) {
                    System.out.printf("  FAILED at %d services: %s%n", n, e.getMessage());
                    prod.drain();
                    slow.drain();
                }
                System.out.printf("  load average %s%n", loadavg());
            }
            reset(slow);
        }
        System.out.println();
    }

    private static void reset(LocalTimedRunner runner) {
        runner.run(List.of("nft", "delete", "table", "ip", "lvscp"));
        runner.drain();
    }

    /** One timed step; a failure is reported (with the commands it ran), not thrown. */
    private static boolean attempt(String what, LocalTimedRunner runner, Work work) {
        long t0 = System.nanoTime();
        try {
            work.run();
            report(what, System.nanoTime() - t0, runner.drain());
            return true;
        } catch (Exception e) {
            report(what + " FAILED", System.nanoTime() - t0, runner.drain());
            System.out.printf("    %s%n", e.getMessage());
            return false;
        }
    }

    private static void report(String what, long wallNanos, List<LocalTimedRunner.Call> calls) {
        long commands = 0;
        StringBuilder detail = new StringBuilder();
        for (LocalTimedRunner.Call c : calls) {
            commands += c.nanos;
            detail.append(String.format("; %s %.1f ms (in %,d B, out %,d B%s)", String.join(" ", c.argv), c.nanos / 1e6, c.stdinBytes, c.stdoutBytes,
                    c.exit == 0 ? "" : ", exit " + c.exit));
        }
        System.out.printf("  %-34s %9.1f ms = JVM %.1f ms + commands %.1f ms%s%n", what, wallNanos / 1e6, (wallNanos - commands) / 1e6, commands / 1e6, detail);
    }

    private static void check(ServiceTable back, ServiceTable desired) {
        if (back.equals(desired)) {
            System.out.printf("  read back equals the desired table (%d services, %d destinations)%n", back.services().size(), back.destinationCount());
        } else {
            List<String> d = Changes.between(back, desired);
            System.out.printf("  WARNING: read back differs from the desired table in %d places, e.g. %s%n", d.size(), d.subList(0, Math.min(3, d.size())));
        }
    }

    // ---- ipvs in the VM ---------------------------------------------------------------------------------------------

    /**
     * Every full apply, raw or through the driver, gets a freshly booted VM. IPVS keeps deleted destinations in a trash
     * list for a few minutes and every add searches it (ip_vs_trash_get_dest), so a full apply right after an
     * {@code ipvsadm -C} of the same 100,000 destinations took 205-225 s instead of 41 s in an earlier run of this benchmark.
     */
    private void ipvs() throws Exception {
        System.out.println("== ipvs: the ipvs driver in the qemu VM (real IPVS kernel, TCG), against a raw ipvsadm -R of the same script ==");
        Path module = Path.of(System.getProperty("bench.moduleDir", Files.isDirectory(Path.of("router-agent")) ? "router-agent" : "."));
        QemuVm.Image image = QemuVm.buildImage(module.resolve("src/test/vm/build-ipvs-vm.sh"), module.resolve("target/ipvs-vm"), Duration.ofMinutes(15));
        long b0 = System.nanoTime();
        try (QemuVm vm = QemuVm.boot(image, Duration.ofMinutes(3), Duration.ofMinutes(20))) {
            System.out.printf("VM booted in %.1f s (%s); each full apply below gets a fresh one%n", (System.nanoTime() - b0) / 1e9, image.kernel());
            GuestTimedRunner g = new GuestTimedRunner(vm);
            System.out.printf("guest: kernel %s, %s, %s; clock-read overhead %.2f ms (subtracted)%n", g.text("uname -r").strip(),
                    g.text("grep MemTotal /proc/meminfo").strip().replaceAll("\\s+", " "), g.text("ipvsadm -v").strip(), g.clockOverheadNanos() / 1e6);
            tcgFactor(g, image);
        }
        for (int n : sizes) {
            ClusterState s = states.get(n);
            System.out.printf("-- %d services x %d real servers (%d destinations)%n", n, perService, n * perService);
            try {
                ipvsSize(image, s);
            } catch (RuntimeException e) {
                System.out.printf("  FAILED at %d services: %s%n", n, e.getMessage());
            }
        }
        System.out.println();
    }

    /** A freshly booted VM and its runner, with the script staged (/stage/in, and /stage/raw for the raw runs). */
    private record Guest(QemuVm vm, GuestTimedRunner g) implements AutoCloseable {
        static Guest fresh(QemuVm.Image image, String script, long[] upload) {
            QemuVm vm = QemuVm.boot(image, Duration.ofMinutes(3), Duration.ofMinutes(20));
            try {
                GuestTimedRunner g = new GuestTimedRunner(vm);
                long up0 = System.nanoTime();
                g.run(List.of("sh", "-c", "cat >/stage/raw"), script).orThrow();
                upload[0] = System.nanoTime() - up0;
                g.drain();
                return new Guest(vm, g);
            } catch (RuntimeException e) {
                vm.close();
                throw e;
            }
        }

        @Override
        public void close() {
            vm.close();
        }
    }

    private void ipvsSize(QemuVm.Image image, ClusterState s) {
        // The script the driver will send from an empty table, captured without running it. Staged into each fresh VM
        // first: the raw run reads it from /stage/raw, and the driver's copy needs no second upload (same text).
        String[] script = new String[1];
        new IpvsDriver(new NullRunner() {
            @Override
            public CommandResult run(List<String> argv, String stdin) {
                if (stdin != null) script[0] = stdin;
                return super.run(argv, stdin);
            }
        }).apply(ServiceTable.EMPTY, DesiredTable.from(s));
        long[] upload = new long[1];
        long[] raw = new long[rounds], drv = new long[rounds], drvOwnR = new long[rounds];
        Guest last = null;
        try {
            GuestTimedRunner lastG = null;
            Reconciler lastRec = null;
            for (int r = 0; r < rounds; r++) {
                if (last != null) {
                    last.close(); // one VM at a time
                    last = null;
                }
                try (Guest fresh = Guest.fresh(image, script[0], upload)) {
                    GuestTimedRunner.Timed t = fresh.g().guest("/stage/raw", List.of("ipvsadm", "-R"));
                    if (t.status() != 0 || !t.stderr().isBlank()) throw new IllegalStateException("raw ipvsadm -R failed: " + t.stderr());
                    raw[r] = t.guestNanos();
                }
                if (r == 0) {
                    System.out.printf("  script: %,d lines, %,d B; console upload into each fresh VM (gzip+base64) %.1f s%n", script[0].lines().count(),
                            script[0].length(), upload[0] / 1e9);
                }
                Guest guest = Guest.fresh(image, script[0], upload);
                last = guest;
                GuestTimedRunner g = guest.g();
                Reconciler rec = Reconciler.tableOnly(new IpvsDriver(g), new OwnedServices(null));
                long wall = wall(() -> rec.reconcile(s, true, true));
                List<GuestTimedRunner.Call> calls = g.drain();
                long inGuest = calls.stream().mapToLong(GuestTimedRunner.Call::guestNanos).sum();
                long jvm = wall - calls.stream().mapToLong(GuestTimedRunner.Call::vmNanos).sum();
                drv[r] = inGuest + jvm;
                drvOwnR[r] = calls.stream().filter(c -> c.argv().equals(List.of("ipvsadm", "-R"))).mapToLong(GuestTimedRunner.Call::guestNanos).sum();
                System.out.printf("  round %d: raw ipvsadm -R %.1f ms | driver full pass %.1f ms = JVM %.1f ms + guest %.1f ms [%s]; console transfer %.1f s%n",
                        r + 1, raw[r] / 1e6, drv[r] / 1e6, jvm / 1e6, inGuest / 1e6, guestDetail(calls),
                        calls.stream().mapToLong(GuestTimedRunner.Call::transferNanos).sum() / 1e9);
                lastG = g;
                lastRec = rec;
            }
            long rawMedian = Stats.of(raw).medianNanos(), drvMedian = Stats.of(drv).medianNanos();
            long[] overhead = new long[rounds];
            for (int r = 0; r < rounds; r++) overhead[r] = drv[r] - drvOwnR[r];
            System.out.printf("  full apply, median of %d fresh VMs each: driver %.1f ms vs raw %.1f ms: %.3fx (goal <= 1.2x); the driver's cost beyond"
                    + " its own ipvsadm -R (JVM and its two reads of the empty table): median %.1f ms, %.3fx of the raw median%n", rounds,
                    drvMedian / 1e6, rawMedian / 1e6, (double) drvMedian / rawMedian, Stats.of(overhead).medianNanos() / 1e6,
                    (double) (rawMedian + Stats.of(overhead).medianNanos()) / rawMedian);
            rest(lastG, lastRec, s);
        } finally {
            if (last != null) last.close();
        }
    }

    /** In the VM of the last driver apply, whose Reconciler trusts the table it left: reads, a periodic pass, one-change passes. */
    private void rest(GuestTimedRunner g, Reconciler rec, ClusterState s) {
        IpvsDriver driver = new IpvsDriver(g);
        ServiceTable[] back = new ServiceTable[1];
        long wall = wall(() -> back[0] = driver.read());
        List<GuestTimedRunner.Call> calls = g.drain();
        System.out.printf("  read(): guest %.1f ms [%s], JVM %.1f ms, console transfer %.1f s%n",
                calls.stream().mapToLong(GuestTimedRunner.Call::guestNanos).sum() / 1e6, guestDetail(calls),
                (wall - calls.stream().mapToLong(GuestTimedRunner.Call::vmNanos).sum()) / 1e6,
                calls.stream().mapToLong(GuestTimedRunner.Call::transferNanos).sum() / 1e9);
        check(back[0], DesiredTable.from(s));
        Object[] counters = new Object[1];
        wall = wall(() -> counters[0] = driver.stats());
        calls = g.drain();
        @SuppressWarnings("unchecked")
        List<StreamMessage.DestinationStats> list = (List<StreamMessage.DestinationStats>) counters[0];
        System.out.printf("  stats() (every periodic pass): guest %.1f ms [%s], JVM %.1f ms; its Stats report: %,d B (%,d destinations, counters all 0 here)%n",
                calls.stream().mapToLong(GuestTimedRunner.Call::guestNanos).sum() / 1e6, guestDetail(calls),
                (wall - calls.stream().mapToLong(GuestTimedRunner.Call::vmNanos).sum()) / 1e6,
                json(new StreamMessage.Stats(s.virtualServers().size(), list.size(), 0, list)).length(), list.size());
        GuestTimedRunner.Timed sn = g.guest("/dev/null", List.of("ipvsadm", "-Sn"));
        String text = g.text("cat /stage/out");
        Stats parse = Stats.time(5, 2, () -> IpvsadmSaveParser.parse(text));
        System.out.printf("  raw ipvsadm -Sn: guest %.1f ms for %,d lines (%,d B); IpvsadmSaveParser.parse on the host: median %s ms%n",
                sn.guestNanos() / 1e6, text.lines().count(), text.length(), parse.median());

        // A periodic pass is a full pass of the Reconciler; a fresh one makes it without touching rec's trust.
        Reconciler periodic = Reconciler.tableOnly(driver, new OwnedServices(null));
        wall = wall(() -> periodic.reconcile(s, true, true));
        calls = g.drain();
        System.out.printf("  periodic pass (full, no change; stats() comes on top): JVM %.1f ms + guest %.1f ms [%s]; console transfer %.1f s%n",
                (wall - calls.stream().mapToLong(GuestTimedRunner.Call::vmNanos).sum()) / 1e6,
                calls.stream().mapToLong(GuestTimedRunner.Call::guestNanos).sum() / 1e6, guestDetail(calls),
                calls.stream().mapToLong(GuestTimedRunner.Call::transferNanos).sum() / 1e9);

        List<ClusterState> next = changed(s, changes, 17);
        long[] total = new long[changes], guest = new long[changes], java = new long[changes], rawOne = new long[changes], transfer = new long[changes];
        for (int i = 0; i < changes; i++) {
            ClusterState c = next.get(i);
            long w = wall(() -> rec.reconcile(c, true, false));
            calls = g.drain();
            guest[i] = calls.stream().mapToLong(GuestTimedRunner.Call::guestNanos).sum();
            transfer[i] = calls.stream().mapToLong(GuestTimedRunner.Call::transferNanos).sum();
            java[i] = w - calls.stream().mapToLong(GuestTimedRunner.Call::vmNanos).sum();
            total[i] = java[i] + guest[i];
            if (calls.size() != 1 || !calls.get(0).argv().equals(List.of("ipvsadm", "-R"))) {
                throw new IllegalStateException("a one-change pass ran " + calls.stream().map(x -> String.join(" ", x.argv())).toList());
            }
            // The same one-line script, raw: re-applying the value the kernel now holds costs the kernel the same edit.
            g.keepStdinAs("/stage/raw1");
            GuestTimedRunner.Timed t = g.guest("/stage/raw1", List.of("ipvsadm", "-R"));
            if (t.status() != 0 || !t.stderr().isBlank()) throw new IllegalStateException("raw one-change failed: " + t.stderr());
            rawOne[i] = t.guestNanos();
        }
        System.out.printf("  one change x%d: driver %s = JVM %s + guest ipvsadm -R %s | raw ipvsadm -R %s (median / p90 ms); console transfer %s ms%n",
                changes, Stats.of(total).mp(), Stats.of(java).mp(), Stats.of(guest).mp(), Stats.of(rawOne).mp(), Stats.of(transfer).mp());
        System.out.printf("  guest memory: %s; host load average %s%n", g.text("grep -E 'MemFree|MemAvailable' /proc/meminfo").strip().replaceAll("\\s+", " "),
                loadavg());
    }

    private static String json(Object o) {
        try {
            return Json.mapper().writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }


    private static String guestDetail(List<GuestTimedRunner.Call> calls) {
        List<String> out = new ArrayList<>();
        for (GuestTimedRunner.Call c : calls) {
            out.add(String.format("%s %.1f ms%s%s", String.join(" ", c.argv()), c.guestNanos() / 1e6,
                    c.stdinBytes() > 0 ? String.format(", in %,d B", c.stdinBytes()) : "", c.stdoutBytes() > 0 ? String.format(", out %,d B", c.stdoutBytes()) : ""));
        }
        return String.join("; ", out);
    }

    /**
     * How much slower the emulated guest is than this host on the same user-space work: busybox (the VM's own binary,
     * taken from its initramfs) generating a 10,000 x 10 ipvsadm script with awk, in the guest and on the host.
     * Kernel code under TCG is not the same mix, so this is an indication, not a conversion factor.
     */
    private void tcgFactor(GuestTimedRunner g, QemuVm.Image image) throws Exception {
        String awk = "BEGIN{for(i=0;i<10000;i++){vip=sprintf(\"172.16.%d.%d:80\", int(i/250), i%250+1); print \"-A -t \" vip \" -s wrr\";"
                + " for(k=0;k<10;k++){j=i*10+k; printf \"-a -t %s -r 10.%d.%d.%d:8080 -m -w 1\\n\", vip, 1+int(j/62500), int(j/250)%250, j%250+1}}}";
        long[] guest = new long[3];
        for (int i = 0; i < guest.length; i++) guest[i] = g.guest("/dev/null", List.of("awk", awk)).guestNanos();
        // Named busybox: it reads the applet from argv[1] only when argv[0] is its own name.
        Path dir = Files.createTempDirectory("lvscp-busybox");
        Path busybox = dir.resolve("busybox");
        try {
            Process p = new ProcessBuilder("sh", "-c", "gzip -dc \"$1\" | cpio -i --quiet --to-stdout bin/busybox >\"$2\"", "sh",
                    image.initrd().toString(), busybox.toString()).redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("cannot extract busybox from the initramfs");
            busybox.toFile().setExecutable(true);
            long[] host = new long[3];
            for (int i = 0; i < host.length; i++) {
                long t0 = System.nanoTime();
                Process q = new ProcessBuilder(busybox.toString(), "awk", awk).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                if (q.waitFor() != 0) throw new IllegalStateException("busybox awk on the host exited " + q.exitValue());
                host[i] = System.nanoTime() - t0;
            }
            System.out.printf("TCG indication: busybox awk writing the 10,000 x 10 script takes %.0f ms in the guest, %.0f ms on the host: %.0fx%n",
                    Stats.of(guest).medianNanos() / 1e6, Stats.of(host).medianNanos() / 1e6, (double) Stats.of(guest).medianNanos() / Stats.of(host).medianNanos());
        } catch (RuntimeException e) {
            System.out.printf("TCG indication not available: %s%n", e.getMessage());
        } finally {
            Files.deleteIfExists(busybox);
            Files.deleteIfExists(dir);
        }
    }

    // ---- stream: a real control plane and a real agent ----------------------------------------------------------------

    private void stream(List<Integer> virtualServers) throws Exception {
        System.out.printf("== stream: can a real control plane deliver the snapshot of a bigger cluster to a real agent, and take a big report? (%d real servers each) ==%n", perService);
        // StreamClient logs its WebSocket errors at DEBUG only; catch them to say why a snapshot does not arrive.
        Logger clientLog = (Logger) LoggerFactory.getLogger("io.lvscp.agent.stream.StreamClient");
        List<String> errors = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> catcher = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                if (e.getThrowableProxy() != null) errors.add(e.getThrowableProxy().getClassName() + ": " + e.getThrowableProxy().getMessage());
            }
        };
        catcher.setContext(clientLog.getLoggerContext());
        catcher.start();
        Level before = clientLog.getLevel();
        clientLog.setLevel(Level.DEBUG);
        clientLog.setAdditive(false); // counted here, not printed: each failed snapshot is a stack trace
        clientLog.addAppender(catcher);
        HttpClient http = HttpClient.newHttpClient();
        Vertx vertx = Vertx.vertx();
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            for (int n : virtualServers) {
                String c = "big" + n;
                long t0 = System.nanoTime();
                post(http, cp, "/v1/clusters", "{\"name\":\"" + c + "\",\"routingMethod\":\"nat\",\"natRouter\":{\"address\":\"10.0.0.254\",\"netmask\":\"255.0.0.0\",\"device\":\"eth1:1\"}}");
                post(http, cp, "/v1/clusters/" + c + "/routers", "{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.8\",\"privateAddress\":\"10.0.0.252\"}");
                post(http, cp, "/v1/clusters/" + c + "/routers", "{\"name\":\"lvs2\",\"publicAddress\":\"192.168.26.9\",\"privateAddress\":\"10.0.0.253\"}");
                for (int i = 0; i < n; i++) {
                    post(http, cp, "/v1/clusters/" + c + "/virtual-servers", "{\"name\":\"" + vsName(i) + "\",\"address\":\"" + vip(i)
                            + "\",\"netmask\":\"255.255.0.0\",\"device\":\"eth0:1\",\"port\":80,\"scheduler\":\"wrr\"}");
                    for (int k = 0; k < perService; k++) {
                        post(http, cp, "/v1/clusters/" + c + "/virtual-servers/" + vsName(i) + "/real-servers",
                                "{\"name\":\"rs" + k + "\",\"address\":\"" + rip(i * perService + k) + "\",\"port\":8080}");
                    }
                }
                long revision = 3 + (long) n * (1 + perService);
                HttpResponse<String> view = http.send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/clusters/" + c)).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN).build(),
                        HttpResponse.BodyHandlers.ofString());
                System.out.printf("-- cluster %s: %d virtual servers x %d made with %,d REST writes in %.1f s (GET of it: %,d B)%n", c, n, perService,
                        revision, (System.nanoTime() - t0) / 1e9, view.body().length());
                errors.clear();
                // Heartbeats well inside the test control plane's (1 s), so silence never ends the stream.
                AgentConfig cfg = new AgentConfig(cp.baseUrl(), c, "lvs1", "recording", Files.createTempDirectory("lvscp-bench").toString(),
                        Map.of(), null, -1, "127.0.0.1", 60.0, 0.3).withDefaults().withToken(cp.agentToken(c, "lvs1"));
                Agent agent = new Agent(vertx, cfg, Reconciler.tableOnly(new RecordingDriver(), new OwnedServices(null)),
                        new StateStore(Path.of(cfg.stateDir())), new AgentMetrics(c, "lvs1", "recording"));
                long a0 = System.nanoTime();
                agent.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                long deadline = a0 + TimeUnit.SECONDS.toNanos(20);
                while (agent.appliedRevision() < revision && System.nanoTime() < deadline) Thread.sleep(10);
                if (agent.appliedRevision() >= revision) {
                    System.out.printf("  a new agent applied the snapshot (revision %d) %.0f ms after it started%n", revision, (System.nanoTime() - a0) / 1e6);
                } else {
                    System.out.printf("  a new agent did NOT get the snapshot within 20 s (it holds revision %d); %d stream errors, e.g. %s%n",
                            agent.appliedRevision(), errors.size(), errors.isEmpty() ? "none logged" : errors.get(0));
                }
                agent.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                if (n == virtualServers.get(0)) upstream(vertx, cp, c, revision);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            clientLog.detachAppender(catcher);
            clientLog.setLevel(before);
            clientLog.setAdditive(true);
        }
        System.out.println();
    }

    /**
     * The other direction: an agent's periodic Stats report carries one counter set per destination. For each report size
     * a raw WebSocket client (frames of the default 64 KiB as the agent's, but no message limit of its own for what it receives) connects as router lvs2, says hello, keeps heartbeating, sends a
     * Stats report of that many destinations, and watches whether the control plane keeps the link.
     */
    private void upstream(Vertx vertx, RunningControlPlane cp, String cluster, long revision) throws Exception {
        int largest = sizes.get(sizes.size() - 1) * perService;
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(256 << 20));
        String beat = Json.mapper().writeValueAsString(new StreamMessage.Heartbeat(revision));
        try {
            String credential = cp.agentToken(cluster, "lvs2");
            for (int destinations : new LinkedHashSet<>(List.of(10, 1_000, 2_000, largest))) {
                String report = Json.mapper().writeValueAsString(new StreamMessage.Stats(destinations / perService, destinations, 0, counters(destinations)));
                WebSocket ws = client.connect(new io.vertx.core.http.WebSocketConnectOptions().setPort(cp.port()).setHost("127.0.0.1")
                                .setURI("/v1/agents/stream").addHeader("Authorization", "Bearer " + credential))
                        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                AtomicLong heard = new AtomicLong(System.nanoTime());
                AtomicReference<String> closed = new AtomicReference<>();
                ws.textMessageHandler(t -> heard.set(System.nanoTime()));
                ws.closeHandler(v -> closed.set(ws.closeStatusCode() + " " + ws.closeReason()));
                ws.exceptionHandler(e -> { });
                long timer = vertx.setPeriodic(300, id -> {
                    if (closed.get() == null) ws.writeTextMessage(beat);
                });
                ws.writeTextMessage(Json.mapper().writeValueAsString(new StreamMessage.Hello(cluster, "lvs2", revision, "recording", Agent.VERSION)));
                try {
                    Thread.sleep(1000);
                    String before = link(heard, closed);
                    ws.writeTextMessage(report);
                    Thread.sleep(4000);
                    // Recorded? The cluster view shows each router's last stats (jsonb, so with a space after the colon).
                    String view = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/clusters/" + cluster)).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    boolean recorded = java.util.regex.Pattern.compile("\"destinations\":\\s*" + destinations + "\\b").matcher(view).find();
                    System.out.printf("  agent -> control plane: a Stats report of %,d destinations, %,d B: %s; %s (before it: %s)%n", destinations,
                            report.length(), link(heard, closed), recorded ? "recorded in the router's status" : "NOT recorded in the router's status", before);
                } finally {
                    vertx.cancelTimer(timer);
                    if (closed.get() == null) ws.close();
                }
            }
        } finally {
            client.close();
        }
    }

    private static String link(AtomicLong heard, AtomicReference<String> closed) {
        long silent = (System.nanoTime() - heard.get()) / 1_000_000;
        if (closed.get() != null) return "the control plane CLOSED the stream (" + closed.get() + ")";
        return silent < 1500 ? "link up (last message from the control plane " + silent + " ms ago)" : "no message from the control plane for " + silent + " ms";
    }

    /** Counters of a busy router for n destinations: a few billion packets, some terabytes. */
    private List<StreamMessage.DestinationStats> counters(int n) {
        List<StreamMessage.DestinationStats> out = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
            out.add(new StreamMessage.DestinationStats("tcp " + vip(j / perService) + ":80", rip(j) + ":8080", 123_456_789L, 9_876_543_210L,
                    8_765_432_109L, 1_234_567_890_123L, 12_345_678_901_234L));
        }
        return out;
    }

    private static void post(HttpClient http, RunningControlPlane cp, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).header("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    interface Work {
        Object run() throws Exception;
    }

    private static long wall(Work w) {
        long t0 = System.nanoTime();
        try {
            w.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return System.nanoTime() - t0;
    }

    /** Samples in nanoseconds. */
    record Stats(long[] sorted) {
        static Stats of(long[] nanos) {
            long[] s = nanos.clone();
            Arrays.sort(s);
            return new Stats(s);
        }

        static Stats time(int reps, int warmup, Work w) {
            for (int i = 0; i < warmup; i++) wall(w);
            long[] t = new long[reps];
            for (int i = 0; i < reps; i++) t[i] = wall(w);
            return of(t);
        }

        long medianNanos() {
            return sorted[(sorted.length - 1) / 2];
        }

        long p90Nanos() {
            return sorted[(int) Math.ceil(0.9 * sorted.length) - 1];
        }

        String median() {
            return String.format("%.2f", medianNanos() / 1e6);
        }

        String mp() {
            return String.format("%.2f / %.2f", medianNanos() / 1e6, p90Nanos() / 1e6);
        }
    }

    private static List<Integer> ints(String csv) {
        List<Integer> out = new ArrayList<>();
        for (String s : csv.split(",")) if (!s.isBlank()) out.add(Integer.parseInt(s.strip()));
        return out;
    }

    private static void conditions() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
        String mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst().orElse("?")
                .replaceAll("\\s+", " ");
        System.out.printf("machine: %d CPUs (%s), %s, kernel %s, Java %s (%s), max heap %d MB; load average %s%n",
                Runtime.getRuntime().availableProcessors(), cpu, mem, System.getProperty("os.version"), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), Runtime.getRuntime().maxMemory() >> 20, loadavg());
    }

    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String firstLine(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().findFirst().orElse("").strip();
        } catch (Exception e) {
            return argv.get(0) + ": " + e.getMessage();
        }
    }
}
