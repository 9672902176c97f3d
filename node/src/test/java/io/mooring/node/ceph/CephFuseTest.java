package io.mooring.node.ceph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandResult;
import io.mooring.exec.Redaction;
import io.mooring.node.ClientLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The ceph-fuse command line, what its failures mean, and the keyring files it reads. */
class CephFuseTest {

  private static final String KEY = CephUserTest.KEY;

  /** No cache options: ceph-fuse's own defaults. */
  private static final ClientLimits CLIENT_DEFAULTS = new ClientLimits(0, 0, 0);

  private static final CephFuse.Mount MOUNT =
      new CephFuse.Mount(
          List.of("127.0.0.1:9", "127.0.0.2:9"), "cephfs", "/volumes/csi/pvc-1/uuid", "vol1", "");

  @TempDir Path tmp;

  @Test
  void theCommandLineHasEverythingButTheKey() {
    List<Command> ran = new ArrayList<>();
    new CephFuse(
            CLIENT_DEFAULTS,
            command -> {
              ran.add(command);
              return new CommandResult(0, "", "", 1);
            })
        .mount(
            MOUNT,
            KEY,
            Path.of("/s/keys/ceph-a.pvc-1.keyring"),
            Path.of("/s/cephfs/ceph-a/pvc-1/mnt"),
            "ceph-fuse:/s/cephfs/ceph-a/pvc-1/mnt",
            Path.of("/s/cephfs/ceph-a/pvc-1/ceph-fuse.log"),
            "inst-1",
            Optional.empty());

    assertEquals(
        List.of(
            "setsid",
            "ceph-fuse",
            "--conf=/dev/null",
            "--no-mon-config",
            "-m",
            "127.0.0.1:9,127.0.0.2:9",
            "--client_fs=cephfs",
            "-r",
            "/volumes/csi/pvc-1/uuid",
            "-n",
            "client.vol1",
            "--keyring=/s/keys/ceph-a.pvc-1.keyring",
            "--client_mount_timeout=15",
            "--admin_socket=",
            "--log_file=/s/cephfs/ceph-a/pvc-1/ceph-fuse.log",
            "--client_metadata=mooring_client=inst-1",
            "-o",
            "fsname=ceph-fuse:/s/cephfs/ceph-a/pvc-1/mnt,subtype=ceph-fuse",
            "/s/cephfs/ceph-a/pvc-1/mnt"),
        ran.get(0).argv());
    assertTrue(
        ran.get(0).secrets().contains(KEY), "the runner masks the key in ceph-fuse's output");
    assertTrue(
        ran.get(0).timeout().toSeconds() > CephFuse.MOUNT_TIMEOUT_SECONDS,
        "ceph-fuse gives up first");
  }

  @Test
  void cachesAreBoundedAndTheClientStartsInItsCgroup() {
    List<Command> ran = new ArrayList<>();
    new CephFuse(
            new ClientLimits(256L << 20, 64L << 20, 4096),
            command -> {
              ran.add(command);
              return new CommandResult(0, "", "", 1);
            })
        .mount(
            MOUNT,
            KEY,
            Path.of("/s/k"),
            Path.of("/s/mnt"),
            "src",
            Path.of("/s/log"),
            "inst-1",
            Optional.of(Path.of("/sys/fs/cgroup/mooring-clients/ceph-a.pvc-1")));

    List<String> argv = ran.get(0).argv();
    assertEquals(
        List.of(
            "--client_cache_size=4096",
            "--client_oc_size=67108864",
            "--client_oc_max_dirty=33554432",
            "--client_oc_target_dirty=8388608"),
        argv.subList(argv.indexOf("-o") - 4, argv.indexOf("-o")));
    assertEquals("/s/mnt", argv.get(argv.size() - 1), "the mount point stays last");
    assertEquals(
        List.of(
            "/bin/sh",
            "-c",
            "echo $$ > \"$1/cgroup.procs\" && shift && exec \"$@\"",
            "sh",
            "/sys/fs/cgroup/mooring-clients/ceph-a.pvc-1",
            "setsid",
            "ceph-fuse"),
        ran.get(0).processArgv().subList(0, 7),
        "joins the cgroup before setsid and ceph-fuse fork");
  }

  @Test
  void evictionNamesTheInstanceAndUsesTheKeyFile() {
    List<Command> ran = new ArrayList<>();
    new CephFuse(
            CLIENT_DEFAULTS,
            command -> {
              ran.add(command);
              return new CommandResult(0, "", "", 1);
            })
        .evict(MOUNT, KEY, Path.of("/s/keys/k.keyring"), "inst-0");

    assertEquals(
        List.of(
            "ceph",
            "--conf=/dev/null",
            "-m",
            "127.0.0.1:9,127.0.0.2:9",
            "-n",
            "client.vol1",
            "--keyring=/s/keys/k.keyring",
            "--connect-timeout=10",
            "tell",
            "mds.cephfs:0",
            "client",
            "evict",
            "client_metadata.mooring_client=inst-0"),
        ran.get(0).argv());
    assertTrue(ran.get(0).secrets().contains(KEY));
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of(
            "client.0 authentication failed: (13) Permission denied\n"
                + "ceph-fuse[7]: ceph mount failed with (13) Permission denied",
            StorageException.Kind.PERMISSION_DENIED,
            "rejected the key of client.vol1"),
        Arguments.of(
            "mds.0 rejected us (non-allowable root '/volumes/csi/pvc-1/uuid')\n"
                + "ceph-fuse[7]: ceph mount failed with (1) Operation not permitted",
            StorageException.Kind.PERMISSION_DENIED,
            "client.vol1 may not mount /volumes/csi/pvc-1/uuid"),
        Arguments.of(
            "ceph-fuse[7]: ceph mount failed with (2) No such file or directory",
            StorageException.Kind.NOT_FOUND,
            "has no /volumes/csi/pvc-1/uuid"),
        Arguments.of(
            "client.0 authentication failed: (110) Connection timed out\n"
                + "ceph-fuse[7]: ceph mount failed with (110) Connection timed out",
            StorageException.Kind.UNAVAILABLE,
            "no Ceph monitor of CephFS cephfs at 127.0.0.1:9,127.0.0.2:9 answered"),
        Arguments.of(
            "ceph-fuse[7]: ceph mount failed with (5) Input/output error",
            StorageException.Kind.INTERNAL,
            "(5) Input/output error"),
        Arguments.of(
            "fuse: bad mount point", StorageException.Kind.INTERNAL, "fuse: bad mount point"));
  }

  @Test
  void aMissingCephFuseIsAFailedPrecondition() {
    CephFuse fuse =
        new CephFuse(
            CLIENT_DEFAULTS,
            command -> {
              throw new CommandFailedException(
                  command.display(),
                  new CommandResult(
                      127,
                      "",
                      "setsid: failed to execute ceph-fuse: No such file or directory",
                      1));
            });
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                fuse.mount(
                    MOUNT,
                    KEY,
                    tmp.resolve("k"),
                    tmp.resolve("mnt"),
                    "s",
                    tmp.resolve("log"),
                    "i",
                    Optional.empty()));
    assertEquals(StorageException.Kind.FAILED_PRECONDITION, e.kind());
    assertTrue(e.getMessage().contains("needs the ceph-fuse package"), e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("failures")
  void failuresMapToWhatTheyMean(String stderr, StorageException.Kind kind, String message) {
    CephFuse fuse =
        new CephFuse(
            CLIENT_DEFAULTS,
            command -> {
              throw new CommandFailedException(
                  command.display(), new CommandResult(1, "", stderr, 5));
            });
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                fuse.mount(
                    MOUNT,
                    KEY,
                    tmp.resolve("k"),
                    tmp.resolve("mnt"),
                    "s",
                    tmp.resolve("log"),
                    "i",
                    Optional.empty()));
    assertEquals(kind, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void aKeyCephFuseEchoesIsMaskedInTheError() {
    // ceph-fuse quotes a key it cannot parse; CephUser never lets one through, the runner masks it
    // anyway
    CephFuse fuse =
        new CephFuse(
            CLIENT_DEFAULTS,
            command -> {
              throw new CommandFailedException(
                  command.display(),
                  new CommandResult(
                      1,
                      "",
                      Redaction.mask(
                          "auth: error parsing file k: error setting modifier for [client.vol1]"
                              + " type=key val="
                              + KEY,
                          command.secrets()),
                      5));
            });
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                fuse.mount(
                    MOUNT,
                    KEY,
                    tmp.resolve("k"),
                    tmp.resolve("mnt"),
                    "s",
                    tmp.resolve("log"),
                    "i",
                    Optional.empty()));
    assertFalse(e.getMessage().contains(KEY), e.getMessage());
    assertTrue(e.getMessage().contains("val=***"), e.getMessage());
  }
}
