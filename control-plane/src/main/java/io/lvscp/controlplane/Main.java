package io.lvscp.controlplane;

import io.lvscp.controlplane.config.ControlPlaneConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "lvscp-control-plane", mixinStandardHelpOptions = true, version = "lvscp 0.1.0",
        description = "Serves the lvscp REST API and event store. Without a database URL it runs an embedded PostgreSQL "
                + "whose data stays in data/postgres (LVSCP_DATA_DIR).")
public final class Main implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "YAML config file (default: $LVSCP_CONFIG, if set)")
    Path config;

    @Option(names = {"-p", "--port"}, description = "HTTP port (overrides config and LVSCP_HTTP_PORT)")
    Integer port;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path file = config;
        if (file == null && System.getenv("LVSCP_CONFIG") != null) file = Path.of(System.getenv("LVSCP_CONFIG"));
        ControlPlaneConfig cfg = ControlPlaneConfig.load(file, System.getenv());
        if (port != null) cfg = cfg.withHttpPort(port);
        ControlPlane cp = ControlPlane.start(cfg);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cp.close();
            } catch (Exception e) {
                System.err.println("lvscp: error while stopping: " + e);
            }
            stopped.countDown();
        }, "lvscp-shutdown"));
        String scheme = cfg.tls() != null && cfg.tls().enabled() ? "https" : "http";
        System.out.println("lvscp control plane listening on " + scheme + "://" + cfg.http().host() + ":" + cp.port()
                + " (events in " + cp.databaseDescription() + ")");
        stopped.await();
        return 0;
    }
}
