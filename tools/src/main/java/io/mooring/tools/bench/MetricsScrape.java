package io.mooring.tools.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One scrape of a plugin's Prometheus endpoint (text format), for splitting an RPC's time into what
 * the server spent in backend commands and the rest. The parser is pure; see MetricsScrapeTest.
 */
final class MetricsScrape {

  /** One sample line: metric name, labels, value. */
  record Series(String name, Map<String, String> labels, double value) {}

  private final List<Series> series;

  MetricsScrape(List<Series> series) {
    this.series = series;
  }

  static MetricsScrape empty() {
    return new MetricsScrape(List.of());
  }

  static MetricsScrape fetch(String hostPort) {
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("http://" + hostPort + "/metrics"))
                  .header("Accept", "text/plain; version=0.0.4")
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return parse(response.body());
    } catch (IOException e) {
      return empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return empty();
    }
  }

  static MetricsScrape parse(String text) {
    List<Series> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space;
      String name;
      Map<String, String> labels = new HashMap<>();
      if (brace >= 0 && brace < line.indexOf(' ')) {
        name = line.substring(0, brace);
        int end = parseLabels(line, brace + 1, labels);
        space = end + 1;
      } else {
        space = line.indexOf(' ');
        if (space < 0) {
          continue;
        }
        name = line.substring(0, space);
      }
      String[] rest = line.substring(space).strip().split("\\s+");
      try {
        out.add(new Series(name, labels, Double.parseDouble(rest[0])));
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException ignored) {
        // not a sample line we need
      }
    }
    return new MetricsScrape(out);
  }

  /** Parses {@code a="x",b="y"} from {@code start}; returns the index of the closing brace. */
  private static int parseLabels(String line, int start, Map<String, String> labels) {
    int i = start;
    while (i < line.length() && line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq).strip();
      StringBuilder value = new StringBuilder();
      int j = eq + 2; // past ="
      while (j < line.length() && line.charAt(j) != '"') {
        char c = line.charAt(j);
        if (c == '\\' && j + 1 < line.length()) {
          char n = line.charAt(++j);
          value.append(n == 'n' ? '\n' : n);
        } else {
          value.append(c);
        }
        j++;
      }
      labels.put(key, value.toString());
      i = j + 1;
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      }
    }
    return i;
  }

  /** Sum over the series of {@code name} whose labels include all of {@code match}. */
  double sum(String name, Map<String, String> match) {
    return series.stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(match.entrySet()))
        .mapToDouble(Series::value)
        .sum();
  }

  /** {@code after - before} of {@link #sum}. */
  static double delta(
      MetricsScrape before, MetricsScrape after, String name, Map<String, String> match) {
    return after.sum(name, match) - before.sum(name, match);
  }
}
