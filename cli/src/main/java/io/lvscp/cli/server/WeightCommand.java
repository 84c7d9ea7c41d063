package io.lvscp.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lvscp weight CLUSTER VS RS N}: the real server's weight only. */
@Command(name = "weight", mixinStandardHelpOptions = true,
        description = "Set a real server's weight (0 takes it out of new scheduling without removing it).")
public final class WeightCommand extends RealServerChange {
    @Parameters(index = "3", paramLabel = "N", description = "the new weight")
    int weight;

    @Override
    String method() {
        return "PUT";
    }

    @Override
    String action() {
        return "weight";
    }

    @Override
    String body() {
        return "{\"weight\": " + weight + "}";
    }

    @Override
    String done(JsonNode rs) {
        return "at weight " + rs.path("weight").asText(String.valueOf(weight));
    }
}
