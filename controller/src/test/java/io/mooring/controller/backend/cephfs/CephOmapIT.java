package io.mooring.controller.backend.cephfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mooring.ceph.CephCredentials;
import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.controller.config.CephConfig;
import io.mooring.rpc.Metrics;
import io.mooring.volume.VolumeNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Volume records in RADOS omap on a real Ceph cluster (scripts/storage-host-up --ceph; skipped
 * without CEPH_MONITORS CEPH_FS CEPH_ADMIN_ID CEPH_ADMIN_KEY_FILE): written and read over librados,
 * a create cut off after each of its steps finished by the retry, records of the metadata era
 * imported, and the mgr commands and latency of a create with either kind of record. Each test
 * works in a subvolume group (and so an omap object) of its own, removed at the end.
 */
class CephOmapIT {

  static final long MIB = 1 << 20;

  CephClient rados;
  CephCredentials admin;
  Path secretDir;
  String fs;
  String group;
  List<String> monitors;

  @BeforeEach
  void connect() throws IOException {
    String mons = System.getenv("CEPH_MONITORS");
    fs = System.getenv("CEPH_FS");
    String id = System.getenv("CEPH_ADMIN_ID");
    String keyFile = System.getenv("CEPH_ADMIN_KEY_FILE");
    assumeTrue(mons != null && fs != null && id != null && keyFile != null, "no Ceph cluster");
    monitors = Arrays.asList(mons.split(","));
    String key = Files.readString(Path.of(keyFile)).strip();
    admin = CephCredentials.of("adminID", id, "adminKey", key);
    secretDir = Files.createTempDirectory("mooring-omap-it");
    Files.writeString(secretDir.resolve("adminID"), id);
    Files.writeString(secretDir.resolve("adminKey"), key);
    rados = RadosCephClient.loadOr(monitors, null, Metrics.OFF);
    assertInstanceOf(RadosCephClient.class, rados, "librados loads here");
    group = "omap-it-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void cleanUp() throws IOException {
    if (rados == null) {
      return;
    }
    try {
      removeGroup();
    } finally {
      rados.close();
      Files.walk(secretDir).sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** The test's subvolumes, group and omap object. */
  void removeGroup() {
    try {
      for (Object entry :
          Json.array(
              Json.parse(
                  rados.run(
                      CephCommand.mgr("fs subvolume ls")
                          .with("vol_name", fs)
                          .with("group_name", group),
                      admin)),
              "ls")) {
        String dir = (String) Json.object(entry, "entry").get("name");
        rados.run(subvolume("fs subvolume rm", dir).with("force", true), admin);
      }
      rados.run(
          CephCommand.mgr("fs subvolumegroup rm")
              .with("vol_name", fs)
              .with("group_name", group)
              .with("force", true),
          admin);
    } catch (CephError e) {
      assertEquals(CephError.ENOENT, e.errno(), e.getMessage()); // no group: nothing made
    }
    OmapObject object = object();
    rados.omapWrite(object, Map.of(), rados.omapRead(object, Set.of(), admin).keySet(), admin);
  }

  CephfsBackend backend(CephClient client) {
    return new CephfsBackend(
        new CephConfig(
            "ceph-it", monitors, fs, group, "fuse", "", "", secretDir.toString(), Map.of()),
        client,
        Clock.systemUTC());
  }

  OmapObject object() {
    return new OmapObject(
        "cephfs." + fs + ".meta", OmapRecords.NAMESPACE, OmapRecords.OBJECT_PREFIX + group);
  }

  SortedMap<String, String> omap() {
    return rados.omapRead(object(), Set.of(), admin);
  }

  CephCommand subvolume(String prefix, String dir) {
    return CephCommand.mgr(prefix)
        .with("vol_name", fs)
        .with("sub_name", dir)
        .with("group_name", group);
  }

  boolean exists(String dir) {
    try {
      rados.run(subvolume("fs subvolume getpath", dir), admin);
      return true;
    } catch (CephError e) {
      assertEquals(CephError.ENOENT, e.errno(), e.getMessage());
      return false;
    }
  }

  @Test
  void omapRoundTripsAnyKeyAndValueAndPagesPastAThousand() {
    OmapObject object = object();
    assertEquals(Map.of(), rados.omapRead(object, Set.of(), admin), "no object yet");
    Map<String, String> values = new java.util.TreeMap<>();
    for (int i = 0; i < 2500; i++) {
      values.put(String.format("k%05d", i), "v" + i + " ✓");
    }
    rados.omapWrite(object, values, Set.of(), admin);
    assertEquals(values, rados.omapRead(object, Set.of(), admin));
    assertEquals(Map.of("k00007", "v7 ✓"), rados.omapRead(object, Set.of("k00007", "nope"), admin));
    rados.omapWrite(object, Map.of("x", ""), values.keySet(), admin);
    assertEquals(Map.of("x", ""), rados.omapRead(object, Set.of(), admin));
  }

  /** A client that counts mgr commands, and can fail (as a crash would) after a given step. */
  static final class Counting implements CephClient {
    final CephClient real;
    final boolean omap;
    final AtomicInteger mgr = new AtomicInteger();

    /** Microseconds each call took, by command prefix ("omap read", "omap write" for omap). */
    final Map<String, List<Long>> micros = new java.util.concurrent.ConcurrentHashMap<>();

    /** Microseconds of all calls together. */
    final java.util.concurrent.atomic.AtomicLong callMicros =
        new java.util.concurrent.atomic.AtomicLong();

    String crashAfter = "";
    int omapWrites;

    Counting(CephClient real, boolean omap) {
      this.real = real;
      this.omap = omap;
    }

    @Override
    public String run(CephCommand command, CephCredentials credentials) {
      if (command.target() == CephCommand.Target.MGR) {
        mgr.incrementAndGet();
      }
      long start = System.nanoTime();
      try {
        String out = real.run(command, credentials);
        crash(command.prefix());
        return out;
      } finally {
        took(command.prefix(), start);
      }
    }

    @Override
    public boolean hasOmap() {
      return omap;
    }

    @Override
    public SortedMap<String, String> omapRead(
        OmapObject object, Set<String> keys, CephCredentials credentials) {
      long start = System.nanoTime();
      SortedMap<String, String> out = real.omapRead(object, keys, credentials);
      took("omap read", start);
      return out;
    }

    @Override
    public SortedMap<String, String> omapRange(
        OmapObject object, String prefix, String after, int max, CephCredentials credentials) {
      long start = System.nanoTime();
      SortedMap<String, String> out = real.omapRange(object, prefix, after, max, credentials);
      took("omap range", start);
      return out;
    }

    @Override
    public void omapWrite(
        OmapObject object, Map<String, String> set, Set<String> remove, CephCredentials c) {
      long start = System.nanoTime();
      real.omapWrite(object, set, remove, c);
      took("omap write", start);
      crash("omap write " + ++omapWrites);
    }

    private void took(String what, long start) {
      long took = (System.nanoTime() - start) / 1000;
      micros
          .computeIfAbsent(what, w -> java.util.Collections.synchronizedList(new ArrayList<>()))
          .add(took);
      callMicros.addAndGet(took);
    }

    /** "prefix p50 ms" for each kind of call. */
    String p50s() {
      StringBuilder out = new StringBuilder();
      new java.util.TreeMap<>(micros)
          .forEach(
              (what, list) -> {
                List<Long> sorted = new ArrayList<>(list);
                Collections.sort(sorted);
                out.append(
                    String.format(
                        "%n  %-28s p50 %6.1f ms (%d calls)",
                        what, sorted.get(sorted.size() / 2) / 1000.0, sorted.size()));
              });
      return out.toString();
    }

    private void crash(String step) {
      if (step.equals(crashAfter)) {
        crashAfter = "";
        throw new CephError(CephError.ETIMEDOUT, "injected: the controller died after " + step);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"omap write 1", "fs subvolume create", "fs subvolume getpath", "omap write 2"})
  void aCreateCutOffAfterAnyStepIsFinishedByItsRetry(String step) {
    Counting client = new Counting(rados, true);
    CephfsBackend first = backend(client);
    first.create("warm-up", "warm-up", 4 * MIB, Map.of(), Map.of()); // group, import
    client.omapWrites = 0; // from here: 1 reserves, 2 commits
    client.crashAfter = step;
    String dir = VolumeNames.dirFor("pvc-cut");
    assertThrows(CephError.class, () -> first.create(dir, "pvc-cut", 8 * MIB, Map.of(), Map.of()));
    assertEquals("", client.crashAfter, "the fault struck");

    CephfsBackend restarted = backend(rados);
    boolean committed = step.equals("omap write 2");
    assertEquals(committed, restarted.get(dir).isPresent(), "a volume once committed only");
    assertEquals(
        committed ? List.of(dir, "warm-up") : List.of("warm-up"),
        restarted.list().stream().map(VolumeRecord::dir).toList());
    VolumeRecord v = restarted.create(dir, "pvc-cut", 8 * MIB, Map.of(), Map.of());
    assertEquals(new VolumeRecord(dir, "pvc-cut", 8 * MIB, Map.of(), v.created()), v);
    assertTrue(v.created().isPresent(), "a create's record says when it began");
    assertTrue(exists(dir));
    SortedMap<String, String> omap = omap();
    assertFalse(omap.containsKey(OmapRecords.RESERVED + dir), omap.toString());
    assertTrue(
        SubvolumeRecord.decode(omap.get(OmapRecords.VOLUME + dir)).path().startsWith("/volumes/"));

    restarted.delete(dir, DeletePolicy.DELETE, Map.of());
    assertFalse(exists(dir));
    assertFalse(omap().containsKey(OmapRecords.VOLUME + dir));
  }

  @Test
  void volumesOfTheMetadataEraAreListedResizedAndDeleted() {
    CephfsBackend old = backend(new Counting(rados, false));
    VolumeRecord a = old.create(VolumeNames.dirFor("pvc-a"), "pvc-a", 4 * MIB, Map.of(), Map.of());
    VolumeRecord b = old.create(VolumeNames.dirFor("pvc-b"), "pvc-b", 4 * MIB, Map.of(), Map.of());
    String arch = VolumeNames.dirFor("pvc-arch");
    old.create(arch, "pvc-arch", 4 * MIB, Map.of(), Map.of());
    old.delete(arch, DeletePolicy.ARCHIVE, Map.of());
    assertEquals(Map.of(), omap(), "the metadata era wrote no omap");

    CephfsBackend now = backend(rados);
    assertEquals(
        List.of(a, b).stream().sorted((x, y) -> x.dir().compareTo(y.dir())).toList(), now.list());
    assertTrue(omap().containsKey(OmapRecords.ARCHIVED + arch));
    assertThrows(
        io.mooring.errors.StorageException.class,
        () -> now.create(arch, "pvc-arch", 4 * MIB, Map.of(), Map.of()));
    VolumeRecord bigger = now.resize(a, 12 * MIB, Map.of());
    assertEquals(java.util.Optional.of(bigger), backend(rados).get(a.dir()));
    now.delete(a.dir(), DeletePolicy.DELETE, Map.of());
    assertFalse(exists(a.dir()));
    assertEquals(List.of(b), backend(rados).list());
  }

  /** A ListVolumes page starts at a name and holds at most the limit, with either records. */
  @Test
  void listingStartsAtANameAndStopsAtTheLimit() {
    for (boolean omap : new boolean[] {false, true}) {
      group = "omap-it-" + UUID.randomUUID().toString().substring(0, 8);
      CephfsBackend backend = backend(new Counting(rados, omap));
      List<VolumeRecord> made = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String name = "pvc-page-" + i;
        made.add(backend.create(VolumeNames.dirFor(name), name, 4 * MIB, Map.of(), Map.of()));
      }
      made.sort((x, y) -> x.dir().compareTo(y.dir()));
      CephfsBackend restarted = backend(new Counting(rados, omap));
      assertEquals(made.subList(0, 2), restarted.list("", 2), "omap " + omap);
      assertEquals(made.subList(2, 4), restarted.list(made.get(2).dir(), 2), "omap " + omap);
      assertEquals(made.subList(4, 5), restarted.list(made.get(4).dir(), 2), "omap " + omap);
      assertEquals(made.subList(3, 5), restarted.list(made.get(2).dir() + "0", 0), "omap " + omap);
      assertEquals(made, restarted.list(), "omap " + omap);
      removeGroup();
    }
  }

  /** Numbers, not assertions: mgr commands and p50 of a create, list time, either record kind. */
  @Test
  void measureCreatesAndListsWithEitherRecords() {
    int n = Integer.getInteger("omap.it.volumes", 40);
    for (boolean omap : new boolean[] {false, true}) {
      group = "omap-it-" + UUID.randomUUID().toString().substring(0, 8);
      Counting client = new Counting(rados, omap);
      CephfsBackend backend = backend(client);
      backend.create("warm-up", "warm-up", 4 * MIB, Map.of(), Map.of());
      List<Long> micros = new ArrayList<>();
      List<Long> outside = new ArrayList<>(); // of each create: its time outside the Ceph calls
      client.mgr.set(0);
      client.micros.clear();
      for (int i = 0; i < n; i++) {
        String name = "pvc-m-" + i;
        long calls = client.callMicros.get();
        long start = System.nanoTime();
        // as the service does: look, then create
        assertTrue(backend.get(VolumeNames.dirFor(name), Map.of()).isEmpty());
        backend.create(VolumeNames.dirFor(name), name, 4 * MIB, Map.of(), Map.of());
        long took = (System.nanoTime() - start) / 1000;
        micros.add(took);
        outside.add(took - (client.callMicros.get() - calls));
      }
      Collections.sort(outside);
      double perCreate = client.mgr.get() / (double) n;
      String steps = client.p50s();
      Collections.sort(micros);
      client.mgr.set(0);
      long listStart = System.nanoTime();
      assertEquals(n + 1, backend(client).list().size());
      long listMs = (System.nanoTime() - listStart) / 1_000_000;
      System.out.printf(
          "records in %s: CreateVolume p50 %.1f ms p90 %.1f ms (outside the Ceph calls: p50 %.2f"
              + " ms, max %.2f ms), %.1f mgr commands a create; ListVolumes of %d in %d ms with %d"
              + " mgr commands; the steps of the creates:%s%n",
          omap ? "omap" : "metadata",
          micros.get(n / 2) / 1000.0,
          micros.get(n * 9 / 10) / 1000.0,
          outside.get(n / 2) / 1000.0,
          outside.get(n - 1) / 1000.0,
          perCreate,
          n + 1,
          listMs,
          client.mgr.get(),
          steps);
      removeGroup();
    }
  }
}
