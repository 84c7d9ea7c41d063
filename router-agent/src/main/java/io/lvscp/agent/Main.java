package io.lvscp.agent;

import io.lvscp.agent.config.AgentConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "lvscp-router-agent", mixinStandardHelpOptions = true, version = "lvscp " + Agent.VERSION,
        description = "Programs this LVS router's kernel with its cluster's desired state from the lvscp control plane.")
public final class Main implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "YAML config file (default: $LVSCP_AGENT_CONFIG, if set)")
    Path config;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path file = config;
        if (file == null && System.getenv("LVSCP_AGENT_CONFIG") != null) file = Path.of(System.getenv("LVSCP_AGENT_CONFIG"));
        AgentConfig cfg = AgentConfig.load(file, System.getenv());
        if (!cfg.problems().isEmpty()) {
            cfg.problems().forEach(p -> System.err.println("lvscp-router-agent: " + p));
            return 2;
        }
        AgentRuntime runtime = AgentRuntime.start(cfg);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runtime.close();
            } catch (Exception e) {
                System.err.println("lvscp-router-agent: error while stopping: " + e);
            }
            stopped.countDown();
        }, "lvscp-agent-shutdown"));
        System.out.println("lvscp router agent " + cfg.cluster() + "/" + cfg.router() + " (driver " + cfg.driver() + ") streaming from "
                + String.join(", ", cfg.controlPlane()) + (runtime.metricsPort() >= 0 ? "; metrics on :" + runtime.metricsPort() : ""));
        stopped.await();
        return 0;
    }
}
