package io.mooring.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The volume_context as the controller writes it and the node reads it: what earlier versions wrote
 * still reads, and a context that does not belong to its volume ID is refused.
 */
class VolumeContextTest {

  private static final VolumeId GLUSTER_ID = VolumeId.parse("v1:gluster-a:pvc-1");
  private static final VolumeId CEPH_ID = VolumeId.parse("v1:ceph-a:pvc-1");
  private static final String UUID = "8da71602-45de-440e-9dfd-afca3e685c6d";

  /** A context as Mooring 0.1 wrote it for a GlusterFS volume. */
  static Map<String, String> gluster() {
    return Map.of(
        "backend", "gluster-a",
        "type", "glusterfs",
        "servers", "g1.example, 127.0.0.2",
        "volume", "shared",
        "path", "/mooring/pvc-1");
  }

  /** A context as Mooring 0.1 wrote it for a CephFS volume. */
  static Map<String, String> ceph() {
    return Map.of(
        "backend", "ceph-a",
        "type", "cephfs",
        "monitors", "127.0.0.1:9, mon2.example:3300",
        "fsName", "cephfs",
        "subvolumeGroup", "csi",
        "subvolume", "pvc-1",
        "path", "/volumes/csi/pvc-1/" + UUID,
        "mounter", "");
  }

  @Test
  void readsAGlusterContextOfAnEarlierVersion() {
    GlusterContext expected =
        new GlusterContext(
            GLUSTER_ID, List.of("g1.example", "127.0.0.2"), "shared", "/mooring/pvc-1");
    assertEquals(expected, VolumeContext.parse(GLUSTER_ID, gluster()));
    assertEquals("g1.example,127.0.0.2:/shared", expected.source());
    Map<String, String> untyped = new HashMap<>(gluster());
    untyped.remove("type");
    untyped.remove("backend");
    assertEquals(expected, VolumeContext.parse(GLUSTER_ID, untyped));
  }

  @Test
  void readsACephContextOfAnEarlierVersion() {
    CephContext expected =
        new CephContext(
            CEPH_ID,
            List.of("127.0.0.1:9", "mon2.example:3300"),
            "cephfs",
            "csi",
            "/volumes/csi/pvc-1/" + UUID,
            "",
            "");
    assertEquals(expected, VolumeContext.parse(CEPH_ID, ceph()));
    assertEquals("/volumes/csi", expected.groupPath());
    Map<String, String> withOptions = new HashMap<>(ceph());
    withOptions.put("fuseMountOptions", "default_permissions,max_read=131072");
    assertEquals(
        "default_permissions,max_read=131072",
        ((CephContext) VolumeContext.parse(CEPH_ID, withOptions)).fuseOptions());
  }

  /** The controller writes the keys and values it wrote before, and the node reads them back. */
  @Test
  void whatTheControllerWritesTheNodeReads() {
    Map<String, String> gluster = new HashMap<>(gluster());
    gluster.put("servers", "g1.example,127.0.0.2");
    Map<String, String> ceph = new HashMap<>(ceph());
    ceph.put("monitors", "127.0.0.1:9,mon2.example:3300");
    for (var written : List.of(Map.entry(GLUSTER_ID, gluster), Map.entry(CEPH_ID, ceph))) {
      VolumeContext context = VolumeContext.parse(written.getKey(), written.getValue());
      assertEquals(written.getValue(), context.toMap());
      assertEquals(context, VolumeContext.parse(context.id(), context.toMap()));
    }
  }

  @Test
  void aCephSubvolumeGroupOrSubvolumeLeftOutComesFromThePathAndTheId() {
    Map<String, String> context = new HashMap<>(ceph());
    context.remove("subvolumeGroup");
    context.remove("subvolume");
    assertEquals(VolumeContext.parse(CEPH_ID, ceph()), VolumeContext.parse(CEPH_ID, context));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "fuse", "kernel"})
  void mounterIsFuseKernelOrEmpty(String mounter) {
    Map<String, String> context = new HashMap<>(ceph());
    context.put("mounter", mounter);
    assertEquals(mounter, ((CephContext) VolumeContext.parse(CEPH_ID, context)).mounter());
  }

  @ParameterizedTest
  @CsvSource({"g1:/vol, vol", "'g1,g2:/vol', vol", "[fe80::1]:/vol-2, vol-2"})
  void volumeOfAMountSource(String source, String volume) {
    assertEquals(volume, GlusterContext.volumeOf(source));
  }

  /** Changes to a good GlusterFS context; a null value removes the key. */
  static Stream<Arguments> badGlusterContexts() {
    return Stream.of(
        Arguments.of("servers", null, "no servers"),
        Arguments.of("servers", "g1,-o evil", "servers must be"),
        Arguments.of("volume", null, "no volume"),
        Arguments.of("volume", "vol/../x", "not a Gluster volume name"),
        Arguments.of("path", null, "no path"),
        Arguments.of("path", "mooring/pvc-1", "absolute directory path"),
        Arguments.of("path", "/mooring/../pvc-1", "absolute directory path"),
        Arguments.of("path", "/mooring/./pvc-1", "absolute directory path"),
        Arguments.of("path", "/", "absolute directory path"),
        Arguments.of("path", "/mooring//pvc-1", "absolute directory path"),
        Arguments.of("path", "/mooring/pvc-1\0", "absolute directory path"),
        Arguments.of("path", "/mooring", "not the directory of volume v1:gluster-a:pvc-1"),
        Arguments.of("path", "/mooring/pvc-2", "not the directory of volume"),
        Arguments.of("path", "/mooring/pvc-1/sub", "not the directory of volume"),
        Arguments.of("path", "/pvc-1x", "not the directory of volume"),
        Arguments.of("backend", "gluster-b", "does not match volume_id"),
        Arguments.of("type", "nfs", "not served by this node plugin"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badGlusterContexts")
  void refusesTheGlusterContext(String key, String value, String message) {
    assertRefused(GLUSTER_ID, gluster(), key, value, message);
  }

  /** Changes to a good CephFS context; a null value removes the key. */
  static Stream<Arguments> badCephContexts() {
    return Stream.of(
        Arguments.of("monitors", null, "no monitors"),
        Arguments.of("monitors", "", "no monitors"),
        Arguments.of("monitors", "m1,-o evil", "monitors must be"),
        Arguments.of("monitors", "m1 m2", "monitors must be"),
        Arguments.of("fsName", null, "no fsName"),
        Arguments.of("fsName", "-x", "not a CephFS name"),
        Arguments.of("fsName", "fs/x", "not a CephFS name"),
        Arguments.of("path", null, "no path"),
        Arguments.of("path", "volumes/csi/pvc-1", "absolute path"),
        Arguments.of("path", "/volumes/../x", "absolute path"),
        Arguments.of("path", "/volumes/./x", "absolute path"),
        Arguments.of("path", "/", "absolute path"),
        Arguments.of("path", "/volumes//x", "absolute path"),
        Arguments.of("path", "/volumes/x y", "absolute path"),
        Arguments.of("path", "/volumes/x\n", "absolute path"),
        Arguments.of("path", "/volumes/csi", "not the path of volume v1:ceph-a:pvc-1"),
        Arguments.of("path", "/volumes", "not the path of volume"),
        Arguments.of("path", "/volumes/csi/pvc-2/" + UUID, "not the path of volume"),
        Arguments.of("path", "/volumes/other/pvc-1/" + UUID, "not the path of volume"),
        Arguments.of("path", "/volumes/csi/pvc-1/" + UUID + "/sub", "not the path of volume"),
        Arguments.of("path", "/elsewhere/csi/pvc-1/" + UUID, "not the path of volume"),
        Arguments.of("path", "/volumes/other/pvc-2/.snap/snap-1/" + UUID, "not the path of"),
        Arguments.of("path", "/volumes/csi/pvc-2/.snap/snap-1", "not the path of volume"),
        Arguments.of("path", "/volumes/csi/pvc-2/.snap/snap-1/" + UUID + "/x", "not the path of"),
        Arguments.of("path", "/volumes/csi/pvc-2/.snap/../" + UUID, "absolute path"),
        Arguments.of("subvolumeGroup", "other", "not the path of volume"),
        Arguments.of("subvolume", "pvc-2", "subvolume \"pvc-2\" does not match volume_id"),
        Arguments.of("mounter", "nfs", "not one of fuse, kernel or empty"),
        Arguments.of("fuseMountOptions", "fsname=other", "not set fsname or subtype"),
        Arguments.of("fuseMountOptions", "ro,subtype=x", "not set fsname or subtype"),
        Arguments.of("fuseMountOptions", "a b", "comma-separated"),
        Arguments.of("backend", "ceph-b", "does not match volume_id"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badCephContexts")
  void refusesTheCephContext(String key, String value, String message) {
    assertRefused(CEPH_ID, ceph(), key, value, message);
  }

  @Test
  void aVolumeBackedByASnapshotIsAnotherSubvolumesSnapshot() {
    Map<String, String> written = new HashMap<>(ceph());
    String path = "/volumes/csi/pvc-src/.snap/snap-0123456789abcdef/" + UUID;
    written.put("path", path);
    written.put("monitors", "127.0.0.1:9,mon2.example:3300");
    CephContext context = (CephContext) VolumeContext.parse(CEPH_ID, written);
    assertEquals(Optional.of("snap-0123456789abcdef"), context.backingSnapshot());
    assertEquals("/volumes/csi/pvc-src", context.snapshotSubvolumePath());
    assertEquals(written, context.toMap());
    assertEquals(
        path, CephContext.snapshotPath("/volumes/csi/pvc-src/" + UUID, "snap-0123456789abcdef"));
    assertEquals(
        Optional.empty(), ((CephContext) VolumeContext.parse(CEPH_ID, ceph())).backingSnapshot());
    written.remove("subvolumeGroup");
    assertEquals(context, VolumeContext.parse(CEPH_ID, written), "the group is the path's");
  }

  @Test
  void theControllerCannotWriteAContextOfAnotherVolume() {
    assertThrows(
        StorageException.class,
        () -> new GlusterContext(GLUSTER_ID, List.of("g1"), "shared", "/mooring"));
    assertThrows(
        StorageException.class,
        () ->
            new CephContext(
                CEPH_ID, List.of("m1"), "cephfs", "csi", "/volumes/csi/pvc-2/" + UUID, "", ""));
  }

  @Test
  void fsTypesOfEveryKind() {
    assertEquals(
        Set.of("glusterfs", "fuse.glusterfs", "ceph", "cephfs", "fuse.ceph-fuse"),
        VolumeContext.FS_TYPES);
  }

  private static void assertRefused(
      VolumeId id, Map<String, String> good, String key, String value, String message) {
    Map<String, String> context = new HashMap<>(good);
    if (value == null) {
      context.remove(key);
    } else {
      context.put(key, value);
    }
    StorageException e =
        assertThrows(StorageException.class, () -> VolumeContext.parse(id, context));
    assertEquals(StorageException.Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
