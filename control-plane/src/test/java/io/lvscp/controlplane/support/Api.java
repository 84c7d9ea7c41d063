package io.lvscp.controlplane.support;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.restassured.OpenApiValidationFilter;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * REST Assured against a running control plane, with every exchange checked against openapi.yaml. For requests
 * that are wrong on purpose, {@link #badInput} checks only the response: the contract must still describe
 * the refusal the server gives.
 */
public final class Api {
    // From a module (tests) the contract is one level up; from the repository root (benchmarks run by exec:java) it is here.
    private static final Path SPEC = Path.of(System.getProperty("lvscp.openapi",
            Files.exists(Path.of("openapi.yaml")) ? "openapi.yaml" : "../openapi.yaml")).toAbsolutePath();
    private static OpenApiValidationFilter strict;
    private static OpenApiValidationFilter responsesOnly;

    private Api() {}

    private static synchronized OpenApiValidationFilter filter(boolean checkRequests) {
        if (!Files.exists(SPEC)) throw new IllegalStateException("openapi.yaml not found at " + SPEC);
        if (strict == null) {
            strict = new OpenApiValidationFilter(OpenApiInteractionValidator.createForSpecificationUrl(SPEC.toUri().toString()).build());
            responsesOnly = new OpenApiValidationFilter(OpenApiInteractionValidator.createForSpecificationUrl(SPEC.toUri().toString())
                    .withLevelResolver(LevelResolver.create()
                            .withLevel("validation.request", ValidationReport.Level.IGNORE)
                            .build())
                    .build());
        }
        return checkRequests ? strict : responsesOnly;
    }

    /** As the test admin. */
    public static RequestSpecification given(RunningControlPlane cp) {
        return as(cp, RunningControlPlane.ADMIN_TOKEN);
    }

    /** With {@code token} as the bearer token, or with no Authorization header when it is null. */
    public static RequestSpecification as(RunningControlPlane cp, String token) {
        RequestSpecBuilder b = new RequestSpecBuilder().setBaseUri(cp.baseUrl()).setContentType(ContentType.JSON);
        if (token != null) b.addHeader("Authorization", "Bearer " + token);
        return RestAssured.given(b.build()).filter(filter(true));
    }

    /** As the test admin, against a control plane this JVM did not start (a child process, by its base URL). */
    public static RequestSpecification at(String baseUrl) {
        RequestSpecBuilder b = new RequestSpecBuilder().setBaseUri(baseUrl).setContentType(ContentType.JSON)
                .addHeader("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN);
        return RestAssured.given(b.build()).filter(filter(true));
    }

    public static RequestSpecification badInput(RunningControlPlane cp) {
        return RestAssured.given(new RequestSpecBuilder().setBaseUri(cp.baseUrl())
                .addHeader("Authorization", "Bearer " + RunningControlPlane.ADMIN_TOKEN).build()).filter(filter(false));
    }
}
