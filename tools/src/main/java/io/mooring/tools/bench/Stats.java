package io.mooring.tools.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** Percentiles and summaries of latency samples. Pure; see StatsTest. */
final class Stats {

  private Stats() {}

  /** One timed operation: how long it took, and whether it succeeded. */
  record Sample(double millis, boolean ok) {}

  /**
   * What a batch of operations adds up to. Latency percentiles are over the successful operations
   * only (a fast failure would otherwise look like a fast success); {@code errors} counts the rest.
   *
   * @param wallMillis from the start of the first operation to the end of the last
   */
  record Summary(
      int count,
      int errors,
      double wallMillis,
      double mean,
      double p50,
      double p95,
      double p99,
      double max) {

    static final Summary NONE =
        new Summary(0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    int ok() {
      return count - errors;
    }

    /** Successful operations per second of wall time. */
    double okPerSecond() {
      return wallMillis > 0 ? ok() * 1000.0 / wallMillis : Double.NaN;
    }

    double errorRate() {
      return count == 0 ? Double.NaN : (double) errors / count;
    }
  }

  static Summary summarize(Collection<Sample> samples, double wallMillis) {
    double[] ok =
        samples.stream().filter(Sample::ok).mapToDouble(Sample::millis).sorted().toArray();
    int errors = (int) samples.stream().filter(s -> !s.ok()).count();
    double mean = ok.length == 0 ? Double.NaN : Arrays.stream(ok).sum() / ok.length;
    return new Summary(
        samples.size(),
        errors,
        wallMillis,
        mean,
        percentile(ok, 50),
        percentile(ok, 95),
        percentile(ok, 99),
        ok.length == 0 ? Double.NaN : ok[ok.length - 1]);
  }

  /**
   * Nearest-rank percentile of ascending values: the smallest value such that at least p% of the
   * values are less than or equal to it. NaN for no values.
   */
  static double percentile(double[] sorted, double p) {
    if (p <= 0 || p > 100) {
      throw new IllegalArgumentException("percentile must be in (0, 100]: " + p);
    }
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  /** The median (nearest rank, so one of the values); NaN for none. */
  static double median(List<Double> values) {
    double[] sorted =
        values.stream().filter(v -> !v.isNaN()).mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    return percentile(sorted, 50);
  }

  /** a / b, NaN when either is unknown or b is 0. */
  static double ratio(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? Double.NaN : a / b;
  }
}
