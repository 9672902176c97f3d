package io.mooring.tools.helm;

import io.mooring.exec.Command;
import io.mooring.exec.CommandResult;
import io.mooring.exec.ProcessCommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/** The overlays as {@code kubectl kustomize} renders them, as plain YAML trees. */
public final class Kustomize {

  /** kustomize's generated names: the generator's name, a dash, a 10-character content hash. */
  private static final Pattern HASHED = Pattern.compile("(.+)-[a-z0-9]{10}");

  private Kustomize() {}

  /** Overlay name → its objects, generated names without their content hashes. */
  public static Map<String, List<Map<String, Object>>> renderOverlays(Path deploy)
      throws IOException {
    Map<String, List<Map<String, Object>>> out = new TreeMap<>();
    try (Stream<Path> dirs = Files.list(deploy.resolve("overlays"))) {
      for (Path d : dirs.sorted().toList()) {
        if (Files.isRegularFile(d.resolve("kustomization.yaml"))) {
          out.put(d.getFileName().toString(), withoutHashes(render(d)));
        }
      }
    }
    return out;
  }

  /** The objects {@code kubectl kustomize dir} prints. */
  public static List<Map<String, Object>> render(Path dir) {
    CommandResult r =
        new ProcessCommandRunner()
            .run(
                Command.of("kubectl", "kustomize", dir.toString())
                    .withTimeout(Duration.ofSeconds(120)));
    return parse(r.stdout());
  }

  /** Every non-empty document of a multi-document YAML text. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> parse(String yaml) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(yaml)) {
      if (doc != null) {
        out.add((Map<String, Object>) doc);
      }
    }
    return out;
  }

  /** kind/name: what identifies an object within one namespace. */
  @SuppressWarnings("unchecked")
  public static String id(Map<String, Object> object) {
    return object.get("kind") + "/" + ((Map<String, Object>) object.get("metadata")).get("name");
  }

  /** The template file for an object: {@code <kind>-<name>.yaml}, lower case. */
  static String fileName(String id) {
    return id.toLowerCase(Locale.ROOT).replace('/', '-') + ".yaml";
  }

  /**
   * Generated ConfigMaps under their generator's name, in their metadata and wherever they are
   * referenced: Helm has no content hashes (a changed backends file needs a rollout restart).
   */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> withoutHashes(List<Map<String, Object>> objects) {
    Map<String, String> renames = new HashMap<>();
    for (Map<String, Object> o : objects) {
      if ("ConfigMap".equals(o.get("kind"))) {
        String name = (String) ((Map<String, Object>) o.get("metadata")).get("name");
        Matcher m = HASHED.matcher(name);
        if (m.matches()) {
          renames.put(name, m.group(1));
        }
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> o : objects) {
      out.add((Map<String, Object>) rename(o, renames));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object rename(Object node, Map<String, String> renames) {
    if (node instanceof Map<?, ?> m) {
      Map<String, Object> copy = ChartGenerator.map();
      ((Map<String, Object>) m).forEach((k, v) -> copy.put(k, rename(v, renames)));
      return copy;
    }
    if (node instanceof List<?> l) {
      return l.stream().map(v -> rename(v, renames)).toList();
    }
    return node instanceof String s ? renames.getOrDefault(s, s) : node;
  }
}
