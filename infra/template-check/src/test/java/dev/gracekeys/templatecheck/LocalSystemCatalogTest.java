package dev.gracekeys.templatecheck;

import dev.gracekeys.local.FunctionCatalog;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The local stack describes its functions (aws lambda list-functions / get-function) and times them
 * out from its own table, {@link FunctionCatalog}: it must be template.yaml's, function by function
 * (handler, runtime, memory, timeout, description, the names of the environment variables set).
 */
class LocalSystemCatalogTest {

    @Test
    void localStackCatalog_isTheTemplatesFunctions() {
        Map<String, Deployment.Function> deployed = new TreeMap<>();
        for (Deployment.Function f : Template.load().deploy("gracekeys-table", Map.of()).functions().values()) {
            deployed.put(f.lambdaName(), f);
        }
        Set<String> catalog = new TreeSet<>();
        FunctionCatalog.all().forEach(s -> catalog.add(s.name()));
        assertEquals(deployed.keySet(), catalog, "the functions");
        for (FunctionCatalog.Spec spec : FunctionCatalog.all()) {
            Deployment.Function f = deployed.get(spec.name());
            assertNotNull(f, spec.name());
            Map<String, Object> p = f.properties();
            assertEquals(f.handler(), spec.handler(), spec.name());
            assertEquals(FunctionCatalog.ALIAS, p.get("AutoPublishAlias"), spec.name());
            assertEquals(FunctionCatalog.RUNTIME, p.get("Runtime"), spec.name());
            assertEquals(java.util.List.of(FunctionCatalog.ARCHITECTURE), p.get("Architectures"), spec.name());
            assertEquals(spec.memoryMb(), ((Number) p.get("MemorySize")).intValue(), spec.name() + " MemorySize");
            assertEquals(spec.timeout(), Duration.ofSeconds(((Number) p.get("Timeout")).longValue()), spec.name() + " Timeout");
            assertEquals(p.get("Description"), spec.description(), spec.name() + " Description");
            assertEquals(new TreeSet<>(f.environment().keySet()), new TreeSet<>(spec.environment()),
                    spec.name() + " environment variable names");
        }
    }
}
