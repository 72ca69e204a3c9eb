package dev.gracekeys.templatecheck;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seven functions as the template declares them: names, handlers, the jars they deploy, the
 * settings every one of them shares, and their log groups.
 */
class TemplateFunctionsIT {

    private final Template template = Template.load();
    private final Deployment deployment = template.deploy("gracekeys-table", Map.of());

    @Test
    void template_declaresExactlyTheSevenFunctionsOfTheDesign() {
        Set<String> expected = Arrays.stream(Lambda.values()).map(Lambda::logicalId).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, new TreeSet<>(template.resourcesOfType(Template.SERVERLESS_FUNCTION)));
    }

    /** DESIGN.md's names, which ops pass to `aws lambda invoke`, prefixed by the stack's. */
    @ParameterizedTest
    @EnumSource(Lambda.class)
    void functionName_isTheStackNameDashTheDesignName(Lambda lambda) {
        assertEquals(lambda.lambdaName, deployment.function(lambda.logicalId()).lambdaName());
    }

    /**
     * The Handler is that function's class (not merely some handler: a swapped pair would pass every
     * other check), the Lambda runtime can build it (public, no-arg constructor) and call it.
     */
    @ParameterizedTest
    @EnumSource(Lambda.class)
    void handler_isTheFunctionsRequestHandlerClass(Lambda lambda) throws Exception {
        String handler = deployment.function(lambda.logicalId()).handler();
        assertEquals(lambda.handlerClass.getName() + "::handleRequest", handler, lambda.logicalId() + " Handler");

        Class<?> type = Class.forName(handler.substring(0, handler.indexOf("::")));
        assertTrue(RequestHandler.class.isAssignableFrom(type), type + " is not a RequestHandler");
        assertTrue(Modifier.isPublic(type.getConstructor().getModifiers()), type + " needs a public no-arg constructor");
        assertNotNull(type.getMethod("handleRequest", Object.class, Context.class));
    }

    /**
     * CodeUri is the shaded jar `./mvnw package` builds, and it holds the handler, the core and the
     * Micronaut runtime (self-contained: Lambda gets nothing else).
     */
    @ParameterizedTest
    @EnumSource(Lambda.class)
    void codeUri_isTheShadedJarThatHoldsTheHandler(Lambda lambda) throws IOException {
        String codeUri = deployment.function(lambda.logicalId()).codeUri();
        assertEquals(lambda.codeUri(), codeUri, lambda.logicalId() + " CodeUri");

        Path jar = LambdaTestKit.repoRoot().resolve(codeUri);
        assertTrue(Files.isRegularFile(jar), jar + " is missing: build it with ./mvnw -B package (or install)");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (String entry : List.of(
                    lambda.handlerClass.getName().replace('.', '/') + ".class",
                    "dev/gracekeys/core/GraceKeys.class",
                    "io/micronaut/function/aws/MicronautRequestHandler.class")) {
                assertNotNull(zip.getEntry(entry), jar + " lacks " + entry);
            }
        }
    }

    /** What the issue asks of every function: Java 21, SnapStart on the published alias, X-Ray, JSON logs. */
    @ParameterizedTest
    @EnumSource(Lambda.class)
    void everyFunction_runsJava21WithSnapStartOnTheLiveAlias_tracingAndJsonLogs(Lambda lambda) {
        Map<String, Object> p = deployment.function(lambda.logicalId()).properties();
        assertEquals("java21", p.get("Runtime"));
        assertEquals("live", p.get("AutoPublishAlias"));
        assertEquals(Map.of("ApplyOn", "PublishedVersions"), p.get("SnapStart"));
        assertEquals("Active", p.get("Tracing"));
        assertEquals("JSON", ((Map<?, ?>) p.get("LoggingConfig")).get("LogFormat"));
        assertEquals(1, ((List<?>) p.get("Architectures")).size(), "one architecture");
    }

    /** API Gateway gives an authorizer 10 s; the verify's own DynamoDB budget must fit well inside. */
    @Test
    void authorizer_timesOutWithinApiGatewaysLimit_andAboveItsDynamoDbBudget() {
        Map<String, Object> p = deployment.function(Lambda.VERIFY_AUTHORIZER.logicalId()).properties();
        int timeoutMillis = (Integer) p.get("Timeout") * 1000;
        int budget = Integer.parseInt(deployment.function(Lambda.VERIFY_AUTHORIZER.logicalId())
                .environment().get("VERIFY_TIMEOUT_MILLIS"));
        assertTrue(timeoutMillis <= 10_000, "authorizer Timeout " + timeoutMillis + " ms");
        assertTrue(budget < timeoutMillis, "VERIFY_TIMEOUT_MILLIS " + budget + " must be below the Timeout");
    }

    /**
     * Each function logs to its own group, /aws/lambda/<FunctionName> (where Lambda writes), with the
     * retention parameter, created before the function (DependsOn): publishing a SnapStart version
     * runs the init, which logs, and Lambda would otherwise create the group first, keeping logs forever.
     */
    @ParameterizedTest
    @EnumSource(Lambda.class)
    void logGroup_isTheFunctionsWithRetention_andComesFirst(Lambda lambda) {
        String logGroupId = lambda.logicalId().replace("Function", "LogGroup");
        assertEquals("AWS::Logs::LogGroup", template.type(logGroupId));
        Map<?, ?> group = (Map<?, ?>) deployment.resolve(template.properties(logGroupId));
        assertEquals("/aws/lambda/" + deployment.function(lambda.logicalId()).functionName(), group.get("LogGroupName"));
        assertEquals(Map.of("Ref", "LogRetentionDays"), template.properties(logGroupId).get("RetentionInDays"));
        Object dependsOn = template.resource(lambda.logicalId()).get("DependsOn");
        assertNotNull(dependsOn, lambda.logicalId() + " has no DependsOn");
        assertTrue(Template.list(dependsOn, "DependsOn").contains(logGroupId), lambda.logicalId() + " DependsOn " + dependsOn);
    }
}
