package io.mooring.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvisioningTest {

  @Test
  void aLevelHasAtLeastAsManyVolumesAsCallsInFlight() {
    assertEquals(200, Provisioning.size(200, 100));
    assertEquals(100, Provisioning.size(20, 100));
    assertEquals(20, Provisioning.size(20, 10));
  }

  private static Provisioning.Level level(String mode, int c, double p50, double wallMs) {
    List<Stats.Sample> samples = List.of(new Stats.Sample(p50, true), new Stats.Sample(p50, true));
    Load.Result r = new Load.Result(samples, wallMs, Map.of());
    return new Provisioning.Level(mode, c, 2, r, r, new double[2], new double[2], new double[2], Map.of());
  }

  @Test
  void ratiosCompareTheDriverWithEachBaseline() {
    List<Provisioning.Level> levels = List.of(level("driver", 1, 110, 220), level("raw", 1, 100, 200),
        level("raw+retry", 1, 100, 200), level("driver", 100, 5000, 200), level("raw", 100, 3000, 400),
        level("raw+retry", 100, 6000, 250));
    Table t = Provisioning.ratios(levels, 1, 100);
    assertEquals("1.10", Table.text(t.rows().get(0).get(4)));  // create p50 vs raw
    assertEquals("1.25", Table.text(t.rows().get(3).get(4)));  // 10/s vs 8/s raw+retry
    assertEquals("2.00", Table.text(t.rows().get(4).get(4)));  // 10/s vs 5/s raw
  }

  @Test
  void roundsKeepAtLeastTheConcurrencyInEachAndCoverEveryItem() {
    assertEquals(4, Provisioning.rounds(200, 1));
    assertEquals(4, Provisioning.rounds(200, 10));
    assertEquals(2, Provisioning.rounds(200, 100));
    assertEquals(1, Provisioning.rounds(100, 100));
    assertEquals(2, Provisioning.rounds(20, 10));
    int[] covered = new int[21];
    for (int r = 0; r < 4; r++) {
      int[] range = Provisioning.round(21, 4, r);
      for (int i = range[0]; i < range[1]; i++) {
        covered[i]++;
      }
    }
    for (int c : covered) {
      assertEquals(1, c);
    }
  }

  @Test
  void mergedBatchesPoolSamplesAndAddWallTimes() {
    Load.Result a = new Load.Result(List.of(new Stats.Sample(10, true)), 100, Map.of("x", 1));
    Load.Result b = new Load.Result(List.of(new Stats.Sample(30, true), new Stats.Sample(1, false)), 300,
        Map.of("x", 2, "y", 1));
    Load.Result m = Load.Result.merge(List.of(a, b));
    assertEquals(3, m.summary().count());
    assertEquals(1, m.summary().errors());
    assertEquals(400, m.wallMillis());
    assertEquals(5.0, m.summary().okPerSecond(), 1e-9);
    assertEquals(Map.of("x", 3, "y", 1), m.errors());
  }

  @Test
  void aMissingLevelIsNotMeasured() {
    assertTrue(Double.isNaN(Provisioning.value(null, true, true)));
    assertEquals(null, Provisioning.find(List.of(), "driver", 1));
  }

  @Test
  void lockErrorsOfTheCliAreRecognised() {
    assertTrue(RawClient.isLockContention(
        "quota command failed : Another transaction is in progress for v. Please try again after some time."));
    assertTrue(RawClient.isLockContention("Locking failed on 127.0.0.2"));
    assertFalse(RawClient.isLockContention("Failed to get trusted.gfid attribute on path /x"));
  }
}
