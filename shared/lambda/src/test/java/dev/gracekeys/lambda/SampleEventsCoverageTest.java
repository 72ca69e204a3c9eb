package dev.gracekeys.lambda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each function has sample events, and each sample is run by a test of that function: a sample no
 * test runs can drift from the code unnoticed (and then mislead whoever runs it with sam local).
 */
class SampleEventsCoverageTest {

    @Test
    void everyFunctionHasSamples_andEverySampleIsUsedByItsFunctionsTests() throws IOException {
        Path root = LambdaTestKit.repoRoot();
        List<String> problems = new ArrayList<>();
        try (Stream<Path> functions = Files.list(root.resolve("functions"))) {
            for (Path function : functions.filter(Files::isDirectory).sorted().toList()) {
                String name = function.getFileName().toString();
                Path samples = root.resolve("events").resolve(name);
                if (!Files.isDirectory(samples)) {
                    problems.add("function " + name + " has no events/" + name + "/ folder");
                    continue;
                }
                String tests = testSources(function.resolve("src/test"));
                try (Stream<Path> files = Files.list(samples)) {
                    for (Path sample : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                        String ref = name + "/" + sample.getFileName();
                        if (!tests.contains("\"" + ref + "\"") && !tests.contains("\"" + sample.getFileName() + "\"")) {
                            problems.add("events/" + ref + " is used by no test in functions/" + name);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    private static String testSources(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return "";
        }
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                try {
                    all.append(Files.readString(p));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return all.toString();
    }
}
