package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mooring.rpc.Metrics;
import io.mooring.rpc.PrometheusMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard (deploy/grafana/mooring-dashboard.json) asks only for what the plugins
 * export: every metric an expression names is one the code's registrations expose. The exported
 * names come from the program itself: every {@link Metrics} method is called once on {@link
 * PrometheusMetrics} (found by reflection, so a new one is covered without editing this test) and
 * the registry is written in the text format a scrape returns.
 */
class DashboardTest {

  private static final Path DASHBOARD = findDashboard();

  /** PromQL words that are not metric names (functions are told apart by their "("). */
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "inf",
          "nan");

  /** A value for each parameter type of {@link Metrics}' methods. */
  private static final Map<Class<?>, Object> SAMPLE_ARGUMENTS =
      Map.of(String.class, "x", boolean.class, false, int.class, 1, long.class, 1L);

  @Test
  void everyExpressionNamesOnlyExportedMetrics() throws Exception {
    Set<String> exported = exportedSampleNames();
    assertTrue(exported.contains("mooring_mounts"), "the scrape holds the gauges: " + exported);
    Map<String, List<String>> expressions = expressions();
    assertFalse(expressions.isEmpty(), "no panel has an expression");
    Set<String> used = new TreeSet<>();
    expressions.forEach(
        (panel, exprs) -> {
          for (String expr : exprs) {
            Set<String> names = metricNames(expr);
            assertFalse(names.isEmpty(), panel + ": " + expr + " names no metric");
            for (String name : names) {
              assertTrue(
                  exported.contains(name),
                  panel + ": " + name + " is not exported (exported: " + exported + ")");
            }
            used.addAll(names);
          }
        });
    assertTrue(
        used.stream().anyMatch(n -> n.startsWith("mooring_librados_")),
        "a panel shows the librados calls");
  }

  /** Titles say what is shown for both backends; the mounts gauge counts clients, not a flag. */
  @Test
  void titlesAreBackendNeutralAndUnhealthyMeansAnyClientNotHealthy() throws Exception {
    for (Map.Entry<String, List<String>> panel : expressions().entrySet()) {
      String title = panel.getKey();
      boolean namesOneBackend =
          title.matches("(?i).*\\b(gluster\\w*|ceph\\w*)\\b.*")
              && panel.getValue().stream().noneMatch(e -> e.contains("mooring_librados_"));
      assertFalse(namesOneBackend, title + ": shows both backends but names one");
      for (String expr : panel.getValue()) {
        assertFalse(
            expr.matches("(?s).*mooring_mounts.*==\\s*1.*"),
            title + ": mooring_mounts counts clients per state; test > 0, not == 1: " + expr);
      }
    }
  }

  /** Sample names as a scrape shows them (counters with _total, histograms with _bucket, ...). */
  private static Set<String> exportedSampleNames() throws Exception {
    PrometheusMetrics metrics = new PrometheusMetrics();
    for (Method m : Metrics.class.getMethods()) {
      Class<?>[] types = m.getParameterTypes();
      Object[] args = new Object[types.length];
      for (int i = 0; i < types.length; i++) {
        args[i] = SAMPLE_ARGUMENTS.get(types[i]);
      }
      m.invoke(metrics, args);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
    Set<String> names = new TreeSet<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  /** Panel title → its expressions, rows' nested panels included. */
  private static Map<String, List<String>> expressions() throws Exception {
    JsonObject dashboard = JsonParser.parseString(Files.readString(DASHBOARD)).getAsJsonObject();
    Map<String, List<String>> out = new TreeMap<>();
    collect(dashboard.getAsJsonArray("panels"), out);
    return out;
  }

  private static void collect(Iterable<JsonElement> panels, Map<String, List<String>> out) {
    for (JsonElement p : panels) {
      JsonObject panel = p.getAsJsonObject();
      List<String> exprs = new ArrayList<>();
      if (panel.has("targets")) {
        for (JsonElement t : panel.getAsJsonArray("targets")) {
          if (t.getAsJsonObject().has("expr")) {
            exprs.add(t.getAsJsonObject().get("expr").getAsString());
          }
        }
      }
      if (!exprs.isEmpty()) {
        String title = panel.get("title").getAsString();
        assertEquals(null, out.put(title, exprs), "two panels titled " + title);
      }
      if (panel.has("panels")) {
        collect(panel.getAsJsonArray("panels"), out);
      }
    }
  }

  /**
   * The metric names of a PromQL expression: identifiers outside strings, label matchers, ranges
   * and by/without/on/ignoring groupings that are neither a function (followed by "(") nor a
   * keyword.
   */
  static Set<String> metricNames(String expr) {
    String bare =
        expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher m =
        Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*(?!\\s*\\()(?![A-Za-z0-9_:])").matcher(bare);
    while (m.find()) {
      if (!KEYWORDS.contains(m.group().toLowerCase())) {
        names.add(m.group());
      }
    }
    return names;
  }

  @Test
  void metricNamesAreFoundAsPromqlReadsThem() {
    assertEquals(
        Set.of("mooring_mounts"),
        metricNames(
            "count(sum by (instance) (mooring_mounts{state!=\"healthy\"}) > 0) or vector(0)"));
    assertEquals(
        Set.of("mooring_rpc_duration_seconds_bucket"),
        metricNames(
            "histogram_quantile(0.99, sum by (le, method)"
                + " (rate(mooring_rpc_duration_seconds_bucket{method=\"CreateVolume\"}[$__rate_interval])))"));
    assertEquals(
        Set.of("a_sum", "a_count"),
        metricNames("sum without (x) (rate(a_sum[5m])) / on (y) sum(rate(a_count[5m]))"));
  }

  private static Path findDashboard() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path d = p.resolve("deploy/grafana/mooring-dashboard.json");
      if (Files.isRegularFile(d)) {
        return d;
      }
    }
    throw new IllegalStateException("no deploy/grafana/mooring-dashboard.json above here");
  }
}
