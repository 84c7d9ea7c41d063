package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/** {@code lvscp enable CLUSTER VS RS}: a drained real server back in service. */
@Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a real server: state active again.")
public final class EnableCommand extends RealServerChange {
    @Override
    String method() {
        return "POST";
    }

    @Override
    String action() {
        return "enable";
    }

    @Override
    String body() {
        return null;
    }

    @Override
    String done(JsonNode rs) {
        return "enabled";
    }
}
