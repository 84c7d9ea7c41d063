package io.lvscp.cli.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command's own config file, kubectl style: named contexts (a server, a token file, a CA certificate) and the
 * current one.
 * <pre>
 * contexts:
 *   prod: {server: https://lvscp.example:8443, tokenFile: prod.token, cacert: /etc/lvscp/ca.pem}
 * current: prod
 * </pre>
 * Relative paths are relative to the file's directory, so a directory of config and tokens can move as one.
 */
public final class CliConfig {
    public static final String ENV = "LVSCP_CONFIG";
    private static final Set<String> TOP = Set.of("contexts", "current");
    private static final List<String> CONTEXT_KEYS = List.of("server", "tokenFile", "cacert");

    /** The file cannot be read or is not a config: one line saying where and why (exit code 2). */
    public static final class Bad extends Exception {
        Bad(String message) {
            super(message);
        }
    }

    public record Context(String server, Path tokenFile, Path cacert) {}

    private final Path file;
    private final Map<String, Context> contexts;
    private final String current;

    private CliConfig(Path file, Map<String, Context> contexts, String current) {
        this.file = file;
        this.contexts = contexts;
        this.current = current;
    }

    /** {@code --config}, else $LVSCP_CONFIG, else ~/.config/lvscp/config.yaml. */
    public static Path location(Path option, Map<String, String> env) {
        if (option != null) return option;
        String e = env.get(ENV);
        if (e != null && !e.isBlank()) return Path.of(e);
        return Path.of(System.getProperty("user.home"), ".config", "lvscp", "config.yaml");
    }

    private static ObjectMapper yaml() {
        ObjectMapper m = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
        // Two entries for one context would leave which one counts to the YAML library.
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        return m;
    }

    /** A missing file is an empty config: contexts are optional. */
    public static CliConfig load(Path file) throws Bad {
        JsonNode root = tree(file);
        Map<String, Context> contexts = new LinkedHashMap<>();
        if (root == null) return new CliConfig(file, contexts, null);
        if (!root.isObject()) throw bad(file, "", "must be a mapping with 'contexts' and 'current'");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!TOP.contains(k)) throw bad(file, "", "unknown key '" + k + "' (known: contexts, current)");
        }
        JsonNode cs = root.path("contexts");
        if (!cs.isMissingNode() && !cs.isNull()) {
            if (!cs.isObject()) throw bad(file, "contexts", "must be a mapping of context names to {server, tokenFile, cacert}");
            for (Iterator<Map.Entry<String, JsonNode>> it = cs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                contexts.put(e.getKey(), context(file, "contexts." + e.getKey(), e.getValue()));
            }
        }
        JsonNode cur = root.path("current");
        String current = null;
        if (!cur.isMissingNode() && !cur.isNull()) {
            if (!cur.isTextual()) throw bad(file, "current", "must be a context's name");
            current = cur.asText();
        }
        return new CliConfig(file, contexts, current);
    }

    private static JsonNode tree(Path file) throws Bad {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new Bad(file + ": cannot read: " + e.getMessage());
        }
        try {
            JsonNode n = yaml().readTree(text);
            return n == null || n.isMissingNode() || n.isNull() ? null : n;
        } catch (JsonProcessingException e) {
            // SnakeYAML's message runs over several lines (context, snippet, caret); its problem and mark say it in one.
            if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
                String line = m.getProblemMark() == null ? "" : ":" + (m.getProblemMark().getLine() + 1);
                throw new Bad(file + line + ": not valid YAML: " + m.getProblem().strip());
            }
            String why = e.getOriginalMessage() == null ? "not YAML" : e.getOriginalMessage().strip().lines().findFirst().orElse("not YAML");
            var at = e.getLocation();
            throw new Bad(file + (at != null && at.getLineNr() > 0 ? ":" + at.getLineNr() : "") + ": not valid YAML: " + why);
        }
    }

    private static Context context(Path file, String where, JsonNode n) throws Bad {
        if (!n.isObject()) throw bad(file, where, "must be a mapping with " + String.join(", ", CONTEXT_KEYS));
        Map<String, String> v = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!CONTEXT_KEYS.contains(e.getKey())) {
                throw bad(file, where, "unknown key '" + e.getKey() + "' (known: " + String.join(", ", CONTEXT_KEYS) + ")");
            }
            if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) throw bad(file, where + "." + e.getKey(), "must be a non-empty string");
            v.put(e.getKey(), e.getValue().asText());
        }
        return new Context(v.get("server"), path(file, v.get("tokenFile")), path(file, v.get("cacert")));
    }

    private static Path path(Path file, String p) {
        if (p == null) return null;
        if (p.equals("~") || p.startsWith("~/")) return Path.of(System.getProperty("user.home"), p.substring(1).replaceFirst("^/", ""));
        Path dir = file.toAbsolutePath().getParent();
        return dir == null ? Path.of(p) : dir.resolve(p);
    }

    private static Bad bad(Path file, String where, String why) {
        return new Bad(file + ": " + (where.isEmpty() ? "" : where + ": ") + why);
    }

    public Path file() {
        return file;
    }

    public Map<String, Context> contexts() {
        return contexts;
    }

    public String current() {
        return current;
    }

    /** The context to use: {@code name} if given, else the current one; null when there is neither. */
    public Context pick(String name) throws Bad {
        String n = name != null ? name : current;
        if (n == null) return null;
        Context c = contexts.get(n);
        if (c == null) {
            throw new Bad(file + ": no context '" + n + "'" + (name != null ? "" : " (named by 'current')")
                    + (contexts.isEmpty() ? "" : "; there are: " + String.join(", ", contexts.keySet())));
        }
        return c;
    }

    /** Rewrites the file with {@code current} set; what else it holds is kept (comments are not: YAML trees have none). */
    public void useContext(String name) throws Bad {
        pick(name);
        edit(root -> root.put("current", name));
    }

    /** Makes or changes context {@code name}: the settings given replace its own, the others stay. */
    public void setContext(String name, String server, Path tokenFile, Path cacert) throws Bad {
        edit(root -> {
            JsonNode cs = root.path("contexts");
            ObjectNode contexts = cs instanceof ObjectNode o ? o : root.putObject("contexts");
            JsonNode c = contexts.path(name);
            ObjectNode ctx = c instanceof ObjectNode o ? o : contexts.putObject(name);
            // Relative paths in the file are relative to the file; on the command line, to where it runs.
            if (server != null) ctx.put("server", server);
            if (tokenFile != null) ctx.put("tokenFile", tokenFile.toAbsolutePath().toString());
            if (cacert != null) ctx.put("cacert", cacert.toAbsolutePath().toString());
        });
    }

    private void edit(java.util.function.Consumer<ObjectNode> change) throws Bad {
        JsonNode t = tree(file);
        ObjectNode root = t instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
        change.accept(root);
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            Files.writeString(file, yaml().writeValueAsString(root), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Bad(file + ": cannot write: " + e.getMessage());
        }
    }
}
