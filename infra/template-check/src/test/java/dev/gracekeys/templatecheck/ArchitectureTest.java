package dev.gracekeys.templatecheck;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dependency rule of the module map (docs/design.md), enforced over every product class the
 * functions ship, so it cannot erode:
 * <pre>
 *   functions/*  ->  shared/lambda  ->  shared/store-dynamodb, shared/aws  ->  shared/core
 *   infra/*  (test kit, local stack, checks, benchmarks)  ->  any of the above; never the reverse
 * </pre>
 * The core knows no AWS SDK, no Lambda type and no Micronaut; the adapters know no Micronaut and
 * not each other; no product class reaches into the harness. Maven's module graph already keeps
 * most of this (the core's compile classpath holds no SDK); these rules also hold within a module
 * and name the rule a change breaks.
 */
class ArchitectureTest {

    private static final String CORE = "dev.gracekeys.core..";
    private static final String STORE = "dev.gracekeys.store..";
    private static final String AWS = "dev.gracekeys.aws..";
    private static final String LAMBDA = "dev.gracekeys.lambda..";
    private static final String FUNCTIONS = "dev.gracekeys.functions..";
    private static final String[] HARNESS = {
            "dev.gracekeys.testkit..", "dev.gracekeys.local..", "dev.gracekeys.reliability..",
            "dev.gracekeys.bench..", "dev.gracekeys.jmh..", "dev.gracekeys.templatecheck.."};

    /** Product main classes only: test classes and test-jars (fixtures) use the SDK and the kit on purpose. */
    private static final ImportOption MAIN_ONLY = (Location location) ->
            !location.contains("/test-classes/") && !location.contains("-tests.jar");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(MAIN_ONLY)
            .importPackages("dev.gracekeys");

    @Test
    void core_dependsOnNoAwsSdk_noLambdaTypes_noMicronaut_andNoAdapter() {
        check(noClasses().that().resideInAPackage(CORE)
                .should().dependOnClassesThat().resideInAnyPackage(
                        "software.amazon..", "com.amazonaws..", "io.micronaut..", "com.fasterxml..",
                        STORE, AWS, LAMBDA, FUNCTIONS)
                .because("the core takes its store, pepper, events and delivery through its ports"
                        + " (dev.gracekeys.core.store, .token, .events, .ops); any adapter can stand in"));
    }

    @Test
    void adapters_knowNoMicronaut_noWiring_andNotEachOther() {
        check(noClasses().that().resideInAPackage(STORE)
                .should().dependOnClassesThat().resideInAnyPackage("io.micronaut..", AWS, LAMBDA, FUNCTIONS)
                .because("the DynamoDB store is one adapter of the core's store ports; wiring is shared/lambda's"));
        check(noClasses().that().resideInAPackage(AWS)
                .should().dependOnClassesThat().resideInAnyPackage("io.micronaut..", STORE, LAMBDA, FUNCTIONS)
                .because("each AWS adapter takes a ready SDK client; building clients from settings is shared/lambda's"));
    }

    @Test
    void wiring_neverReachesIntoAFunction_andFunctionsNotIntoEachOther() {
        check(noClasses().that().resideInAPackage(LAMBDA)
                .should().dependOnClassesThat().resideInAPackage(FUNCTIONS)
                .because("shared/lambda is what every function shares; a function's handler is its own"));
        for (String function : List.of("rotate", "authorizer", "revokeold", "describe", "setstatus",
                "backfill", "expiresweep")) {
            String own = "dev.gracekeys.functions." + function + "..";
            check(noClasses().that().resideInAPackage(own)
                    .should().dependOnClassesThat(resideInAPackage(FUNCTIONS).and(not(resideInAPackage(own))))
                    .because("each function deploys alone"));
        }
    }

    @Test
    void functions_reachTheStoreAndTheAwsAdapters_onlyThroughTheWiring() {
        check(noClasses().that().resideInAPackage(FUNCTIONS)
                .should().dependOnClassesThat().resideInAnyPackage(STORE, AWS,
                        "software.amazon.awssdk.services.dynamodb..", "software.amazon.awssdk.services.secretsmanager..",
                        "software.amazon.awssdk.services.eventbridge..")
                .because("a handler translates its event to a core call; shared/lambda puts the adapters in"));
        check(noClasses().that().resideInAPackage(FUNCTIONS).and().resideOutsideOfPackage("dev.gracekeys.functions.backfill..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..")
                .because("only backfill reads an AWS service itself (its import file from S3, its one user)"));
    }

    @Test
    void everyClass_isInALayerOfTheMap() {
        // A class in a package of its own (dev.gracekeys.util, say) would escape every rule above.
        List<String> layers = new java.util.ArrayList<>(List.of(CORE, STORE, AWS, LAMBDA, FUNCTIONS));
        layers.addAll(List.of(HARNESS));
        check(com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes()
                .should().resideInAnyPackage(layers.toArray(String[]::new))
                .because("docs/design.md's module map names every layer; a new one goes there and into these rules"));
    }

    @Test
    void noProductClass_dependsOnTheHarness() {
        check(noClasses().that().resideInAnyPackage(CORE, STORE, AWS, LAMBDA, FUNCTIONS)
                .should().dependOnClassesThat().resideInAnyPackage(HARNESS)
                .because("infra/ only runs, checks and measures the product; production code lives under shared/ or functions/"));
    }

    @Test
    void theRulesAboveSeeEveryLayer_notAnEmptyImport() {
        // A rule over no classes passes by definition: the import must have found every layer.
        for (String name : List.of("dev.gracekeys.core.GraceKeys", "dev.gracekeys.core.store.memory.InMemoryStore",
                "dev.gracekeys.store.dynamodb.DynamoDbStore", "dev.gracekeys.aws.eventbridge.EventBridgePublisher",
                "dev.gracekeys.aws.secretsmanager.SecretsManagerPepperSource", "dev.gracekeys.lambda.CoreFactory",
                "dev.gracekeys.functions.authorizer.VerifyAuthorizerHandler", "dev.gracekeys.functions.rotate.RotateHandler",
                "dev.gracekeys.testkit.DynamoDbLocal", "dev.gracekeys.local.LocalSystem")) {
            assertTrue(CLASSES.contain(name), name + " not imported");
        }
        assertTrue(CLASSES.stream().noneMatch(c -> c.getSimpleName().equals("StoreContract")),
                "test classes must not be imported: they use the SDK and the kit on purpose");
    }

    private static void check(ArchRule rule) {
        rule.check(CLASSES);
    }
}
