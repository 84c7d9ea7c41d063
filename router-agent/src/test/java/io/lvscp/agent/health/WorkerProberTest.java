package io.lvscp.agent.health;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.api.model.HealthCheckKind;
import io.lvscp.api.model.Protocol;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The check worker's protocol, without a namespace (the command prefix is empty here; the agent puts
 * {@code ip netns exec NS} before it): many checks in flight at once, answers matched by id, and a worker that
 * dies is replaced while its unanswered checks come back unknown.
 */
class WorkerProberTest {
    @Test
    void checksRunInTheWorkerAndAWorkerThatDiesIsReplaced() throws Exception {
        try (ServerSocket open = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             WorkerProber worker = new WorkerProber(WorkerProber.javaCommand())) {
            Thread acceptor = new Thread(() -> {
                while (!open.isClosed()) {
                    try {
                        open.accept().close();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort();
            }
            CheckSpec up = new CheckSpec(HealthCheckKind.tcp, "127.0.0.1", open.getLocalPort(), Protocol.tcp, null, 200, null, null, false, null, 1000);
            CheckSpec down = new CheckSpec(HealthCheckKind.tcp, "127.0.0.1", closed, Protocol.tcp, null, 200, null, null, false, null, 1000);
            // the first checks wait for the worker's JVM to start
            assertEquals(CheckResult.Status.UP, worker.probe(up).get(30, TimeUnit.SECONDS).status());
            List<CompletableFuture<CheckResult>> many = new ArrayList<>();
            for (int i = 0; i < 100; i++) many.add(worker.probe(i % 2 == 0 ? up : down));
            for (int i = 0; i < 100; i++) {
                CheckResult r = many.get(i).get(10, TimeUnit.SECONDS);
                assertEquals(i % 2 == 0 ? "connected" : "connect refused", r.reason(), "check " + i);
            }
            long t0 = System.nanoTime();
            worker.probe(up).get(5, TimeUnit.SECONDS);
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 500, "a check through a running worker is quick");

            long pid = worker.pid();
            assertTrue(pid > 0);
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> worker.pid() != pid);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                    worker.probe(up).get(30, TimeUnit.SECONDS).status() == CheckResult.Status.UP);
            assertNotEquals(pid, worker.pid());
        }
    }

    @Test
    void theWorkerExitsWhenItsAgentGoes() throws Exception {
        WorkerProber worker = new WorkerProber(WorkerProber.javaCommand());
        CheckSpec any = new CheckSpec(HealthCheckKind.tcp, "127.0.0.1", 9, Protocol.tcp, null, 200, null, null, false, null, 500);
        worker.probe(any).get(30, TimeUnit.SECONDS);
        ProcessHandle p = ProcessHandle.of(worker.pid()).orElseThrow();
        worker.close();
        assertTrue(p.onExit().get(10, TimeUnit.SECONDS) != null && !p.isAlive());
        assertEquals(CheckResult.Status.UNKNOWN, worker.probe(any).get(1, TimeUnit.SECONDS).status());
    }
}
