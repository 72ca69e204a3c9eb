package dev.gracekeys.templatecheck;

import dev.gracekeys.lambda.LambdaTestKit;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The module map of docs/design.md, read from the poms: production code lives under shared/ or
 * functions/ and never depends on infra/ (the harness) outside test scope, so nothing of the
 * harness can ship in a function's jar; the core's compile classpath holds no AWS SDK and no
 * Micronaut. ArchitectureTest checks the same rule class by class.
 */
class ModuleLayoutTest {

    /** The top level the design fixes. */
    private static final List<String> TOP_LEVEL = List.of("template.yaml", "pom.xml", "shared", "functions",
            "infra", "events", "docs", "README.md");

    @Test
    void everyModule_isUnderSharedFunctionsOrInfra_andTheTopLevelIsAsDesigned() throws Exception {
        Path root = LambdaTestKit.repoRoot();
        for (String entry : TOP_LEVEL) {
            assertTrue(Files.exists(root.resolve(entry)), entry + " missing at the top level");
        }
        for (String module : modules(root).keySet()) {
            assertTrue(module.startsWith("shared/") || module.startsWith("functions/") || module.startsWith("infra/"),
                    module + " is outside shared/, functions/ and infra/");
        }
    }

    @Test
    void productModules_dependOnNoHarnessModule_outsideTestScope() throws Exception {
        Map<String, Element> modules = modules(LambdaTestKit.repoRoot());
        List<String> harness = new ArrayList<>();
        modules.forEach((dir, pom) -> {
            if (dir.startsWith("infra/")) {
                harness.add(text(pom, "artifactId"));
            }
        });
        assertTrue(harness.contains("gracekeys-test-kit"), "the kit is found: " + harness);
        List<String> wrong = new ArrayList<>();
        modules.forEach((dir, pom) -> {
            if (dir.startsWith("infra/")) {
                return;
            }
            for (Element dep : dependencies(pom)) {
                String scope = text(dep, "scope");
                if (harness.contains(text(dep, "artifactId")) && !"test".equals(scope)) {
                    wrong.add(dir + " -> " + text(dep, "artifactId") + " (scope " + (scope == null ? "compile" : scope) + ")");
                }
            }
        });
        assertEquals(List.of(), wrong, "production code must not depend on the harness");
    }

    @Test
    void theCore_compilesAgainstNoAwsSdk_andNoMicronaut() throws Exception {
        Element core = modules(LambdaTestKit.repoRoot()).get("shared/core");
        assertNotNull(core, "shared/core is a module");
        List<String> wrong = new ArrayList<>();
        for (Element dep : dependencies(core)) {
            String group = text(dep, "groupId");
            if (!"test".equals(text(dep, "scope"))
                    && (group.startsWith("software.amazon") || group.startsWith("com.amazonaws") || group.startsWith("io.micronaut"))) {
                wrong.add(group + ":" + text(dep, "artifactId"));
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** Every module of the reactor, by its folder relative to the root, with its pom's root element. */
    static Map<String, Element> modules(Path root) throws Exception {
        Map<String, Element> out = new LinkedHashMap<>();
        collect(root, root, out);
        return out;
    }

    private static void collect(Path root, Path dir, Map<String, Element> out) throws Exception {
        Element pom = read(dir.resolve("pom.xml"));
        if (!dir.equals(root)) {
            out.put(root.relativize(dir).toString().replace('\\', '/'), pom);
        }
        NodeList modules = pom.getElementsByTagName("module");
        for (int i = 0; i < modules.getLength(); i++) {
            collect(root, dir.resolve(modules.item(i).getTextContent().trim()).normalize(), out);
        }
    }

    private static Element read(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(pom.toFile());
        return doc.getDocumentElement();
    }

    /** The project's own dependencies (not dependencyManagement's, not a plugin's). */
    private static List<Element> dependencies(Element pom) {
        List<Element> out = new ArrayList<>();
        for (Node n = pom.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals("dependencies")) {
                NodeList deps = e.getElementsByTagName("dependency");
                for (int i = 0; i < deps.getLength(); i++) {
                    out.add((Element) deps.item(i));
                }
            }
        }
        return out;
    }

    private static String text(Element parent, String child) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(child)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }
}
