package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BenchOptionsTest {

  private static BenchOptions parse(String... extra) {
    List<String> args = new ArrayList<>(List.of("--root", "/r", "--work", "/w", "--out", "/o"));
    args.addAll(GLUSTER);
    args.addAll(List.of(extra));
    return BenchOptions.parse(args.toArray(String[]::new));
  }

  @Test
  void defaults() {
    BenchOptions o = parse();
    assertEquals(Path.of("/r"), o.root());
    assertEquals(200, o.n());
    assertEquals(50, o.nodeVolumes());
    assertEquals(List.of(1, 10, 50, 100), o.concurrency());
    assertEquals(3, o.starts());
    assertFalse(o.quick());
    assertFalse(o.jvm());
    assertTrue(o.provisioning());
    assertFalse(o.strict());
    assertEquals(0, o.scale());
  }

  @Test
  void scaleTakesAnOptionalNumber() {
    assertEquals(BenchOptions.SCALE_DEFAULT, parse("--scale").scale());
    assertEquals(BenchOptions.SCALE_DEFAULT, parse("--scale", "--strict").scale());
    assertTrue(parse("--scale", "--strict").strict());
    assertEquals(10000, parse("--scale", "10000").scale());
    assertThrows(IllegalArgumentException.class, () -> parse("--scale", "0"));
  }

  @Test
  void snapshotsRunInAFullRunOrAloneWithAnOptionalSize() {
    assertEquals(1024, parse().snapshotMiB(), "part of a full run");
    assertFalse(parse().snapshotsOnly());
    assertEquals(0, parse("--quick").snapshotMiB(), "--quick stays quick");
    assertEquals(1024, parse("--snapshots").snapshotMiB());
    assertTrue(parse("--snapshots").snapshotsOnly());
    assertEquals(256, parse("--snapshots", "--quick").snapshotMiB());
    assertEquals(64, parse("--quick", "--snapshots", "64").snapshotMiB());
    assertThrows(IllegalArgumentException.class, () -> parse("--snapshots", "0"));
  }

  @Test
  void quickIsSmallUnlessToldOtherwise() {
    assertEquals(20, parse("--quick").n());
    assertEquals(10, parse("--quick").nodeVolumes());
    assertEquals(7, parse("--quick", "-n", "7").n());
    assertEquals(5, parse("--node-volumes", "5", "--quick").nodeVolumes());
    assertEquals(List.of(1, 50, 100), parse("--quick").concurrency());
    assertEquals(List.of(1, 10), parse("--quick", "--concurrency", "1,10").concurrency());
  }

  @Test
  void flags() {
    BenchOptions o =
        parse(
            "--jvm-flags",
            "--strict",
            "--no-provisioning",
            "--concurrency",
            "2, 4",
            "--starts",
            "5");
    assertTrue(o.jvm());
    assertTrue(o.strict());
    assertFalse(o.provisioning());
    assertEquals(List.of(2, 4), o.concurrency());
    assertEquals(5, o.starts());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"-n 0", "-n x", "--concurrency 1,,2", "--bogus", "-n", "--storage-holder-pid 0"})
  void rejectsBadArguments(String args) {
    assertThrows(IllegalArgumentException.class, () -> parse(args.split(" ")));
  }

  private static final List<String> GLUSTER =
      List.of(
          "--gluster-server",
          "198.18.0.10",
          "--gluster-volume",
          "v",
          "--gluster-ssh-key",
          "/s/ssh/client",
          "--gluster-ssh-known-hosts",
          "/s/ssh/known_hosts");
  private static final List<String> CEPH =
      List.of(
          "--ceph-conf",
          "/c/ceph.conf",
          "--ceph-monitors",
          "198.18.0.10:6789",
          "--ceph-fs",
          "cephfs",
          "--ceph-id",
          "admin",
          "--ceph-key-file",
          "/c/admin.key");

  @Test
  void requiresTheFixture() {
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--root", "/r"));
    assertThrows(
        IllegalArgumentException.class,
        () -> BenchOptions.parse("--root", "/r", "--work", "/w", "--out", "/o"));
  }

  @Test
  void eachBackendIsBenchedWhenItsFixtureIsGiven() {
    BenchOptions gluster = parse();
    assertEquals(
        new BenchOptions.Gluster(
            "198.18.0.10", "v", "root", Path.of("/s/ssh/client"), Path.of("/s/ssh/known_hosts")),
        gluster.gluster());
    assertEquals(null, gluster.ceph());
    assertEquals(0, gluster.storageHolder());

    List<String> args = new ArrayList<>(List.of("--root", "/r", "--work", "/w", "--out", "/o"));
    args.addAll(CEPH);
    BenchOptions ceph = BenchOptions.parse(args.toArray(String[]::new));
    assertEquals(null, ceph.gluster());
    assertEquals(
        new BenchOptions.Ceph(
            Path.of("/c/ceph.conf"),
            "198.18.0.10:6789",
            "cephfs",
            "admin",
            Path.of("/c/admin.key")),
        ceph.ceph());

    BenchOptions both = parse(CEPH.toArray(String[]::new));
    assertEquals("v", both.gluster().volume());
    assertEquals("cephfs", both.ceph().fs());
  }

  @Test
  void glusterIsManagedOverSshAsTheUserGivenAndTheStorageHostIsOptional() {
    BenchOptions o = parse("--gluster-ssh-user", "mooring", "--storage-holder-pid", "4242");
    assertEquals("mooring", o.gluster().sshUser());
    assertEquals(4242, o.storageHolder());
  }

  @Test
  void aHalfGivenFixtureIsAnError() {
    assertThrows(
        IllegalArgumentException.class, () -> parse(CEPH.subList(0, 4).toArray(String[]::new)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            BenchOptions.parse(
                "--root", "/r", "--work", "/w", "--out", "/o", "--gluster-server", "198.18.0.10"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            BenchOptions.parse(
                "--root", "/r", "--work", "/w", "--out", "/o", "--gluster-ssh-user", "root"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"--gluster-ssh-key", "--gluster-ssh-known-hosts", "--gluster-volume"})
  void glusterWithoutOneOfItsFlagsIsAnError(String left) {
    List<String> args = new ArrayList<>(List.of("--root", "/r", "--work", "/w", "--out", "/o"));
    for (int i = 0; i < GLUSTER.size(); i += 2) {
      if (!GLUSTER.get(i).equals(left)) {
        args.addAll(GLUSTER.subList(i, i + 2));
      }
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> BenchOptions.parse(args.toArray(String[]::new)));
    assertTrue(e.getMessage().startsWith("GlusterFS needs all of"), e.getMessage());
  }
}
