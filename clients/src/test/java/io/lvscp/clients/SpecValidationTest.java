package io.lvscp.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openapitools.codegen.validation.Invalid;
import org.openapitools.codegen.validation.ValidationResult;
import org.openapitools.codegen.validations.oas.OpenApiEvaluator;
import org.openapitools.codegen.validations.oas.RuleConfiguration;

/**
 * The generator's own validation of openapi.yaml, recommendations included, as {@code openapi-generator-cli validate
 * --recommend} runs it: no error, no warning, no recommendation. (Generating the clients in this module's build
 * already fails on an invalid spec; this adds the recommendations the generator makes but does not fail on.)
 */
class SpecValidationTest {
    static final Path SPEC = Path.of(System.getProperty("lvscp.openapi", "../openapi.yaml"));

    @Test
    void theGeneratorFindsNothingToRecommend() throws Exception {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIParser().readContents(Files.readString(SPEC), null, options);
        assertEquals(List.of(), parsed.getMessages(), "the parser's messages");

        RuleConfiguration rules = new RuleConfiguration();
        rules.setEnableRecommendations(true);
        ValidationResult result = new OpenApiEvaluator(rules).validate(parsed.getOpenAPI());
        assertEquals(List.of(), describe(result.getErrors()), "errors");
        assertEquals(List.of(), describe(result.getWarnings()), "warnings and recommendations");
    }

    private static List<String> describe(List<Invalid> found) {
        return found.stream().map(i -> i.getMessage() + ": " + i.getDetails()).toList();
    }
}
