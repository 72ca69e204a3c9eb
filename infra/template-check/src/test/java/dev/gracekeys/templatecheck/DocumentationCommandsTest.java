package dev.gracekeys.templatecheck;

import dev.gracekeys.testkit.Loopback;

import dev.gracekeys.local.LocalOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every shell command the README, events/README.md and docs/ give, in fenced {@code bash}, {@code sh},
 * {@code shell} and {@code console} blocks and in inline code, names options and things that exist,
 * so the pages cannot drift from the code:
 * <ul>
 *   <li>{@code ./mvnw}: each {@code -pl} module is a module of the reactor (read from the poms,
 *       recursively) with a pom.xml; a module that depends on sibling modules is built with
 *       {@code -am} (a fresh clone has no sibling SNAPSHOTs); with {@code -am}, a {@code -Dtest} or
 *       {@code -Dit.test} filter comes with {@code -D(surefire|failsafe).failIfNoSpecifiedTests=false}
 *       (else the upstream modules, where nothing matches, fail); each {@code -P} profile is declared
 *       in some pom; each bare word is a lifecycle phase or a plugin goal;</li>
 *   <li>{@code infra/run-local}: each option is accepted by the local stack's parser
 *       ({@link LocalOptions#parse}) or by the script itself, and listed by {@code --help};</li>
 *   <li>{@code infra/benchmarks/bench} and {@code infra/reliability/soak}: each option is one the
 *       script (or the Java main it runs) accepts and its usage lists; {@code --only} names groups
 *       the script knows;</li>
 *   <li>{@code aws lambda} against the local stack ({@code --endpoint-url http://127.0.0.1:N}): N is
 *       the stack's default Lambda port, the function is one of template.yaml's (by its name without
 *       the stack prefix); against AWS, the function is {@code gracekeys-<function>} (the docs' stack),
 *       optionally {@code :live}; a {@code file://events/...} payload exists; a payload comes with
 *       {@code --cli-binary-format raw-in-base64-out};</li>
 *   <li>{@code curl} to the local {@code /push}: the stack's default HTTP port.</li>
 * </ul>
 * No network, nothing started: the pages, the poms, the scripts, template.yaml and the parsers are read.
 */
class DocumentationCommandsTest {

    private static final Set<String> SHELL_LANGUAGES = Set.of("bash", "sh", "shell", "console");
    private static final Set<String> PROGRAMS = Set.of("./mvnw", "infra/run-local", "infra/benchmarks/bench",
            "infra/reliability/soak", "aws", "curl");
    private static final Set<String> KEYWORDS = Set.of("while", "until", "if", "then", "do", "else", "elif",
            "!", "{", "}", "time", "exec");
    private static final Set<String> PHASES = Set.of("validate", "initialize", "generate-sources",
            "process-sources", "generate-resources", "process-resources", "compile", "process-classes",
            "generate-test-sources", "process-test-sources", "generate-test-resources", "process-test-resources",
            "test-compile", "process-test-classes", "test", "prepare-package", "package", "pre-integration-test",
            "integration-test", "post-integration-test", "verify", "install", "deploy", "pre-clean", "clean",
            "post-clean", "pre-site", "site", "post-site", "site-deploy");
    private static final String STACK = Template.STACK_NAME;

    private static Path root;
    private static Reactor reactor;
    private static Set<String> functions;
    private static List<Command> commands;
    private static List<OptionRow> optionRows;

    /** A simple command as a page gives it: where, and its words after env assignments and keywords. */
    record Command(String where, List<String> words, String text) {
        String program() {
            return words.get(0);
        }

        List<String> args() {
            return words.subList(1, words.size());
        }

        /** The value after {@code option}, or the part after {@code option=}; null when absent. */
        String value(String option) {
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                if (w.equals(option) && i + 1 < words.size()) {
                    return words.get(i + 1);
                }
                if (w.startsWith(option + "=")) {
                    return w.substring(option.length() + 1);
                }
            }
            return null;
        }

        boolean has(String word) {
            return words.contains(word);
        }

        @Override
        public String toString() {
            return where + ": " + text;
        }
    }

    @BeforeAll
    static void read() throws Exception {
        root = repoRoot();
        reactor = Reactor.read(root);
        functions = new TreeSet<>();
        for (Deployment.Function f : Template.load().deploy("docs-table", Map.of()).functions().values()) {
            functions.add(f.lambdaName()); // FunctionName ${AWS::StackName}-<name>, evaluated for the stack gracekeys
        }
        commands = new ArrayList<>();
        for (Path page : pages()) {
            commands.addAll(commandsOf(page));
        }
        optionRows = new ArrayList<>();
        for (Path page : pages()) {
            optionRows.addAll(optionRowsOf(page));
        }
    }

    @Test
    void theExtraction_findsTheCommandsItChecks() {
        // So that a change in how pages are written cannot make every check below pass vacuously.
        assertTrue(count(c -> c.program().equals("./mvnw") && c.value("-pl") != null) >= 3, "./mvnw -pl commands");
        assertTrue(count(c -> c.program().equals("./mvnw") && c.text().contains("-P")) >= 1, "./mvnw -P commands");
        assertTrue(count(c -> c.program().equals("infra/run-local") && c.args().stream().anyMatch(a -> a.startsWith("--"))) >= 3,
                "infra/run-local commands with options");
        assertTrue(count(c -> c.program().equals("infra/benchmarks/bench") && c.has("--only")) >= 1, "bench --only");
        assertTrue(count(c -> c.program().equals("infra/reliability/soak")) >= 1, "soak commands");
        assertTrue(count(c -> isLambda(c) && local(c) != null) >= 10, "local aws lambda commands");
        assertTrue(count(c -> isLambda(c) && local(c) == null && c.value("--function-name") != null) >= 10,
                "aws lambda commands against AWS");
        assertTrue(count(c -> isLambda(c) && String.valueOf(c.value("--payload")).startsWith("file://events/")) >= 2,
                "payloads from events/");
        assertTrue(count(c -> c.program().equals("curl") && c.text().contains("/push")) >= 3, "curl /push");
        assertTrue(optionRows.stream().filter(r -> r.program().equals("infra/run-local")).count() >= 8,
                "the local stack's option table");
        assertTrue(reactor.modules().size() >= 10, "reactor modules read from the poms: " + reactor.modules());
        assertTrue(functions.size() >= 7, "template.yaml's functions: " + functions);
    }

    @Test
    void mavenCommands_nameModulesAndProfilesThatExist_andBuildTheSiblingsTheyNeed() {
        List<String> problems = new ArrayList<>();
        for (Command c : commands) {
            if (!c.program().equals("./mvnw")) {
                continue;
            }
            List<String> selected = new ArrayList<>();
            List<String> profiles = new ArrayList<>();
            boolean alsoMake = false;
            List<String> args = c.args();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("-pl") || a.equals("--projects")) {
                    selected.addAll(List.of(args.get(++i).split(",")));
                } else if (a.startsWith("-pl") && a.length() > 3) {
                    selected.addAll(List.of(a.substring(3).split(",")));
                } else if (a.equals("-P") || a.equals("--activate-profiles")) {
                    profiles.addAll(List.of(args.get(++i).split(",")));
                } else if (a.startsWith("-P") && a.length() > 2) {
                    profiles.addAll(List.of(a.substring(2).split(",")));
                } else if (a.equals("-am") || a.equals("--also-make")) {
                    alsoMake = true;
                } else if (!a.startsWith("-") && !a.startsWith("$") && !a.contains(":") && !PHASES.contains(a)) {
                    problems.add(c + " → '" + a + "' is no lifecycle phase");
                }
            }
            for (String s : selected) {
                String module = s.replaceFirst("^[!?]", "");
                String dir = module.startsWith(":") ? reactor.dirOfArtifact(module.substring(1)) : module;
                if (dir == null || !reactor.modules().contains(Path.of(dir).normalize().toString())) {
                    problems.add(c + " → -pl " + module + " is no module of the reactor " + reactor.modules());
                } else if (!Files.isRegularFile(root.resolve(dir).resolve("pom.xml"))) {
                    problems.add(c + " → " + dir + " has no pom.xml");
                } else if (!alsoMake && !s.startsWith("!") && !reactor.siblingsOf(dir).isEmpty()) {
                    problems.add(c + " → " + dir + " needs sibling modules " + reactor.siblingsOf(dir)
                            + ", which a fresh clone has not installed: add -am");
                }
            }
            for (String p : profiles) {
                String id = p.replaceFirst("^[!?]", "");
                if (!reactor.profiles().contains(id)) {
                    problems.add(c + " → -P " + id + " is declared in no pom (profiles: " + reactor.profiles() + ")");
                }
            }
            if (alsoMake && c.value("-Dtest") != null && !c.has("-Dsurefire.failIfNoSpecifiedTests=false")) {
                problems.add(c + " → with -am, -Dtest needs -Dsurefire.failIfNoSpecifiedTests=false"
                        + " (the upstream modules have no such test)");
            }
            if (alsoMake && c.value("-Dit.test") != null && !c.has("-Dfailsafe.failIfNoSpecifiedTests=false")) {
                problems.add(c + " → with -am, -Dit.test needs -Dfailsafe.failIfNoSpecifiedTests=false"
                        + " (the upstream modules have no such test)");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void runLocalCommands_useOptionsTheLocalStackAccepts_andItsHelpLists() throws IOException {
        Path script = root.resolve("infra/run-local");
        Set<String> scriptOptions = caseLabels(Files.readString(script));
        List<String> problems = new ArrayList<>();
        for (Command c : commands) {
            if (!c.program().equals("infra/run-local")) {
                continue;
            }
            for (String a : c.args()) {
                if (!a.startsWith("-")) {
                    continue;
                }
                String option = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
                if (!scriptOptions.contains(option) && !acceptedByLocalOptions(option)) {
                    problems.add(c + " → " + option + " is not an option of the local stack");
                } else if (!mentions(LocalOptions.USAGE, option)) {
                    problems.add(c + " → " + option + " is not listed by infra/run-local --help");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void optionTables_listOptionsTheirProgramAccepts_withItsDefaults() throws Exception {
        Set<String> runLocalScript = caseLabels(Files.readString(root.resolve("infra/run-local")));
        LocalOptions defaults = LocalOptions.parse();
        List<String> problems = new ArrayList<>();
        for (OptionRow r : optionRows) {
            if (!r.program().equals("infra/run-local")) {
                problems.add(r.where() + ": an option table after " + r.program() + ", which this test does not know");
                continue;
            }
            if (!runLocalScript.contains(r.option()) && !acceptedByLocalOptions(r.option())) {
                problems.add(r.where() + ": " + r.option() + " is not an option of the local stack");
                continue;
            }
            if (!mentions(LocalOptions.USAGE, r.option())) {
                problems.add(r.where() + ": " + r.option() + " is not listed by infra/run-local --help");
            }
            // The default, where the parsed options have a component of the option's name.
            String component = camel(r.option().substring(2));
            for (java.lang.reflect.RecordComponent rc : LocalOptions.class.getRecordComponents()) {
                if (rc.getName().equalsIgnoreCase(component)) {
                    Object value = rc.getAccessor().invoke(defaults);
                    String real = value == null ? "none" : value instanceof Boolean b ? (b ? "on" : "off")
                            : value.toString();
                    String documented = r.defaultText().replaceAll("/+$", "");
                    if (!documented.equals(real)) {
                        problems.add(r.where() + ": " + r.option() + " defaults to " + real + ", not " + r.defaultText());
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void benchAndSoakCommands_useOptionsTheScriptsAccept() throws IOException {
        String bench = Files.readString(root.resolve("infra/benchmarks/bench"));
        Set<String> benchOptions = caseLabels(bench);
        Matcher g = Pattern.compile("all_groups=\"([^\"]+)\"").matcher(bench);
        assertTrue(g.find(), "infra/benchmarks/bench declares all_groups");
        Set<String> groups = Set.of(g.group(1).trim().split("\\s+"));

        String soak = Files.readString(root.resolve("infra/reliability/soak"));
        Set<String> soakOptions = new TreeSet<>(caseLabels(soak));
        Matcher main = Pattern.compile("\\b(dev\\.gracekeys\\.[\\w.]+)\\s+\"\\$\\{args").matcher(soak);
        assertTrue(main.find(), "infra/reliability/soak runs a Java main");
        soakOptions.addAll(javaCaseLabels(Files.readString(sourceOf(main.group(1)))));

        List<String> problems = new ArrayList<>();
        for (Command c : commands) {
            boolean isBench = c.program().equals("infra/benchmarks/bench");
            if (!isBench && !c.program().equals("infra/reliability/soak")) {
                continue;
            }
            String script = isBench ? bench : soak;
            Set<String> accepted = isBench ? benchOptions : soakOptions;
            List<String> args = c.args();
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                if (!option.startsWith("-")) {
                    continue;
                }
                if (!accepted.contains(option)) {
                    problems.add(c + " → " + option + " is not an option of " + c.program() + " " + accepted);
                } else if (!mentions(usageOf(script), option)) {
                    problems.add(c + " → " + option + " is not listed by " + c.program() + " --help");
                }
                if (isBench && option.equals("--only") && i + 1 < args.size()) {
                    for (String group : args.get(i + 1).split(",")) {
                        if (!groups.contains(group)) {
                            problems.add(c + " → --only " + group + " is no group of the bench " + groups);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void awsLambdaCommands_nameTemplateFunctions_theLocalStacksPort_andPayloadsThatExist() {
        int lambdaPort = LocalOptions.defaults().lambdaPort();
        List<String> problems = new ArrayList<>();
        for (Command c : commands) {
            if (!isLambda(c)) {
                continue;
            }
            String endpoint = local(c);
            String function = c.value("--function-name");
            if (endpoint != null) {
                Matcher m = Pattern.compile("^https?://(127\\.0\\.0\\.1|localhost|\\[::1\\]):(\\d+)/?$").matcher(endpoint);
                if (!m.matches()) {
                    problems.add(c + " → --endpoint-url " + endpoint + " is not the local stack on loopback");
                } else if (Integer.parseInt(m.group(2)) != lambdaPort) {
                    problems.add(c + " → port " + m.group(2) + " is not the local Lambda API's default, " + lambdaPort);
                }
                if (function != null && !function.startsWith("$") && !functions.contains(function.replaceFirst(":.*$", ""))) {
                    problems.add(c + " → the local stack serves no function " + function + " " + functions);
                }
            } else if (function != null && !function.startsWith("$") && !function.startsWith("<")
                    && !function.startsWith("arn:")) {
                Matcher m = Pattern.compile("^" + Pattern.quote(STACK) + "-([a-z-]+)(:live)?$").matcher(function);
                if (!m.matches() || !functions.contains(m.group(1))) {
                    problems.add(c + " → on AWS the function is " + STACK + "-<function>[:live] (template.yaml's"
                            + " FunctionName), one of " + functions + "; or add --endpoint-url for the local stack");
                }
            }
            String payload = c.value("--payload");
            if (payload != null) {
                if (payload.startsWith("file://events/") && !Files.isRegularFile(root.resolve(payload.substring(7)))) {
                    problems.add(c + " → " + payload + " does not exist");
                }
                if (!"raw-in-base64-out".equals(c.value("--cli-binary-format"))) {
                    problems.add(c + " → a --payload needs --cli-binary-format raw-in-base64-out (AWS CLI v2)");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void localPushes_goToTheLocalHttpApisPort() {
        int httpPort = LocalOptions.defaults().httpPort();
        Pattern url = Pattern.compile("https?://(?:127\\.0\\.0\\.1|localhost):(\\d+)(/\\S*)?");
        List<String> problems = new ArrayList<>();
        for (Command c : commands) {
            if (!c.program().equals("curl")) {
                continue;
            }
            for (String a : c.args()) {
                Matcher m = url.matcher(a);
                if (m.find() && Integer.parseInt(m.group(1)) != httpPort) {
                    problems.add(c + " → port " + m.group(1) + " is not the local HTTP API's default, " + httpPort);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    // ---------------------------------------------------------------- the commands on the pages

    private static long count(java.util.function.Predicate<Command> p) {
        return commands.stream().filter(p).count();
    }

    private static boolean isLambda(Command c) {
        return c.program().equals("aws") && c.args().contains("lambda");
    }

    /** The command's {@code --endpoint-url}, or null when it goes to AWS. */
    private static String local(Command c) {
        return c.value("--endpoint-url");
    }

    static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("events/README.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    private static final Pattern FENCE = Pattern.compile("^\\s*(?:>\\s*)?```\\s*([\\w-]*).*$");
    private static final Pattern INLINE = Pattern.compile("`([^`]+)`");
    private static final Pattern HEREDOC = Pattern.compile("<<-?\\s*['\"]?(\\w+)['\"]?");

    /** The simple commands of a page whose program is one this test checks. */
    static List<Command> commandsOf(Path page) throws IOException {
        String name = root.relativize(page).toString();
        List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
        List<Command> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher fence = FENCE.matcher(lines.get(i));
            if (fence.matches()) {
                String language = fence.group(1);
                int start = i + 1;
                StringBuilder block = new StringBuilder();
                String heredocEnd = null;
                for (i = start; i < lines.size() && !FENCE.matcher(lines.get(i)).matches(); i++) {
                    String line = lines.get(i).replaceFirst("^\\s*>\\s?", "");
                    if (heredocEnd != null) {
                        block.append('\n'); // keep the line count
                        if (line.trim().equals(heredocEnd)) {
                            heredocEnd = null;
                        }
                        continue;
                    }
                    if (language.equals("console")) {
                        line = line.startsWith("$ ") ? line.substring(2) : "";
                    }
                    Matcher h = HEREDOC.matcher(line);
                    if (h.find()) {
                        heredocEnd = h.group(1);
                    }
                    block.append(line).append('\n');
                }
                if (SHELL_LANGUAGES.contains(language)) {
                    for (Lexed l : lex(block.toString())) {
                        command(name + ":" + (start + 1 + l.line()), l.words(), l.text()).ifPresent(out::add);
                    }
                }
                continue;
            }
            Matcher m = INLINE.matcher(lines.get(i));
            while (m.find()) {
                for (Lexed l : lex(m.group(1))) {
                    command(name + ":" + (i + 1), l.words(), l.text()).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** A row of an option table ({@code | option | default | ...}): the program is the last one run above it. */
    record OptionRow(String where, String program, String option, String defaultText) {
    }

    private static final Pattern OPTION_CELL = Pattern.compile("^`(-[-\\w]+)[^`]*`$");

    static List<OptionRow> optionRowsOf(Path page) throws IOException {
        String name = root.relativize(page).toString();
        List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
        List<OptionRow> rows = new ArrayList<>();
        String program = null;
        int defaultColumn = -1;
        List<Command> onPage = commands.stream().filter(c -> c.where().startsWith(name + ":")).toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (!line.startsWith("|")) {
                defaultColumn = -1;
                continue;
            }
            List<String> cells = new ArrayList<>();
            for (String cell : line.substring(1).split("(?<!\\\\)\\|")) {
                cells.add(cell.trim());
            }
            if (cells.get(0).equals("option")) {
                defaultColumn = cells.indexOf("default");
                int lineNo = i + 1;
                program = onPage.stream()
                        .filter(c -> Integer.parseInt(c.where().substring(name.length() + 1)) < lineNo)
                        .reduce((a, b) -> b).map(Command::program).orElse("(none)");
                continue;
            }
            Matcher m = OPTION_CELL.matcher(cells.get(0));
            if (defaultColumn > 0 && m.matches()) {
                String def = defaultColumn < cells.size() ? cells.get(defaultColumn).replace("`", "") : "";
                rows.add(new OptionRow(name + ":" + (i + 1), program, m.group(1), def));
            }
        }
        return rows;
    }

    private static String camel(String dashed) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char ch : dashed.toCharArray()) {
            if (ch == '-') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return b.toString();
    }

    private static java.util.Optional<Command> command(String where, List<String> words, String text) {
        int i = 0;
        while (i < words.size() && (KEYWORDS.contains(words.get(i)) || words.get(i).matches("[A-Za-z_][A-Za-z0-9_]*=.*"))) {
            i++;
        }
        if (i >= words.size() || !PROGRAMS.contains(words.get(i))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Command(where, List.copyOf(words.subList(i, words.size())), text.trim()));
    }

    /** One simple command: its words (quotes removed, variables left as written) and its first line. */
    record Lexed(int line, List<String> words, String text) {
    }

    /**
     * Splits shell text into simple commands: at unquoted newlines, {@code ;}, {@code |}, {@code &},
     * {@code (} and {@code )}; quotes removed, {@code \}-newline joined, comments and redirections
     * (with their targets) left out. What a {@code $(...)} runs is lexed as commands of its own.
     */
    static List<Lexed> lex(String text) {
        List<Lexed> out = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        boolean dropNext = false;
        int line = 0;
        int startLine = 0;
        int startAt = 0;
        int n = text.length();
        int i = 0;
        while (i <= n) {
            char c = i < n ? text.charAt(i) : '\n';
            boolean end = i == n;
            if (c == '\\' && i + 1 < n && text.charAt(i + 1) == '\n') {
                i += 2;
                line++;
                continue;
            }
            if (c == '<') {
                Matcher placeholder = PLACEHOLDER.matcher(text).region(i, n);
                if (placeholder.lookingAt()) { // <stack>, <the good version>: part of a word, not a redirection
                    if (word == null) {
                        word = new StringBuilder();
                        if (words.isEmpty()) {
                            startLine = line;
                            startAt = i;
                        }
                    }
                    word.append(placeholder.group());
                    i = placeholder.end();
                    continue;
                }
            }
            boolean separator = c == '\n' || c == ';' || c == '|' || c == '&' || c == '(' || c == ')';
            if (separator || c == ' ' || c == '\t' || c == '>' || c == '<') {
                if (word != null) {
                    if (dropNext) {
                        dropNext = false;
                    } else if (!(c == '>' || c == '<') || !word.toString().matches("\\d+")) {
                        words.add(word.toString());
                    }
                    word = null;
                }
                if (c == '>' || c == '<') {
                    int j = i;
                    while (j < n && (text.charAt(j) == '>' || text.charAt(j) == '<' || text.charAt(j) == '&')) {
                        j++;
                    }
                    if (text.charAt(j - 1) == '&' && j < n && Character.isDigit(text.charAt(j))) {
                        while (j < n && Character.isDigit(text.charAt(j))) {
                            j++; // 2>&1
                        }
                    } else {
                        dropNext = true; // the file it redirects to
                    }
                    i = j;
                    continue;
                }
                if (separator) {
                    if (!words.isEmpty()) {
                        out.add(new Lexed(startLine, List.copyOf(words), firstLine(text.substring(startAt, Math.min(i, n)))));
                    }
                    words.clear();
                    dropNext = false;
                    if (c == '\n') {
                        line++;
                    }
                }
                if (end) {
                    break;
                }
                i++;
                if (words.isEmpty() && word == null) {
                    startLine = line;
                    startAt = i;
                }
                continue;
            }
            if (c == '#' && word == null) {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
                if (words.isEmpty()) {
                    startLine = line;
                    startAt = i;
                }
            }
            if (c == '\'') {
                int close = text.indexOf('\'', i + 1);
                close = close < 0 ? n : close;
                String quoted = text.substring(i + 1, close);
                word.append(quoted);
                line += quoted.chars().filter(ch -> ch == '\n').count();
                i = close + 1;
            } else if (c == '"') {
                int j = i + 1;
                while (j < n && text.charAt(j) != '"') {
                    if (text.charAt(j) == '\\' && j + 1 < n) {
                        j++;
                    } else if (text.charAt(j) == '$' && j + 1 < n && text.charAt(j + 1) == '(') {
                        int close = closingParen(text, j + 1);
                        out.addAll(shifted(lex(text.substring(j + 2, close)), line));
                        word.append(text, j, close + 1);
                        j = close + 1;
                        continue;
                    }
                    if (text.charAt(j) == '\n') {
                        line++;
                    }
                    word.append(text.charAt(j));
                    j++;
                }
                i = j + 1;
            } else if (c == '$' && i + 1 < n && text.charAt(i + 1) == '(') {
                int close = closingParen(text, i + 1);
                out.addAll(shifted(lex(text.substring(i + 2, close)), line));
                word.append(text, i, close + 1);
                i = close + 1;
            } else if (c == '\\' && i + 1 < n) {
                word.append(text.charAt(i + 1));
                i += 2;
            } else {
                word.append(c);
                i++;
            }
        }
        return out;
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("<[A-Za-z][^<>\\n'\"|;&]*>");

    private static List<Lexed> shifted(List<Lexed> lexed, int by) {
        return lexed.stream().map(l -> new Lexed(l.line() + by, l.words(), l.text())).toList();
    }

    /** The index of the {@code )} that closes the {@code (} at {@code open}, skipping quoted text. */
    private static int closingParen(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'' || c == '"') {
                int close = text.indexOf(c, i + 1);
                i = close < 0 ? text.length() : close;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        return text.length();
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl) + " ...";
    }

    // ---------------------------------------------------------------- what the code accepts

    private static boolean acceptedByLocalOptions(String option) {
        try {
            LocalOptions.parse(option, "1");
            return true;
        } catch (IllegalArgumentException e) {
            // "1" after a flag is itself an unknown option; only the option's own rejection counts
            return !String.valueOf(e.getMessage()).startsWith("unknown option " + option + " ");
        }
    }

    /** The options a shell script's {@code case} labels accept, e.g. {@code -h|--help)}. */
    static Set<String> caseLabels(String script) {
        Set<String> labels = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*(-[-\\w]*(?:\\|-[-\\w]*)*)\\)").matcher(script);
        while (m.find()) {
            labels.addAll(List.of(m.group(1).split("\\|")));
        }
        return labels;
    }

    /** The options a Java {@code switch} over the arguments accepts: {@code case "--x", "-y" ->}. */
    static Set<String> javaCaseLabels(String source) {
        Set<String> labels = new TreeSet<>();
        Matcher m = Pattern.compile("case\\s+(\"-[^\"]*\"(?:\\s*,\\s*\"-[^\"]*\")*)\\s*->").matcher(source);
        while (m.find()) {
            Matcher q = Pattern.compile("\"([^\"]+)\"").matcher(m.group(1));
            while (q.find()) {
                labels.add(q.group(1));
            }
        }
        return labels;
    }

    /** A script's usage text: its here-documents. */
    private static String usageOf(String script) {
        StringBuilder usage = new StringBuilder();
        Matcher m = Pattern.compile("<<'(\\w+)'\\n(.*?)\\n\\1\\n", Pattern.DOTALL).matcher(script);
        while (m.find()) {
            usage.append(m.group(2)).append('\n');
        }
        return usage.toString();
    }

    private static boolean mentions(String text, String option) {
        return Pattern.compile("(?<![\\w-])" + Pattern.quote(option) + "(?![\\w-])").matcher(text).find();
    }

    /** The source file of a class, in whichever module holds it. */
    private static Path sourceOf(String className) throws IOException {
        String relative = "src/main/java/" + className.replace('.', '/') + ".java";
        for (String module : reactor.modules()) {
            Path p = root.resolve(module).resolve(relative);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new AssertionError("no module of " + reactor.modules() + " holds " + relative);
    }

    // ---------------------------------------------------------------- the reactor, from the poms

    /**
     * The build's modules (paths from the root, read from each pom's {@code <modules>}, recursively),
     * their artifactIds, the sibling modules each depends on, and every profile id declared.
     */
    record Reactor(Map<String, String> artifactOf, Map<String, Set<String>> dependsOn, Set<String> profiles) {

        Set<String> modules() {
            return artifactOf.keySet();
        }

        String dirOfArtifact(String artifactId) {
            return artifactOf.entrySet().stream().filter(e -> e.getValue().equals(artifactId))
                    .map(Map.Entry::getKey).findFirst().orElse(null);
        }

        /** The reactor modules {@code dir} depends on directly. */
        Set<String> siblingsOf(String dir) {
            Set<String> siblings = new TreeSet<>();
            for (String artifact : dependsOn.getOrDefault(Path.of(dir).normalize().toString(), Set.of())) {
                String d = dirOfArtifact(artifact);
                if (d != null) {
                    siblings.add(d);
                }
            }
            return siblings;
        }

        static Reactor read(Path root) throws Exception {
            Map<String, String> artifactOf = new LinkedHashMap<>();
            Map<String, Set<String>> dependsOn = new LinkedHashMap<>();
            Set<String> profiles = new TreeSet<>();
            collect(root, root, artifactOf, dependsOn, profiles);
            return new Reactor(artifactOf, dependsOn, profiles);
        }

        private static void collect(Path root, Path dir, Map<String, String> artifactOf,
                                    Map<String, Set<String>> dependsOn, Set<String> profiles) throws Exception {
            Path pom = dir.resolve("pom.xml");
            if (!Files.isRegularFile(pom)) {
                throw new AssertionError("a module without a pom.xml: " + root.relativize(dir));
            }
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(false);
            Document doc = f.newDocumentBuilder().parse(pom.toFile());
            Element project = doc.getDocumentElement();
            String self = root.relativize(dir).normalize().toString();
            if (!self.isEmpty()) {
                artifactOf.put(self, text(child(project, "artifactId")));
                Set<String> deps = new LinkedHashSet<>();
                for (Element d : children(child(project, "dependencies"), "dependency")) {
                    String group = text(child(d, "groupId"));
                    if (group.equals("dev.gracekeys") || group.equals("${project.groupId}")) {
                        deps.add(text(child(d, "artifactId")));
                    }
                }
                dependsOn.put(self, deps);
            }
            for (Element p : children(child(project, "profiles"), "profile")) {
                profiles.add(text(child(p, "id")));
            }
            for (Element m : children(child(project, "modules"), "module")) {
                collect(root, dir.resolve(text(m)).normalize(), artifactOf, dependsOn, profiles);
            }
        }

        private static Element child(Element parent, String name) {
            if (parent == null) {
                return null;
            }
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    return e;
                }
            }
            return null;
        }

        private static List<Element> children(Element parent, String name) {
            List<Element> out = new ArrayList<>();
            if (parent != null) {
                for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                    if (n instanceof Element e && e.getTagName().equals(name)) {
                        out.add(e);
                    }
                }
            }
            return out;
        }

        private static String text(Element e) {
            return e == null ? "" : e.getTextContent().trim();
        }
    }

    private static Path repoRoot() {
        return Loopback.repoRoot();
    }
}
