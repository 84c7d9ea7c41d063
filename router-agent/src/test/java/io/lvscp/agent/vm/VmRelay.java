package io.lvscp.agent.vm;

import io.lvscp.agent.exec.CommandResult;
import io.lvscp.agent.exec.CommandRunner;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands the commands of an agent running as its own process to a VM's kernel: the agent's {@code commandPrefix} is
 * {@link #prefix()}, which runs {@code src/test/vm/relay-command.py} with the command as its arguments; that connects to this
 * relay's Unix socket, and the relay runs the command on the VM (one at a time: the console is one conversation) and
 * sends back its exit status and output. So the agent under test is the real one, its commands going through its one
 * runner exactly as on a router; only where they execute differs.
 * <p>
 * Frames: an int count and that many length-prefixed UTF-8 strings (the argv, then stdin); the answer is the exit
 * status and two strings, stdout and stderr.
 */
public final class VmRelay implements AutoCloseable {
    /** From the module directory (tests) or the repository root (benchmarks under exec:java). */
    private static final Path CLIENT = Files.exists(Path.of("src/test/vm/relay-command.py")) ? Path.of("src/test/vm/relay-command.py")
            : Path.of("router-agent/src/test/vm/relay-command.py");
    private final CommandRunner vm;
    private final Path socket;
    private final Path logFile;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private volatile boolean closed;

    public VmRelay(CommandRunner vm, Path socket) throws IOException {
        this.vm = vm;
        this.socket = socket;
        this.logFile = Path.of(socket + ".log");
        Files.deleteIfExists(socket);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
        this.acceptor = new Thread(this::accept, "vm-relay-" + socket.getFileName());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The agent's commandPrefix: Debian's python3 running the relay client, with this relay's socket. */
    public List<String> prefix() {
        // Debian's own interpreter by path where it is there: a version manager's shim on PATH costs a process more.
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        return List.of(python, CLIENT.toAbsolutePath().toString(), socket.toString());
    }

    private void accept() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread t = new Thread(() -> serve(c), "vm-relay-command");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(SocketChannel c) {
        try (c; DataInputStream in = new DataInputStream(Channels.newInputStream(c));
             DataOutputStream out = new DataOutputStream(Channels.newOutputStream(c))) {
            List<String> frame = read(in);
            CommandResult r;
            long started = System.currentTimeMillis();
            try {
                r = vm.run(frame.subList(0, frame.size() - 1), frame.get(frame.size() - 1));
                log(started, frame.subList(0, frame.size() - 1), r.exitCode());
            } catch (RuntimeException e) {
                r = new CommandResult(frame.subList(0, frame.size() - 1), 125, "", "the VM relay could not run the command: " + e.getMessage());
            }
            out.writeInt(r.exitCode());
            write(out, List.of(r.stdout(), r.stderr()));
        } catch (IOException e) {
            // the client went away; nothing to answer
        }
    }

    /** Each command relayed, when it came, how long it took and its status: what a slow takeover is made of. */
    private void log(long started, List<String> argv, int status) {
        String line = java.time.Instant.ofEpochMilli(started) + " " + (System.currentTimeMillis() - started) + " ms exit " + status + ": "
                + String.join(" ", argv) + "\n";
        synchronized (this) {
            try {
                Files.writeString(logFile, line, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                // the log is for people investigating; the command's answer matters more
            }
        }
    }

    private static List<String> read(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void write(DataOutputStream out, List<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }
        out.flush();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
