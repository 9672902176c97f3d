package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.ceph.CephCredentials;
import io.mooring.errors.StorageException;
import io.mooring.volume.VolumeId;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CephFS volume_context and node-stage secrets: what is accepted, and clear refusals without
 * the key.
 */
class CephVolumeTest {

  static final String KEY = "AQAKrCVpqsAAMhAApF+k8g1BjIgNCi1pnw5Uiw==";
  private static final VolumeId ID = VolumeId.parse("v1:ceph-a:pvc-1");

  static Map<String, String> context() {
    return Map.of(
        "backend",
        "ceph-a",
        "type",
        "cephfs",
        "monitors",
        "127.0.0.1:9, mon2.example:3300",
        "fsName",
        "cephfs",
        "subvolumeGroup",
        "csi",
        "subvolume",
        "pvc-1",
        "path",
        "/volumes/csi/pvc-1/8da71602-45de-440e-9dfd-afca3e685c6d",
        "mounter",
        "");
  }

  @Test
  void readsTheControllersVolumeContext() {
    CephVolume volume = CephVolume.of(ID, context());

    assertEquals(
        new CephVolume(
            "ceph-a",
            "pvc-1",
            List.of("127.0.0.1:9", "mon2.example:3300"),
            "cephfs",
            "/volumes/csi/pvc-1/8da71602-45de-440e-9dfd-afca3e685c6d",
            "",
            ""),
        volume);
    Map<String, String> withOptions = new HashMap<>(context());
    withOptions.put("fuseMountOptions", "default_permissions,max_read=131072");
    assertEquals(
        "default_permissions,max_read=131072", CephVolume.of(ID, withOptions).fuseOptions());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "fuse", "kernel"})
  void mounterIsFuseKernelOrEmpty(String mounter) {
    Map<String, String> context = new HashMap<>(context());
    context.put("mounter", mounter);
    assertEquals(mounter, CephVolume.of(ID, context).mounter());
  }

  /** Changes to a good context; a null value removes the key. */
  static Stream<Arguments> badContexts() {
    return Stream.of(
        Arguments.of("monitors", null, "no monitors"),
        Arguments.of("monitors", "", "no monitors"),
        Arguments.of("monitors", "m1,-o evil", "monitors must be"),
        Arguments.of("monitors", "m1 m2", "monitors must be"),
        Arguments.of("fsName", null, "no fsName"),
        Arguments.of("fsName", "-x", "not a CephFS name"),
        Arguments.of("fsName", "fs/x", "not a CephFS name"),
        Arguments.of("path", null, "no path"),
        Arguments.of("path", "volumes/csi/x", "absolute path"),
        Arguments.of("path", "/volumes/../x", "absolute path"),
        Arguments.of("path", "/volumes/./x", "absolute path"),
        Arguments.of("path", "/", "absolute path"),
        Arguments.of("path", "/volumes//x", "absolute path"),
        Arguments.of("path", "/volumes/x y", "absolute path"),
        Arguments.of("path", "/volumes/x\n", "absolute path"),
        Arguments.of("mounter", "nfs", "not one of fuse, kernel or empty"),
        Arguments.of("fuseMountOptions", "fsname=other", "not set fsname or subtype"),
        Arguments.of("fuseMountOptions", "ro,subtype=x", "not set fsname or subtype"),
        Arguments.of("fuseMountOptions", "a b", "comma-separated"),
        Arguments.of("backend", "ceph-b", "does not match"),
        Arguments.of("type", "glusterfs", "is not cephfs"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badContexts")
  void refusesTheContext(String key, String value, String message) {
    Map<String, String> context = new HashMap<>(context());
    if (value == null) {
      context.remove(key);
    } else {
      context.put(key, value);
    }
    StorageException e = assertThrows(StorageException.class, () -> CephVolume.of(ID, context));
    assertEquals(StorageException.Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void userSecretsComeBeforeAdminSecrets() {
    assertEquals(
        "client.vol1",
        CephUser.fromSecrets(
                Map.of("userID", "vol1", "userKey", KEY, "adminID", "admin", "adminKey", KEY))
            .entity());
    assertEquals(
        CephCredentials.of("id", "admin", "key", KEY),
        CephUser.fromSecrets(Map.of("adminID", "client.admin", "adminKey", " " + KEY + "\n")));
  }

  static Stream<Arguments> badSecrets() {
    return Stream.of(
        Arguments.of(Map.of(), "needs the cephx user"),
        Arguments.of(Map.of("userID", "vol1"), "have userID but not userKey"),
        Arguments.of(Map.of("userKey", KEY), "have userKey but not userID"),
        Arguments.of(Map.of("adminKey", KEY), "have adminKey but not adminID"),
        Arguments.of(Map.of("userID", "vol 1", "userKey", KEY), "must be a cephx user name"),
        Arguments.of(
            Map.of("userID", KEY + "/" + KEY, "userKey", KEY), "must be a cephx user name"),
        Arguments.of(Map.of("userID", "vol1", "userKey", "secret"), "is not a cephx key"),
        Arguments.of(
            Map.of("userID", "vol1", "userKey", Base64.getEncoder().encodeToString(new byte[28])),
            "secret userKey is not a cephx key"),
        Arguments.of(
            Map.of("userID", "vol1", "userKey", KEY + "\n[client.x]"), "is not a cephx key"));
  }

  @ParameterizedTest
  @MethodSource("badSecrets")
  void refusesTheSecretsWithoutQuotingThem(Map<String, String> secrets, String message) {
    StorageException e = assertThrows(StorageException.class, () -> CephUser.fromSecrets(secrets));
    assertEquals(StorageException.Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().contains(message), e.getMessage());
    for (String value : secrets.values()) {
      if (value.length() > 8) {
        assertFalse(e.getMessage().contains(value.strip()), e.getMessage());
      }
    }
  }
}
