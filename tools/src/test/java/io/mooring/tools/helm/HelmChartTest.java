package io.mooring.tools.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mooring.exec.Command;
import io.mooring.exec.CommandResult;
import io.mooring.exec.ProcessCommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart is what {@code scripts/helm-chart} writes from the overlays, and rendered (Go's
 * text/template, as {@code helm template} runs it) with its default values it makes exactly the
 * objects {@code kubectl kustomize} makes of the overlay; every value reaches every place it stands
 * for.
 */
class HelmChartTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path DEPLOY = ROOT.resolve("deploy");
  private static final Path CHART = DEPLOY.resolve("helm/mooring");
  private static final Path RENDERER = ROOT.resolve("tools/src/test/helm");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

  @TempDir Path tmp;

  /** The renderer's one npm package (Go's text/template as WebAssembly), installed once. */
  @BeforeAll
  static void installRenderer() {
    if (!Files.isDirectory(RENDERER.resolve("node_modules/@evertdespiegeleer/go-template"))) {
      new ProcessCommandRunner()
          .run(
              Command.of("npm", "ci", "--no-audit", "--no-fund", "--prefix", RENDERER.toString())
                  .withTimeout(Duration.ofSeconds(180)));
    }
  }

  @Test
  void theCommittedChartIsWhatTheGeneratorWrites() throws IOException {
    ChartGenerator.Chart chart = ChartGenerator.generate(DEPLOY);
    String hint = ": run scripts/helm-chart after changing deploy/";
    assertEquals(chart.values(), Files.readString(CHART.resolve("values.yaml")), "values" + hint);
    assertEquals(chart.chart(), Files.readString(CHART.resolve("Chart.yaml")), "Chart" + hint);
    try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
      Map<String, String> committed = new TreeMap<>();
      for (Path f : files.toList()) {
        committed.put(f.getFileName().toString(), Files.readString(f));
      }
      assertEquals(chart.templates(), committed, "templates" + hint);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cephfs", "glusterfs"})
  void defaultValuesRenderWhatKustomizeRendersOfTheOverlay(String backend) throws IOException {
    Map<String, Object> values = defaults();
    values.put("backend", backend);
    values.put("createNamespace", true);
    List<Map<String, Object>> chart = render(values, "mooring");
    List<Map<String, Object>> overlay =
        Kustomize.withoutHashes(Kustomize.render(DEPLOY.resolve("overlays").resolve(backend)));
    assertEquals(canonical(overlay), canonical(chart), backend);
  }

  @Test
  void eachOptionalPartIsItsKustomizationBehindItsSwitch() throws IOException {
    for (Map.Entry<String, String> part : ChartGenerator.OPTIONAL.entrySet()) {
      Map<String, Object> values = defaults();
      values.put(part.getValue(), true);
      List<Map<String, Object>> on = new ArrayList<>(render(values, "mooring"));
      on.removeAll(render(defaults(), "mooring"));
      assertEquals(
          canonical(Kustomize.render(DEPLOY.resolve(part.getKey()))),
          canonical(on),
          part.getValue() + ": true adds deploy/" + part.getKey());
    }
  }

  @Test
  void everyValueReachesEveryPlaceItStandsFor() throws IOException {
    String kubelet = "/var/snap/microk8s/common/var/lib/kubelet";
    Map<String, Object> values = defaults();
    values.put("backend", "glusterfs");
    values.put("kubeletDir", kubelet);
    values.put("image", Map.of("repository", "registry.example/mooring", "tag", "9.9.9"));
    values.put("backendsFile", "backends: []\n# \"quoted\" {{ not a template }}\n");
    @SuppressWarnings("unchecked")
    Map<String, Object> images = (Map<String, Object>) values.get("images");
    images.put("csi-provisioner", "mirror.example/csi-provisioner:v1");
    merge(
        values,
        "resources",
        Map.of(
            "glusterfs",
            Map.of(
                "mooring-node",
                Map.of("mooring", Map.of("limits", Map.of("memory", "3Gi", "cpu", 2))))));
    List<Map<String, Object>> objects = render(values, "storage-system");
    String all = JSON.toJson(objects);

    assertFalse(all.contains("\"/var/lib/kubelet"), "a kubelet path left at the default");
    assertFalse(all.contains("=/var/lib/kubelet"), "a kubelet path left at the default");
    assertTrue(all.contains("--kubelet-registration-path=" + kubelet + "/plugins/mooring.csi.io"));
    for (Map<String, Object> o : objects) {
      Object namespaceOf = ((Map<?, ?>) o.get("metadata")).get("namespace");
      assertTrue(
          namespaceOf == null || "storage-system".equals(namespaceOf),
          Kustomize.id(o) + ": " + namespaceOf);
      if (o.get("subjects") instanceof List<?> subjects) {
        subjects.forEach(
            subject -> assertEquals("storage-system", ((Map<?, ?>) subject).get("namespace")));
      }
    }
    assertFalse(all.contains("mooring:0.1.0"), "a Mooring image left at the default");
    assertTrue(all.contains("registry.example/mooring:9.9.9"));
    assertTrue(all.contains("mirror.example/csi-provisioner:v1"));
    assertTrue(
        all.contains("backends: []\\n# \\\"quoted\\\" {{ not a template }}\\n"),
        "the backends file");
    assertTrue(
        all.contains("\"limits\":{\"cpu\":\"2\",\"memory\":\"3Gi\"},\"requests\":{\"cpu\":\"10m\""),
        "the node's limits, its requests kept");
    assertFalse(all.contains("<no value>"), "a template read a value that is not there");
    assertTrue(
        objects.stream().noneMatch(o -> Kustomize.id(o).equals("Secret/mooring-ceph-admin")),
        "glusterfs renders the cephfs overlay's Secret");
  }

  /** Helm's merge of a user's values into the chart's: maps key by key, anything else replaced. */
  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> into, String key, Object value) {
    if (value instanceof Map<?, ?> m && into.get(key) instanceof Map<?, ?> existing) {
      Map<String, Object> target = (Map<String, Object>) existing;
      ((Map<String, Object>) m).forEach((k, v) -> merge(target, k, v));
    } else {
      into.put(key, value);
    }
  }

  /** values.yaml as Helm reads it. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> defaults() throws IOException {
    return new Yaml().loadAs(Files.readString(CHART.resolve("values.yaml")), Map.class);
  }

  private List<Map<String, Object>> render(Map<String, Object> values, String namespace)
      throws IOException {
    Path valuesFile = tmp.resolve("values.json");
    Files.writeString(valuesFile, JSON.toJson(values));
    CommandResult r =
        new ProcessCommandRunner()
            .run(
                Command.of(
                        "node",
                        RENDERER.resolve("render.mjs").toString(),
                        CHART.toString(),
                        valuesFile.toString(),
                        namespace)
                    .withTimeout(Duration.ofSeconds(60)));
    assertFalse(r.stdout().contains("<no value>"), "a template read a value that is not there");
    return Kustomize.parse(r.stdout());
  }

  /**
   * Each object through the typed Kubernetes model (so 1 and "1" are the same quantity), by
   * kind/name.
   */
  private static Map<String, String> canonical(List<Map<String, Object>> objects) {
    Map<String, String> out = new TreeMap<>();
    List<String> ids = new ArrayList<>();
    for (Map<String, Object> o : objects) {
      HasMetadata typed = SERIALIZATION.unmarshal(JSON.toJson(o), HasMetadata.class);
      out.put(Kustomize.id(o), SERIALIZATION.asYaml(typed));
      ids.add(Kustomize.id(o));
    }
    assertEquals(
        ids.size(),
        out.size(),
        "an object twice: " + ids.stream().sorted().collect(Collectors.joining(", ")));
    return out;
  }
}
