package io.lvscp.controlplane.ops;

import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvscp.controlplane.support.Api;
import io.lvscp.controlplane.support.RunningControlPlane;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The shipped logback.xml: plain lines by default, one JSON object per line with LVSCP_LOG_FORMAT=json, and the
 * lines of a request carry the same request id as the response header and the events it appended.
 */
class StructuredLogTest {
    private final PrintStream stderr = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private void configure(String format) throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        if (format != null) ctx.putProperty("LVSCP_LOG_FORMAT", format);
        ctx.putProperty("LVSCP_ACCESS_LOG", "INFO");
        JoranConfigurator c = new JoranConfigurator();
        c.setContext(ctx);
        // The production file, not a test one: it is what operators get.
        c.doConfigure(getClass().getClassLoader().getResource("logback.xml"));
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() throws Exception {
        System.setErr(stderr);
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        new ContextInitializer(ctx).autoConfig();
    }

    private List<String> lines() {
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void jsonLinesCarryTheRequestIdOfTheEvents() throws Exception {
        configure("json");
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            Api.given(cp).header("X-Request-Id", "log-test-given-id").body("{\"name\":\"web\",\"routingMethod\":\"direct\"}")
                    .post("/v1/clusters").then().statusCode(201);
            // Without one, the server makes one up: the header, the event and the log line agree on it.
            String generated = Api.given(cp).body("{\"name\":\"lvs1\",\"publicAddress\":\"192.168.26.9\"}")
                    .post("/v1/clusters/web/routers").then().statusCode(201).extract().header("X-Request-Id");
            List<String> ids = Api.given(cp).get("/v1/events?cluster=web").then().statusCode(200)
                    .extract().jsonPath().getList("items.metadata.requestId", String.class);
            assertEquals(List.of("log-test-given-id", generated), ids);

            // Access lines are written when a response has ended, which can be after the client has read it.
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lines().stream().filter(l -> l.contains("lvscp.access")).count() >= 3);
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> records = new ArrayList<>();
            for (String line : lines()) {
                if (line.isBlank()) continue;
                records.add(json.readTree(line)); // every line is one JSON object, or this throws
            }
            for (String id : ids) {
                // The access line is written when the response ends, after the asynchronous append: the id
                // survived the hops between callbacks.
                assertTrue(records.stream().anyMatch(r -> id.equals(r.path("mdc").path("requestId").asText(null))
                                && r.path("loggerName").asText().equals("lvscp.access")
                                && r.path("formattedMessage").asText().startsWith("POST ")),
                        "no JSON access line with request id " + id + " in\n" + String.join("\n", lines()));
            }
            // Lines that belong to no request carry no request id.
            assertTrue(records.stream().noneMatch(r -> !r.path("loggerName").asText().equals("lvscp.access")
                    && r.path("mdc").has("requestId") && r.path("loggerName").asText().startsWith("io.lvscp.controlplane.projection")));
        }
    }

    @Test
    void plainByDefaultWithTheRequestIdInBrackets() throws Exception {
        configure(null);
        try (RunningControlPlane cp = RunningControlPlane.onNewDatabase()) {
            Api.given(cp).header("X-Request-Id", "plain-id-1").body("{\"name\":\"web\",\"routingMethod\":\"direct\"}")
                    .post("/v1/clusters").then().statusCode(201);
            // The access line is written when the response has ended, which can be after the client has read it.
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertTrue(lines().stream().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  lvscp\\.access \\[plain-id-1] - POST /v1/clusters 201 \\d+ ms")),
                            String.join("\n", lines())));
            assertTrue(lines().stream().noneMatch(l -> l.startsWith("{")), "no JSON unless asked for");
        }
    }
}
