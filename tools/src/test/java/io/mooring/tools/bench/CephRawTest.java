package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CephRawTest {

  private static final String OUTPUT =
      """
      create\t0\t12.500\tok
      create\t1\t20.000\tfs subvolume create: error in mkdir /volumes/csi/bench-abc-r1-1  (errno 17)
      wall\tcreate\t25.000
      delete\t0\t5.000\tok
      delete\t1\t7.000\tok
      wall\tdelete\t10.000
      """;

  @Test
  void readsEveryCallAndTheWallTimeOfEachPhase() {
    CephRaw.Batch b = CephRaw.parse(OUTPUT, 2);
    Stats.Summary create = b.create().summary();
    assertEquals(2, create.count());
    assertEquals(1, create.errors());
    assertEquals(12.5, create.p50());
    assertEquals(25.0, b.create().wallMillis());
    assertEquals(
        Map.of("fs subvolume create: error in mkdir /volumes/csi/bench-* (errno 17)", 1),
        b.create().errors());
    assertEquals(0, b.delete().summary().errors());
    assertEquals(200.0, b.delete().summary().okPerSecond(), 1e-9);
  }

  @Test
  void aMissingCallOrWallTimeIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> CephRaw.parse(OUTPUT, 3));
    assertThrows(
        IllegalArgumentException.class,
        () -> CephRaw.parse(OUTPUT.replace("wall\tdelete\t10.000\n", ""), 2));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "create\t0\tfast\tok",
        "rename\t0\t1.0\tok",
        "wall\tcreate",
        "Traceback (most recent call"
      })
  void rejectsWhatItDoesNotKnow(String line) {
    assertThrows(IllegalArgumentException.class, () -> CephRaw.parse(OUTPUT + line + "\n", 2));
  }

  @Test
  void theCliRunsOnAFewVolumesPerRoundYetKeepsItsCallsInFlight() {
    assertEquals(5, CephBench.cliPerRound(20, 1, 4, 50)); // 200 volumes at concurrency 1: 20 in all
    assertEquals(10, CephBench.cliPerRound(20, 10, 4, 50)); // at least 10 in flight
    assertEquals(10, CephBench.cliPerRound(10, 10, 2, 10)); // --quick at concurrency 10
    assertEquals(3, CephBench.cliPerRound(20, 1, 4, 3)); // never more than the round
  }
}
