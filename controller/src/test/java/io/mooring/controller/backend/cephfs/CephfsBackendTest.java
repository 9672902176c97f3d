package io.mooring.controller.backend.cephfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.controller.config.CephConfig;
import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import io.mooring.testing.CephKeys;
import io.mooring.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CephfsBackendTest {

  static final String GROUP = "csi";
  static final String DIR = "pvc-1-0011223344556677";
  static final String KEY = CephKeys.of(1);
  static final String OTHER_KEY = CephKeys.of(2);
  static final Map<String, String> SECRETS =
      Map.of("adminID", "provisioner", "adminKey", OTHER_KEY);

  @TempDir Path secretDir;
  FakeCephClient ceph;
  MutableClock clock;
  CephfsBackend backend;

  @BeforeEach
  void setUp() throws IOException {
    Files.writeString(secretDir.resolve("adminID"), "admin\n");
    Files.writeString(secretDir.resolve("adminKey"), KEY + "\n");
    ceph = new FakeCephClient("cephfs");
    clock = new MutableClock();
    backend = backend(secretDir.toString());
  }

  CephfsBackend backend(String adminSecretDir) {
    return new CephfsBackend(
        new CephConfig(
            "ceph-a",
            List.of("127.0.0.1:9", "127.0.0.2"),
            "cephfs",
            GROUP,
            "fuse",
            "",
            "",
            adminSecretDir,
            Map.of()),
        ceph,
        clock);
  }

  @Test
  void createMakesASubvolumeWithQuotaAndRecord() {
    VolumeRecord v =
        backend.create(DIR, "pvc-1", 10_485_760, Map.of("onDelete", "retain"), SECRETS);
    assertEquals(
        new VolumeRecord(
            DIR, "pvc-1", 10_485_760, Map.of("onDelete", "retain"), Optional.of(clock.now)),
        v);
    FakeCephClient.Subvolume s = ceph.sub(GROUP, DIR);
    assertEquals(10_485_760, s.size);
    assertTrue(s.metadata.get(CephfsBackend.RECORD_KEY).startsWith("v1."));
    assertEquals(Optional.of(v), backend.get(DIR));
    // the request's credentials for the create, adminSecretDir's for the get
    assertEquals("provisioner", ceph.credentials.get(0).id());
    assertEquals("admin", ceph.credentials.get(ceph.credentials.size() - 1).id());

    Map<String, String> ctx = backend.volumeContext(DIR);
    assertEquals(
        Map.of(
            "backend",
            "ceph-a",
            "type",
            "cephfs",
            "monitors",
            "127.0.0.1:9,127.0.0.2",
            "fsName",
            "cephfs",
            "subvolumeGroup",
            GROUP,
            "subvolume",
            DIR,
            "path",
            s.path,
            "mounter",
            "fuse"),
        ctx);
  }

  @Test
  void aCreateRightAfterALookupThatFoundNothingDoesNotLookAgain() {
    backend.create("warm-up", "pvc-0", 4 << 20, Map.of(), SECRETS); // the group exists from here on
    ceph.calls.clear();
    assertEquals(Optional.empty(), backend.get(DIR, SECRETS));
    backend.create(DIR, "pvc-1", 4 << 20, Map.of(), SECRETS);
    assertEquals(
        List.of(
            "fs subvolume metadata ls " + DIR,
            "fs subvolume create " + DIR,
            "fs subvolume getpath " + DIR,
            "fs subvolume metadata set " + DIR),
        ceph.calls,
        "the lookup, then no second one before the create");

    ceph.calls.clear();
    assertEquals(Optional.empty(), backend.get("pvc-late", SECRETS));
    clock.now = clock.now.plusSeconds(3);
    backend.create("pvc-late", "pvc-late", 4 << 20, Map.of(), SECRETS);
    assertEquals(
        "fs subvolume metadata ls pvc-late", ceph.calls.get(1), "an old lookup is not trusted");
  }

  @Test
  void groupIsCreatedOnceAndAgainWhenRemoved() {
    backend.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS);
    backend.create("pvc-2-0011223344556677", "pvc-2", 1 << 20, Map.of(), SECRETS);
    assertEquals(1, ceph.calls.stream().filter(c -> c.equals("fs subvolumegroup create")).count());
    ceph.groups.clear();
    ceph.subvolumes.clear();
    backend.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS);
    assertEquals(2, ceph.calls.stream().filter(c -> c.equals("fs subvolumegroup create")).count());
    assertNotNull(ceph.sub(GROUP, DIR));
  }

  @Test
  void createCompletesAnInterruptedCreate() {
    FakeCephClient.Subvolume s = ceph.add(GROUP, DIR, 5);
    s.metadata.put("other", "x");
    assertEquals(Optional.empty(), backend.get(DIR));
    VolumeRecord v = backend.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS);
    assertEquals(1 << 20, ceph.sub(GROUP, DIR).size);
    assertEquals(Optional.of(v), backend.get(DIR));
    assertEquals(s.path, backend.volumeContext(DIR).get("path"));
  }

  @Test
  void createOfAnArchivedNameIsRefusedAndTouchesNothing() {
    backend.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS);
    backend.delete(DIR, DeletePolicy.ARCHIVE, SECRETS);
    StorageException e =
        assertThrows(
            StorageException.class, () -> backend.create(DIR, "pvc-1", 2 << 20, Map.of(), SECRETS));
    assertEquals(Kind.ALREADY_EXISTS, e.kind());
    assertTrue(e.getMessage().contains("archived"), e.getMessage());
    assertEquals(1 << 20, ceph.sub(GROUP, DIR).size);
  }

  @Test
  void failedCreateLeavesNothingBehind() {
    ceph.failNext.put("fs subvolume metadata set", new CephError(CephError.EIO, "boom"));
    assertThrows(CephError.class, () -> backend.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS));
    assertNull(ceph.sub(GROUP, DIR));
  }

  @Test
  void failedCompletionKeepsTheSubvolumeThatWasThereBefore() {
    ceph.add(GROUP, DIR, 5);
    ceph.failNext.put("fs subvolume metadata set", new CephError(CephError.EIO, "boom"));
    assertThrows(CephError.class, () -> backend.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS));
    assertNotNull(ceph.sub(GROUP, DIR));
  }

  static Stream<Arguments> awkwardRecords() {
    return Stream.of(
        Arguments.of("pvc-0b3e2a7c-1d4f-4e3a-9c6b-2f1e0d9c8b7a", Map.of()),
        Arguments.of(
            "100% sure = yes; [section]\t", Map.of("onDelete", "archive", "backend", "ceph-a")),
        Arguments.of("Ünïcødé ✓ name", Map.of("csi.storage.k8s.io/x", "%(interp)s")),
        Arguments.of(" leading and trailing ", Map.of("K", "  v  ")),
        Arguments.of("x".repeat(1024), Map.of("a", "b\nc")));
  }

  @ParameterizedTest
  @MethodSource("awkwardRecords")
  void recordSurvivesAnyNameAndParameters(String name, Map<String, String> params) {
    VolumeRecord v = backend.create(DIR, name, 3 << 20, params, SECRETS);
    assertEquals(Optional.of(v), backend.get(DIR));
    assertEquals(name, backend.get(DIR).orElseThrow().requestName());
    assertEquals(params, backend.get(DIR).orElseThrow().parameters());
  }

  @Test
  void unreadableRecordIsAnInternalError() {
    ceph.add(GROUP, DIR, 5).metadata.put(CephfsBackend.RECORD_KEY, "garbage");
    assertEquals(
        Kind.INTERNAL, assertThrows(StorageException.class, () -> backend.get(DIR)).kind());
  }

  @Test
  void listShowsCompleteVolumesOnly() {
    backend.create("b-0000000000000001", "b", 1 << 20, Map.of(), SECRETS);
    backend.create("a-0000000000000002", "a", 1 << 20, Map.of(), SECRETS);
    backend.create("c-0000000000000003", "c", 1 << 20, Map.of(), SECRETS);
    backend.create("d-0000000000000004", "d", 1 << 20, Map.of(), SECRETS);
    backend.delete("c-0000000000000003", DeletePolicy.RETAIN, SECRETS);
    backend.delete("d-0000000000000004", DeletePolicy.ARCHIVE, SECRETS);
    ceph.add(GROUP, "incomplete-0000000000000005", 1);
    ceph.add(GROUP, "Foreign_Subvolume", 1);
    ceph.calls.clear();
    assertEquals(
        List.of(
            new VolumeRecord("a-0000000000000002", "a", 1 << 20, Map.of(), Optional.of(clock.now)),
            new VolumeRecord("b-0000000000000001", "b", 1 << 20, Map.of(), Optional.of(clock.now))),
        backend.list());
    assertEquals(
        1 + 5,
        ceph.calls.size(),
        "subvolume ls, then one metadata ls per subvolume with a volume's name: " + ceph.calls);
  }

  @Test
  void listWithoutGroupIsEmpty() {
    assertEquals(List.of(), backend.list());
  }

  @Test
  void resizeChangesQuotaAndRecord() {
    VolumeRecord v = backend.create(DIR, "pvc-1", 1 << 20, Map.of("onDelete", "delete"), SECRETS);
    VolumeRecord grown = backend.resize(v, 5 << 20, SECRETS);
    assertEquals(v.withCapacity(5 << 20), grown);
    assertEquals(5 << 20, ceph.sub(GROUP, DIR).size);
    assertEquals(
        Optional.of(grown), backend(secretDir.toString()).get(DIR)); // read back by a fresh backend
  }

  @Test
  void resizeOfAVanishedVolumeIsNotFound() {
    VolumeRecord v = backend.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS);
    ceph.subvolumes.clear();
    assertEquals(
        Kind.NOT_FOUND,
        assertThrows(StorageException.class, () -> backend.resize(v, 2 << 20, SECRETS)).kind());
  }

  @Test
  void deletePolicies() {
    backend.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS);
    backend.delete(DIR, DeletePolicy.DELETE, SECRETS);
    assertNull(ceph.sub(GROUP, DIR));
    backend.delete(DIR, DeletePolicy.DELETE, SECRETS); // gone already: fine

    String kept = "kept-0000000000000001";
    backend.create(kept, "kept", 1 << 20, Map.of(), SECRETS);
    backend.delete(kept, DeletePolicy.RETAIN, SECRETS);
    assertEquals(1 << 20, ceph.sub(GROUP, kept).size);
    assertFalse(ceph.sub(GROUP, kept).metadata.containsKey(CephfsBackend.RECORD_KEY));
    assertEquals(Optional.empty(), backend.get(kept));
    backend.delete(kept, DeletePolicy.RETAIN, SECRETS);

    String archived = "archived-0000000000000001";
    backend.create(archived, "archived", 1 << 20, Map.of(), SECRETS);
    backend.delete(archived, DeletePolicy.ARCHIVE, SECRETS);
    FakeCephClient.Subvolume s = ceph.sub(GROUP, archived);
    assertEquals("2026-11-25T12:00:00Z", s.metadata.get(CephfsBackend.ARCHIVED_KEY));
    assertTrue(s.metadata.containsKey(CephfsBackend.RECORD_KEY), "what it was stays readable");
    assertEquals(Optional.empty(), backend.get(archived));

    backend.delete("never-0000000000000001", DeletePolicy.ARCHIVE, SECRETS);
    assertNull(ceph.sub(GROUP, "never-0000000000000001"));
  }

  @Test
  void deleteOfASubvolumeWithSnapshotsSaysWhatToDo() {
    backend.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS);
    ceph.sub(GROUP, DIR).snapshots = true;
    StorageException e =
        assertThrows(
            StorageException.class, () -> backend.delete(DIR, DeletePolicy.DELETE, SECRETS));
    assertEquals(Kind.FAILED_PRECONDITION, e.kind());
    assertTrue(e.getMessage().contains("snapshot"), e.getMessage());
  }

  @Test
  void capacityIsTheDataPoolsMaxAvail() {
    ceph.maxAvail = 123_456_789;
    assertEquals(123_456_789, backend.availableBytes());
    assertEquals(123_456_789, backend.availableBytes());
    assertEquals(
        1, ceph.calls.stream().filter(c -> c.equals("fs ls")).count(), "data pool looked up once");
  }

  @Test
  void credentialsComeFromTheRequestOrAdminSecretDir() {
    backend.create(DIR, "pvc-1", 1 << 20, Map.of(), Map.of()); // adminSecretDir
    assertTrue(ceph.credentials.stream().allMatch(c -> c.id().equals("admin")));

    CephfsBackend noDir = backend("");
    StorageException create =
        assertThrows(
            StorageException.class,
            () -> noDir.create("x-0000000000000001", "x", 1 << 20, Map.of(), Map.of()));
    assertEquals(Kind.INVALID_ARGUMENT, create.kind());
    assertTrue(create.getMessage().contains("adminID"), create.getMessage());
    for (Runnable secretless :
        List.<Runnable>of(noDir::list, noDir::availableBytes, () -> noDir.get(DIR))) {
      StorageException e = assertThrows(StorageException.class, secretless::run);
      assertEquals(Kind.FAILED_PRECONDITION, e.kind());
      assertTrue(e.getMessage().contains("adminSecretDir"), e.getMessage());
    }
    // with the request's secrets, a backend without adminSecretDir works
    noDir.create("x-0000000000000001", "x", 1 << 20, Map.of(), SECRETS);
    assertTrue(noDir.get("x-0000000000000001", SECRETS).isPresent());
    noDir.delete("x-0000000000000001", DeletePolicy.DELETE, SECRETS);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not-a-key-but-a-secret-all-the-same",
        // base64 of enough bytes, but a CryptoKey of type NONE, which ceph-fuse refuses at stage
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
      })
  void badKeysAreRejectedWithoutEchoingThem(String secret) {
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                backend.create(
                    DIR,
                    "pvc-1",
                    1 << 20,
                    Map.of(),
                    Map.of("adminID", "admin", "adminKey", secret)));
    assertEquals(Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().contains("secret adminKey is not a cephx key"), e.getMessage());
    assertFalse(e.getMessage().contains(secret), e.getMessage());
    assertTrue(ceph.calls.isEmpty());
  }

  @Test
  void brokenAdminSecretDirIsAFailedPrecondition() throws IOException {
    Files.delete(secretDir.resolve("adminKey"));
    StorageException e = assertThrows(StorageException.class, backend::list);
    assertEquals(Kind.FAILED_PRECONDITION, e.kind());
    assertTrue(e.getMessage().contains("adminKey"), e.getMessage());
  }

  @Test
  void healthIsCheckedEachTimeItIsAsked() {
    assertEquals(Optional.empty(), backend.unhealthyReason());
    ceph.unreachable = true;
    Optional<String> reason = backend.unhealthyReason();
    assertTrue(
        reason.isPresent()
            && reason.get().startsWith("Ceph cluster at ")
            && reason.get().contains("ceph timed out"),
        reason.toString()); // the client's message says what is wrong: no answer, or a silent mgr
    ceph.unreachable = false;
    assertEquals(Optional.empty(), backend.unhealthyReason());
  }

  @Test
  void missingFileSystemIsUnhealthyAndAFailedPrecondition() {
    CephfsBackend other =
        new CephfsBackend(
            new CephConfig(
                "ceph-b",
                List.of("m"),
                "otherfs",
                GROUP,
                "",
                "",
                "",
                secretDir.toString(),
                Map.of()),
            ceph,
            clock);
    assertTrue(other.unhealthyReason().orElseThrow().contains("does not exist"));
    StorageException e =
        assertThrows(
            StorageException.class, () -> other.create(DIR, "pvc-1", 1 << 20, Map.of(), SECRETS));
    assertEquals(Kind.FAILED_PRECONDITION, e.kind());
    assertTrue(e.getMessage().contains("fsName"), e.getMessage());
    assertEquals(
        Kind.FAILED_PRECONDITION,
        assertThrows(StorageException.class, other::availableBytes).kind());
  }

  @Test
  void fsTypes() {
    assertEquals(java.util.Set.of("ceph", "cephfs", "fuse.ceph-fuse"), backend.fsTypes());
  }

  @ParameterizedTest
  @CsvSource({
    "1, 4194304",
    "4194304, 4194304",
    "4194305, 8388608",
    "10485760, 12582912",
    "1073741824, 1073741824",
    "9223372036850581504, 9223372036850581504"
  })
  void sizesRoundUpToWhole4MiBBlocks(long bytes, long rounded) {
    assertEquals(rounded, backend.roundUp(bytes));
  }

  @Test
  void absurdSizesAreOutOfRange() {
    assertEquals(
        Kind.OUT_OF_RANGE,
        assertThrows(StorageException.class, () -> backend.roundUp(Long.MAX_VALUE - 5)).kind());
  }

  @ParameterizedTest
  @MethodSource("hostileDirs")
  void hostileDirsNeverReachCeph(String dir) {
    assertEquals(
        Kind.INVALID_ARGUMENT, assertThrows(StorageException.class, () -> backend.get(dir)).kind());
    assertEquals(
        Kind.INVALID_ARGUMENT,
        assertThrows(StorageException.class, () -> backend.create(dir, "x", 1, Map.of(), SECRETS))
            .kind());
    assertEquals(
        Kind.INVALID_ARGUMENT,
        assertThrows(
                StorageException.class, () -> backend.delete(dir, DeletePolicy.DELETE, SECRETS))
            .kind());
    assertTrue(ceph.calls.isEmpty(), ceph.calls.toString());
  }

  static Stream<String> hostileDirs() {
    return Stream.of(
        "", "..", "../x", "a/b", "A-upper", "-lead", "x".repeat(81), "a\0b", "a b", "--force");
  }

  @Test
  void closeClosesTheClient() {
    backend.close();
    assertTrue(ceph.closed);
  }
}
