package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.tools.bench.Targets.Verdict;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TargetsTest {

  private static final Targets.Goal LATENCY = Targets.Goal.latency("raw", 1, 1.1);
  private static final Targets.Goal RATE = Targets.Goal.rate("raw+retry", 100, 0.9);

  /** Every target just met. */
  private static final Targets.Provisioned GOOD_PROVISIONING =
      new Targets.Provisioned(
          "glusterfs",
          100,
          100,
          0,
          List.of(new Targets.Ratio(LATENCY, 110, 100), new Targets.Ratio(RATE, 9, 10)));

  private static final Targets.NodeRun GOOD_RUN =
      new Targets.NodeRun("glusterfs", true, 20, 50, 1, 96);
  private static final Targets.Node GOOD_NODE = new Targets.Node(List.of(GOOD_RUN), 60, 1000, 64);

  private static List<Targets.Target> with(UnaryOperator<Object[]> change) {
    Targets.Provisioned p = GOOD_PROVISIONING;
    Targets.NodeRun r = GOOD_RUN;
    Object[] a = {
      p.createInFlight(),
      p.createCount(),
      p.createErrors(),
      p.ratios().get(0).driver(),
      p.ratios().get(0).baseline(),
      p.ratios().get(1).driver(),
      p.ratios().get(1).baseline(),
      r.publishP50(),
      r.nodeVolumes(),
      r.fuseClients(),
      GOOD_NODE.nodeRssIdleMiB(),
      r.nodeRssAfterMiB(),
      GOOD_NODE.startToProbeMs(),
      GOOD_NODE.controllerRssIdleMiB()
    };
    a = change.apply(a);
    return Targets.evaluate(
        List.of(
            new Targets.Provisioned(
                p.backend(),
                (int) a[0],
                (int) a[1],
                (int) a[2],
                List.of(
                    new Targets.Ratio(LATENCY, (double) a[3], (double) a[4]),
                    new Targets.Ratio(RATE, (double) a[5], (double) a[6])))),
        new Targets.Node(
            List.of(
                new Targets.NodeRun(
                    r.mode(), r.shared(), (double) a[7], (int) a[8], (int) a[9], (double) a[11])),
            (double) a[10],
            (double) a[12],
            (double) a[13]));
  }

  private static UnaryOperator<Object[]> set(int index, Object value) {
    return a -> {
      a[index] = value;
      return a;
    };
  }

  @Test
  void boundariesCountAsMet() {
    List<Targets.Target> targets = with(UnaryOperator.identity());
    assertEquals(9, targets.size());
    targets.forEach(t -> assertEquals(Verdict.MET, t.verdict(), t.name() + ": " + t.measured()));
  }

  static Stream<Arguments> misses() {
    return Stream.of(
        Arguments.of(0, set(2, 1)), // one create error
        Arguments.of(1, set(3, 110.2)), // driver p50 1.102 x raw
        Arguments.of(2, set(5, 8.9)), // 0.89 x raw-with-retry
        Arguments.of(3, set(7, 20.1)), // publish p50
        Arguments.of(4, set(9, 2)), // two FUSE clients
        Arguments.of(4, set(9, 0)), // none at all
        Arguments.of(5, set(11, 96.1)), // RSS after
        Arguments.of(6, set(10, 60.1)), // idle RSS
        Arguments.of(7, set(12, 1000.5)), // start to Probe
        Arguments.of(8, set(13, 64.1))); // controller idle RSS
  }

  @ParameterizedTest
  @MethodSource("misses")
  void eachTargetCanBeMissed(int index, UnaryOperator<Object[]> change) {
    List<Targets.Target> targets = with(change);
    for (int i = 0; i < targets.size(); i++) {
      assertEquals(
          i == index ? Verdict.NOT_MET : Verdict.MET,
          targets.get(i).verdict(),
          targets.get(i).name());
    }
  }

  @Test
  void unmeasuredNumbersAreNotJudged() {
    Targets.Provisioned none =
        new Targets.Provisioned(
            "cephfs",
            0,
            0,
            0,
            List.of(
                new Targets.Ratio(LATENCY, Double.NaN, Double.NaN),
                new Targets.Ratio(RATE, 20, Double.NaN)));
    Targets.evaluate(
            List.of(none),
            new Targets.Node(
                List.of(Targets.NodeRun.none("cephfs, group key", true)),
                Double.NaN,
                Double.NaN,
                Double.NaN))
        .forEach(t -> assertEquals(Verdict.NOT_MEASURED, t.verdict(), t.name()));
  }

  @Test
  void fewerThanHundredInFlightIsNotJudged() {
    Targets.Target t =
        with(a -> {
              a[0] = 20;
              a[1] = 20;
              return a;
            })
            .get(0);
    assertEquals(Verdict.NOT_MEASURED, t.verdict());
    assertTrue(t.measured().contains("20 in flight"), t.measured());
  }

  @Test
  void eachNodeModeIsJudgedOnItsOwnAndAClientPerKeyIsInformation() {
    Targets.NodeRun group = new Targets.NodeRun("cephfs, group key", true, 5, 50, 1, 90);
    Targets.NodeRun perVolume =
        new Targets.NodeRun("cephfs, per-volume keys", false, 21, 50, 50, 97);
    List<Targets.Target> targets =
        Targets.evaluate(
            List.of(), new Targets.Node(List.of(GOOD_RUN, group, perVolume), 60, 1000, 64));
    assertEquals(12, targets.size());
    assertEquals(
        "cephfs, group key: FUSE clients for the published volumes", targets.get(4).name());
    assertEquals(Verdict.MET, targets.get(4).verdict());
    assertEquals(
        Verdict.NOT_MET,
        targets.get(6).verdict(),
        "publish p50 is judged with a client per key too");
    Targets.Target clients = targets.get(7);
    assertEquals(Verdict.INFORMATION, clients.verdict());
    assertEquals("50 for 50 volumes", clients.measured());
    assertEquals(Verdict.NOT_MET, targets.get(8).verdict(), "RSS after");
  }

  @Test
  void aNodeModeThatDidNotRunIsNotMeasured() {
    List<Targets.Target> targets =
        Targets.evaluate(
            List.of(),
            new Targets.Node(
                List.of(Targets.NodeRun.none("cephfs, per-volume keys", false)), 60, 1000, 64));
    assertEquals(6, targets.size());
    targets.subList(0, 3).forEach(t -> assertEquals(Verdict.NOT_MEASURED, t.verdict(), t.name()));
  }

  @Test
  void eachBackendGetsItsOwnProvisioningRowsNamedAfterItsBaselines() {
    Targets.Provisioned ceph =
        new Targets.Provisioned(
            "cephfs",
            100,
            100,
            0,
            List.of(
                new Targets.Ratio(Targets.Goal.latency("rados", 1, 1.3), 60, 20),
                new Targets.Ratio(Targets.Goal.rate("rados", 50, 0.85), 45, 50)));
    List<Targets.Target> targets = Targets.evaluate(List.of(GOOD_PROVISIONING, ceph), GOOD_NODE);
    assertEquals(12, targets.size());
    Targets.Target latency = targets.get(4);
    assertEquals("cephfs: driver CreateVolume p50 vs rados, concurrency 1", latency.name());
    assertEquals("<= 1.3 x rados", latency.goal());
    assertEquals("3.00 x (60.0 ms vs 20.0 ms)", latency.measured());
    assertEquals(Verdict.NOT_MET, latency.verdict());
    Targets.Target rate = targets.get(5);
    assertEquals("cephfs: driver creates/s vs rados, concurrency 50", rate.name());
    assertEquals(">= 0.85 x rados", rate.goal());
    assertEquals(Verdict.MET, rate.verdict(), rate.measured());
    assertTrue(targets.get(3).name().startsWith("cephfs: 100 concurrent"), targets.get(3).name());
  }

  @Test
  void tableHasOneRowPerTarget() {
    Table t = Targets.table(with(UnaryOperator.identity()));
    assertEquals(9, t.rows().size());
    assertEquals("met", t.rows().get(0).get(3));
  }

  @Test
  void scaleTargetsPerBackendAtTheirBoundariesAndWhenMissed() {
    List<Targets.Target> targets =
        Targets.scale(
            List.of(
                new Targets.Scaled("glusterfs", 2000, 100, 120, 1000),
                new Targets.Scaled("cephfs", 2000, 20, 30, 1500),
                new Targets.Scaled("x", 2000, Double.NaN, Double.NaN, Double.NaN)));
    assertEquals(6, targets.size());
    assertEquals(
        "glusterfs: CreateVolume p50 at 2000 volumes vs the first 100", targets.get(0).name());
    assertEquals("1.20 x (120.0 ms vs 100.0 ms)", targets.get(0).measured());
    assertEquals(Verdict.MET, targets.get(0).verdict());
    assertEquals(
        "glusterfs: ListVolumes of 2000 volumes in pages of 500, in total", targets.get(1).name());
    assertEquals("<= 1 s", targets.get(1).goal());
    assertEquals(Verdict.MET, targets.get(1).verdict());
    assertEquals(Verdict.NOT_MET, targets.get(2).verdict());
    assertEquals(Verdict.NOT_MET, targets.get(3).verdict());
    assertEquals(Verdict.NOT_MEASURED, targets.get(4).verdict());
    assertEquals(Verdict.NOT_MEASURED, targets.get(5).verdict());
  }
}
