package io.lvscp.controlplane.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * docs/cluster-spec.schema.json, the JSON Schema editors validate a cluster document with, is openapi.yaml's
 * ClusterSpec component and what it refers to, under $defs. It is a checked-in file rather than one the control plane
 * serves so that an editor can use it without a running control plane or a token; this test keeps it from drifting
 * from the contract. After changing the component: {@code -Dlvscp.writeSchema=true} rewrites the file.
 */
class ClusterSpecSchemaTest {
    private static final Path OPENAPI = Path.of(System.getProperty("lvscp.openapi", "../openapi.yaml"));
    private static final Path SCHEMA = OPENAPI.toAbsolutePath().getParent().resolve("docs/cluster-spec.schema.json");
    private static final String OPENAPI_REF = "#/components/schemas/";

    @Test
    void theCheckedInSchemaIsTheOpenApiComponent() throws Exception {
        JsonNode expected = fromOpenApi(new YAMLMapper().readTree(OPENAPI.toFile()), "ClusterSpec");
        ObjectMapper json = new ObjectMapper();
        if (Boolean.getBoolean("lvscp.writeSchema")) {
            Files.writeString(SCHEMA, json.writerWithDefaultPrettyPrinter().writeValueAsString(expected) + "\n");
        }
        assertTrue(Files.exists(SCHEMA), SCHEMA + " is missing; run this test with -Dlvscp.writeSchema=true");
        // Not assertEquals: the two schemas in the failure message would bury the one line that says what to do.
        assertTrue(expected.equals(json.readTree(SCHEMA.toFile())), SCHEMA + " differs from openapi.yaml's ClusterSpec;"
                + " run this test with -Dlvscp.writeSchema=true and commit the file");
    }

    /** The component {@code root} and every component it reaches, as one JSON Schema (2020-12) document. */
    static JsonNode fromOpenApi(JsonNode openapi, String root) {
        JsonNode components = openapi.path("components").path("schemas");
        Map<String, JsonNode> defs = new TreeMap<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (defs.containsKey(name)) continue;
            JsonNode schema = components.get(name);
            if (schema == null) throw new IllegalStateException("openapi.yaml has no component schema " + name);
            JsonNode copy = schema.deepCopy();
            rewriteRefs(copy, todo);
            defs.put(name, copy);
        }
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        out.put("$id", "https://lvscp.io/schemas/cluster-spec.json");
        out.put("title", "lvscp cluster document (GET and PUT /v1/clusters/{cluster}/spec)");
        out.put("$ref", "#/$defs/" + root);
        ObjectNode d = out.putObject("$defs");
        defs.forEach(d::set);
        return out;
    }

    private static void rewriteRefs(JsonNode node, Deque<String> todo) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            JsonNode ref = o.get("$ref");
            // OpenAPI 3.0's one "example" is JSON Schema's list of "examples" (2020-12 knows no "example").
            JsonNode example = o.remove("example");
            if (example != null) o.putArray("examples").add(example);
            if (ref != null && ref.asText().startsWith(OPENAPI_REF)) {
                String name = ref.asText().substring(OPENAPI_REF.length());
                o.put("$ref", "#/$defs/" + name);
                todo.add(name);
            }
            for (Iterator<JsonNode> it = o.elements(); it.hasNext(); ) rewriteRefs(it.next(), todo);
        } else if (node.isArray()) {
            node.forEach(n -> rewriteRefs(n, todo));
        }
    }
}
