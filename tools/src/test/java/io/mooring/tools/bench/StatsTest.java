package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatsTest {

  private static final double[] TEN = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

  @ParameterizedTest(name = "p{0} of 1..10 = {1}")
  @CsvSource({"50, 5", "90, 9", "95, 10", "99, 10", "100, 10", "10, 1", "1, 1", "51, 6"})
  void nearestRankPercentiles(double p, double expected) {
    assertEquals(expected, Stats.percentile(TEN, p));
  }

  @Test
  void percentileOfOneValueIsThatValue() {
    assertEquals(7, Stats.percentile(new double[] {7}, 50));
    assertEquals(7, Stats.percentile(new double[] {7}, 99));
  }

  @Test
  void percentileOfNothingIsNaN() {
    assertTrue(Double.isNaN(Stats.percentile(new double[0], 50)));
  }

  @ParameterizedTest
  @CsvSource({"0", "-1", "100.5"})
  void percentileOutsideRangeIsRejected(double p) {
    assertThrows(IllegalArgumentException.class, () -> Stats.percentile(TEN, p));
  }

  @Test
  void summaryCountsErrorsButTimesOnlySuccesses() {
    List<Stats.Sample> samples =
        List.of(
            new Stats.Sample(100, true),
            new Stats.Sample(200, true),
            new Stats.Sample(1, false),
            new Stats.Sample(300, true));
    Stats.Summary s = Stats.summarize(samples, 2000);
    assertEquals(4, s.count());
    assertEquals(1, s.errors());
    assertEquals(3, s.ok());
    assertEquals(200, s.p50());
    assertEquals(300, s.p99());
    assertEquals(300, s.max());
    assertEquals(200, s.mean(), 1e-9);
    assertEquals(1.5, s.okPerSecond(), 1e-9);
    assertEquals(0.25, s.errorRate(), 1e-9);
  }

  @Test
  void summaryOfOnlyErrorsHasNoLatencies() {
    Stats.Summary s = Stats.summarize(List.of(new Stats.Sample(5, false)), 10);
    assertEquals(1, s.errors());
    assertTrue(Double.isNaN(s.p50()));
    assertEquals(0, s.okPerSecond());
  }

  @Test
  void medianIgnoresNaN() {
    assertEquals(2, Stats.median(List.of(3.0, Double.NaN, 1.0, 2.0)));
    assertTrue(Double.isNaN(Stats.median(List.of())));
  }

  @Test
  void ratioIsNaNWhenEitherSideIsUnknownOrZero() {
    assertEquals(2, Stats.ratio(4, 2));
    assertTrue(Double.isNaN(Stats.ratio(Double.NaN, 2)));
    assertTrue(Double.isNaN(Stats.ratio(4, Double.NaN)));
    assertTrue(Double.isNaN(Stats.ratio(4, 0)));
  }
}
