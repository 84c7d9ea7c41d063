package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/** {@code lvscp drain CLUSTER VS RS}: no new connections for the real server; health checks never bring it back. */
@Command(name = "drain", mixinStandardHelpOptions = true,
        description = "Drain a real server: state drained, kept out until `lvscp enable`.")
public final class DrainCommand extends RealServerChange {
    @Override
    String method() {
        return "POST";
    }

    @Override
    String action() {
        return "drain";
    }

    @Override
    String body() {
        return null;
    }

    @Override
    String done(JsonNode rs) {
        return "drained";
    }
}
