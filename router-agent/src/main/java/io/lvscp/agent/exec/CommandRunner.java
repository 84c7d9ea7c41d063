package io.lvscp.agent.exec;

import java.util.List;

/**
 * The one way the agent touches the kernel. Commands are argument vectors, never shell strings, so nothing an
 * operator typed can become a second command or an extra option; a runner decides only where they run (this
 * host, a network namespace, a VM). Blocking: call it from a worker thread, never an event loop.
 */
public interface CommandRunner {
    CommandResult run(List<String> argv, String stdin);

    default CommandResult run(List<String> argv) {
        return run(argv, null);
    }

    /** Where commands run, for logs and errors. */
    String where();
}
