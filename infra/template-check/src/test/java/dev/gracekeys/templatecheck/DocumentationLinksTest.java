package dev.gracekeys.templatecheck;

import dev.gracekeys.testkit.Loopback;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Every relative link in the README and docs/ points at a file or folder that exists. */
class DocumentationLinksTest {

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void relativeLinks_inReadmeAndDocs_resolve() throws IOException {
        Path root = repoRoot();
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("events/README.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            Matcher m = LINK.matcher(Files.readString(page));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*") || target.startsWith("#")) {
                    continue; // a web address or an anchor on the same page
                }
                Path resolved = page.getParent().resolve(target.replaceFirst("#.*$", "")).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(root.relativize(page) + " → " + target);
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    private static Path repoRoot() {
        return Loopback.repoRoot();
    }
}
