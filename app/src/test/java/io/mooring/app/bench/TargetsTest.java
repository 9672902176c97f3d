package io.mooring.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.app.bench.Targets.Verdict;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TargetsTest {

  /** Every target just met. */
  private static final Targets.Inputs GOOD = new Targets.Inputs(100, 100, 0, 110, 100, 9, 10, 100, 20, 50, 1, 64, 96,
      1000);

  private static Targets.Inputs with(UnaryOperator<Object[]> change) {
    Object[] a = {GOOD.createInFlight(), GOOD.createCount(), GOOD.createErrors(), GOOD.driverP50C1(), GOOD.rawP50C1(),
        GOOD.driverRate(), GOOD.rawRetryRate(), GOOD.rateConcurrency(), GOOD.publishP50(), GOOD.nodeVolumes(),
        GOOD.fuseClients(), GOOD.nodeRssIdleMiB(), GOOD.nodeRssAfterMiB(), GOOD.startToProbeMs()};
    a = change.apply(a);
    return new Targets.Inputs((int) a[0], (int) a[1], (int) a[2], (double) a[3], (double) a[4], (double) a[5],
        (double) a[6], (int) a[7], (double) a[8], (int) a[9], (int) a[10], (double) a[11], (double) a[12],
        (double) a[13]);
  }

  private static UnaryOperator<Object[]> set(int index, Object value) {
    return a -> {
      a[index] = value;
      return a;
    };
  }

  @Test
  void boundariesCountAsMet() {
    List<Targets.Target> targets = Targets.evaluate(GOOD);
    assertEquals(8, targets.size());
    targets.forEach(t -> assertEquals(Verdict.MET, t.verdict(), t.name() + ": " + t.measured()));
  }

  static Stream<Arguments> misses() {
    return Stream.of(
        Arguments.of(0, set(2, 1)),             // one create error
        Arguments.of(1, set(3, 110.2)),         // driver p50 1.102 x raw
        Arguments.of(2, set(5, 8.9)),           // 0.89 x raw-with-retry
        Arguments.of(3, set(8, 20.1)),          // publish p50
        Arguments.of(4, set(10, 2)),            // two FUSE clients
        Arguments.of(4, set(10, 0)),            // none at all
        Arguments.of(5, set(11, 64.1)),         // idle RSS
        Arguments.of(6, set(12, 96.1)),         // RSS after
        Arguments.of(7, set(13, 1000.5)));      // start to Probe
  }

  @ParameterizedTest
  @MethodSource("misses")
  void eachTargetCanBeMissed(int index, UnaryOperator<Object[]> change) {
    List<Targets.Target> targets = Targets.evaluate(with(change));
    for (int i = 0; i < targets.size(); i++) {
      assertEquals(i == index ? Verdict.NOT_MET : Verdict.MET, targets.get(i).verdict(), targets.get(i).name());
    }
  }

  @Test
  void unmeasuredNumbersAreNotJudged() {
    Targets.Inputs none = new Targets.Inputs(0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 100,
        Double.NaN, 0, -1, Double.NaN, Double.NaN, Double.NaN);
    Targets.evaluate(none).forEach(t -> assertEquals(Verdict.NOT_MEASURED, t.verdict(), t.name()));
  }

  @Test
  void fewerThanHundredInFlightIsNotJudged() {
    Targets.Target t = Targets.evaluate(with(a -> {
      a[0] = 20;
      a[1] = 20;
      return a;
    })).get(0);
    assertEquals(Verdict.NOT_MEASURED, t.verdict());
    assertTrue(t.measured().contains("20 in flight"), t.measured());
  }

  @Test
  void tableHasOneRowPerTarget() {
    Table t = Targets.table(Targets.evaluate(GOOD));
    assertEquals(8, t.rows().size());
    assertEquals("met", t.rows().get(0).get(3));
  }
}
