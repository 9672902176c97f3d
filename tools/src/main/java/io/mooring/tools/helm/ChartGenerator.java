package io.mooring.tools.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the Helm chart {@code deploy/helm/mooring} from the kustomize overlays, so that the
 * manifests under {@code deploy/base} and {@code deploy/overlays} stay the one source of truth:
 * every object of every overlay becomes a template (objects that differ between overlays once per
 * backend, under {@code .Values.backend}), with the admin's settings (images, resources, kubelet
 * directory, namespace, backends file) turned into values whose defaults are what the overlays say.
 *
 * <p>The templates use only Go's text/template built-ins ({@code print}, {@code printf}, {@code
 * index}, {@code eq}, {@code range}, {@code if}), no Helm or Sprig function: they render the same
 * in {@code helm template} and in plain text/template, which is what the chart's test runs.
 *
 * <p>Run by {@code scripts/helm-chart}; {@code HelmChartTest} fails when the committed chart is not
 * what this writes.
 */
public final class ChartGenerator {

  /** Template name → template text, values.yaml and Chart.yaml, for the overlays under deploy. */
  public record Chart(Map<String, String> templates, String values, String chart) {}

  /**
   * Optional parts of deploy/ (a directory with its own kustomization, applied after an overlay)
   * and the value that switches each on.
   */
  static final Map<String, String> OPTIONAL = Map.of("servicemonitor", "serviceMonitor");

  private ChartGenerator() {}

  public static void main(String[] args) throws IOException {
    Path deploy = Path.of(args.length > 0 ? args[0] : "deploy");
    Chart chart = generate(deploy);
    Path dir = deploy.resolve("helm/mooring");
    Path templates = dir.resolve("templates");
    Files.createDirectories(templates);
    try (var old = Files.list(templates)) {
      for (Path p : old.toList()) {
        if (p.toString().endsWith(".yaml") && !chart.templates().containsKey(name(p))) {
          Files.delete(p);
        }
      }
    }
    for (Map.Entry<String, String> t : chart.templates().entrySet()) {
      Files.writeString(templates.resolve(t.getKey()), t.getValue());
    }
    Files.writeString(dir.resolve("values.yaml"), chart.values());
    Files.writeString(dir.resolve("Chart.yaml"), chart.chart());
    System.out.println(
        "wrote " + chart.templates().size() + " templates, values.yaml, Chart.yaml to " + dir);
  }

  private static String name(Path p) {
    return p.getFileName().toString();
  }

  /** The chart for every overlay under {@code deploy/overlays}, rendered by kubectl kustomize. */
  public static Chart generate(Path deploy) throws IOException {
    Map<String, List<Map<String, Object>>> overlays = Kustomize.renderOverlays(deploy);
    Values values = new Values();
    // kind/name → backend → object; an object the same in every overlay is common
    Map<String, Map<String, Map<String, Object>>> byId = new TreeMap<>();
    for (Map.Entry<String, List<Map<String, Object>>> o : overlays.entrySet()) {
      for (Map<String, Object> object : o.getValue()) {
        byId.computeIfAbsent(Kustomize.id(object), k -> new TreeMap<>()).put(o.getKey(), object);
      }
    }
    Map<String, String> templates = new TreeMap<>();
    for (Map.Entry<String, Map<String, Map<String, Object>>> e : byId.entrySet()) {
      Map<String, Map<String, Object>> variants = e.getValue();
      boolean common =
          variants.size() == overlays.size() && variants.values().stream().distinct().count() == 1;
      StringBuilder out = new StringBuilder(Templates.HEADER);
      if (common) {
        out.append(Templates.document(variants.values().iterator().next(), values, null, null));
      } else {
        for (Map.Entry<String, Map<String, Object>> v : variants.entrySet()) {
          out.append(Templates.document(v.getValue(), values, v.getKey(), null));
        }
      }
      templates.put(Kustomize.fileName(e.getKey()), out.toString());
    }
    // Parts applied apart from an overlay, each behind a switch of its own (default off)
    for (Map.Entry<String, String> part : OPTIONAL.entrySet()) {
      Path dir = deploy.resolve(part.getKey());
      if (Files.isRegularFile(dir.resolve("kustomization.yaml"))) {
        for (Map<String, Object> object : Kustomize.render(dir)) {
          templates.put(
              Kustomize.fileName(Kustomize.id(object)),
              Templates.HEADER + Templates.document(object, values, null, part.getValue()));
        }
        values.optional(part.getValue(), part.getKey());
      }
    }
    String chart =
        Templates.HEADER
            + "apiVersion: v2\nname: mooring\ndescription: ReadWriteMany volumes on CephFS and"
            + " GlusterFS (CSI driver)\ntype: application\nversion: "
            + values.tag()
            + "\nappVersion: \""
            + values.tag()
            + "\"\n";
    return new Chart(templates, values.render(new ArrayList<>(overlays.keySet())), chart);
  }

  /** An ordered map, for building objects the way snakeyaml loads them. */
  static Map<String, Object> map() {
    return new LinkedHashMap<>();
  }
}
