package io.lvscp.api;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.lvscp.api.json.Json;
import io.lvscp.api.model.RealServer;
import io.lvscp.api.model.VirtualServerSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Each field has one spelling: nothing is coerced, dropped or guessed. */
class JsonStrictnessTest {
    @Test
    void aWellFormedBodyReads() throws Exception {
        RealServer rs = Json.mapper().readValue("{\"name\":\"rs1\",\"address\":\"10.0.0.1\",\"port\":80,\"weight\":3,\"forwarding\":\"gate\",\"state\":\"drained\"}", RealServer.class);
        assertEquals(3, rs.weight());
        assertEquals("drained", rs.state().name());
        VirtualServerSpec vs = Json.mapper().readValue("{\"name\":\"v\",\"active\":false,\"firewallMark\":4294967295}", VirtualServerSpec.class);
        assertEquals(Boolean.FALSE, vs.active());
        assertEquals(4294967295L, vs.firewallMark());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"weight\":\"3\"}", "{\"weight\":3.0}", "{\"weight\":true}", "{\"name\":3}", "{\"name\":true}",
            "{\"state\":\"DRAINED\"}", "{\"state\":1}", "{\"wieght\":3}", "{\"name\":\"a\"} {}", "{\"name\":\"a\",\"name\":\"b\"}",
            "{\"port\":[80]}", "{\"port\":\"\"}"})
    void anythingLooseIsRefused(String body) {
        assertThrows(JsonProcessingException.class, () -> Json.mapper().readValue(body, RealServer.class), body);
    }

    @Test
    void booleansAreBooleans() {
        assertThrows(JsonProcessingException.class, () -> Json.mapper().readValue("{\"active\":\"true\"}", VirtualServerSpec.class));
        assertThrows(JsonProcessingException.class, () -> Json.mapper().readValue("{\"active\":1}", VirtualServerSpec.class));
    }
}
