package dev.gracekeys.core;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core's layering, enforced rather than hoped for: the rules (ops, verify, token, model,
 * events), the store ports and the composition root ({@link GraceKeys}) know nothing of AWS or
 * Micronaut, so they run, and are tested, without the SDK (over the in-memory store, for one).
 * Only the adapter, {@code store.dynamodb}, touches the SDK, and nothing in the core reaches into
 * it: the functions pick the adapter where they wire the core.
 */
class ArchitectureTest {

    private static final String CORE = "dev.gracekeys.core..";
    private static final String ADAPTER = "dev.gracekeys.core.store.dynamodb..";

    /**
     * The module's main classes only, read from where {@code GraceKeys} was loaded: the test fixtures
     * use DynamoDB Local and the SDK on purpose, and scanning every jar on the classpath for the
     * package would cost seconds.
     */
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPath(mainClasses());

    private static Path mainClasses() {
        try {
            return Path.of(GraceKeys.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void core_outsideTheDynamoDbAdapter_dependsOnNoAwsSdk_noLambdaTypes_andNoMicronaut() {
        noClasses().that().resideInAPackage(CORE).and().resideOutsideOfPackage(ADAPTER)
                .should().dependOnClassesThat().resideInAnyPackage(
                        "software.amazon.awssdk..", "com.amazonaws..", "io.micronaut..")
                .because("the core takes its store through the ports in dev.gracekeys.core.store;"
                        + " the DynamoDB wiring lives in store.dynamodb (DynamoDbGraceKeys)")
                .check(MAIN);
    }

    @Test
    void rulesPortsAndCompositionRoot_neverUseTheDynamoDbAdapter() {
        noClasses().that().resideInAPackage(CORE).and().resideOutsideOfPackage(ADAPTER)
                .should().dependOnClassesThat().resideInAPackage(ADAPTER)
                .because("ops, verify, token, model, events and GraceKeys see the store only through its"
                        + " ports, so any store (the in-memory one of the tests) can stand in")
                .check(MAIN);
    }

    @Test
    void theRulesAboveSeeTheWholeCore_notAnEmptyImport() {
        // A rule over no classes passes by definition: make sure the import found the core and its adapter.
        assertTrue(MAIN.contain(GraceKeys.class.getName()));
        assertTrue(MAIN.contain("dev.gracekeys.core.store.dynamodb.DynamoDbStore"));
        assertTrue(MAIN.contain("dev.gracekeys.core.ops.TokenService"));
    }
}
