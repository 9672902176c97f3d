package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

  private static Provisioning.Level level(
      String backend, String mode, int c, double p50, double wallMs) {
    List<Stats.Sample> samples = List.of(new Stats.Sample(p50, true), new Stats.Sample(p50, true));
    Load.Result r = new Load.Result(samples, wallMs, Map.of());
    return Provisioning.Level.plain(backend, mode, c, 2, r, r);
  }

  private static final List<Provisioning.Level> LEVELS =
      List.of(
          level("glusterfs", "driver", 1, 110, 220),
          level("glusterfs", "raw", 1, 100, 200),
          level("glusterfs", "raw+retry", 1, 100, 200),
          level("glusterfs", "driver", 100, 5000, 200),
          level("glusterfs", "raw", 100, 3000, 400),
          level("glusterfs", "raw+retry", 100, 6000, 250),
          level("cephfs", "driver", 1, 30, 60),
          level("cephfs", "rados", 1, 20, 40),
          level("cephfs", "driver", 100, 900, 100),
          level("cephfs", "rados", 100, 300, 80));

  @Test
  void ratiosCompareTheDriverWithEachBaselineOfItsOwnBackend() {
    Table t = Provisioning.ratios(LEVELS, 1, 100);
    // glusterfs: 2 baselines x (create, delete) x (latency, throughput); cephfs: 1 baseline x the
    // same
    assertEquals(12, t.rows().size());
    assertEquals(
        List.of("glusterfs", "create p50 ms, concurrency 1", "110.0", "raw", "100.0", "1.10"),
        t.rows().get(0).stream().map(Table::text).toList());
    assertEquals(
        List.of("glusterfs", "create/s, concurrency 100", "10.0", "raw", "5.0", "2.00"),
        t.rows().get(4).stream().map(Table::text).toList());
    assertEquals("1.25", Table.text(t.rows().get(5).get(5))); // 10/s vs 8/s raw+retry
    assertEquals(
        List.of("cephfs", "create p50 ms, concurrency 1", "30.0", "rados", "20.0", "1.50"),
        t.rows().get(8).stream().map(Table::text).toList());
    assertEquals(
        List.of("cephfs", "create/s, concurrency 100", "20.0", "rados", "25.0", "0.80"),
        t.rows().get(10).stream().map(Table::text).toList());
  }

  @Test
  void targetInputsTakeTheDriverAndTheNamedBaselinesOfOneBackend() {
    Targets.Goal latency = Targets.Goal.latency("rados", 1, 1.3);
    Targets.Goal rate = Targets.Goal.rate("rados", 100, 0.85);
    Targets.Goal missing = Targets.Goal.latency("rados-as-driver", 1, 1.1);
    Targets.Provisioned p =
        Provisioning.targetInputs(LEVELS, "cephfs", List.of(latency, rate, missing), 100);
    assertEquals("cephfs", p.backend());
    assertEquals(2, p.createInFlight()); // a level of 2 volumes has only 2 in flight
    assertEquals(2, p.createCount());
    assertEquals(new Targets.Ratio(latency, 30, 20), p.ratios().get(0));
    assertEquals(20, p.ratios().get(1).driver(), 1e-9);
    assertEquals(25, p.ratios().get(1).baseline(), 1e-9);
    assertEquals(30, p.ratios().get(2).driver());
    assertTrue(Double.isNaN(p.ratios().get(2).baseline()));
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
    Load.Result b =
        new Load.Result(
            List.of(new Stats.Sample(30, true), new Stats.Sample(1, false)),
            300,
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
    assertEquals(null, Provisioning.find(List.of(), "cephfs", "driver", 1));
  }
}
