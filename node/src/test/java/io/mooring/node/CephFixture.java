package io.mooring.node;

import io.mooring.exec.Command;
import io.mooring.exec.ProcessCommandRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The real Ceph cluster the CephFS node ITs run against, as {@code scripts/ceph-up} describes it in
 * CEPH_MONITORS, CEPH_FS, CEPH_ADMIN_ID and CEPH_ADMIN_KEY_FILE (defaults: its default cluster).
 * All subvolumes go into a subvolume group of this fixture's own, removed with them on {@link
 * #close}; cephx users made here are removed too.
 */
final class CephFixture implements AutoCloseable {

  final String monitors = env("CEPH_MONITORS", "127.0.0.1:6789");
  final String fsName = env("CEPH_FS", "cephfs");
  final String adminId = env("CEPH_ADMIN_ID", "admin");
  final String adminKey;
  final String group = "node-it-" + UUID.randomUUID().toString().substring(0, 8);
  private final Path adminKeyFile =
      Path.of(env("CEPH_ADMIN_KEY_FILE", "/tmp/mooring-ceph/admin.key"));
  private final List<String> subvolumes = new ArrayList<>();
  private final List<String> users = new ArrayList<>();

  CephFixture() {
    try {
      adminKey = Files.readString(adminKeyFile).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "no admin key; run scripts/ceph-up and export its CEPH_* lines", e);
    }
    ceph("fs", "subvolumegroup", "create", fsName, group);
  }

  /** Creates a subvolume of {@code bytes} and returns its path, as the controller would. */
  String subvolume(String name, long bytes) {
    ceph(
        "fs",
        "subvolume",
        "create",
        fsName,
        name,
        "--group_name",
        group,
        "--size",
        Long.toString(bytes));
    subvolumes.add(name);
    return ceph("fs", "subvolume", "getpath", fsName, name, "--group_name", group).strip();
  }

  /**
   * A cephx user that may use only {@code path} of the file system, as ceph-csi's static volumes;
   * its key.
   */
  String authorize(String user, String path) {
    users.add(user);
    ceph("fs", "authorize", fsName, "client." + user, path, "rw");
    return ceph("auth", "get-key", "client." + user).strip();
  }

  String ceph(String... args) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ceph",
                "--conf=/dev/null",
                "-m",
                monitors,
                "--id",
                adminId,
                "--keyfile=" + adminKeyFile,
                "--connect-timeout=20"));
    argv.addAll(List.of(args));
    return new ProcessCommandRunner()
        .run(Command.of(argv).withTimeout(Duration.ofSeconds(60)).withSecrets(Set.of(adminKey)))
        .stdout();
  }

  @Override
  public void close() {
    List<String> failures = new ArrayList<>();
    for (String name : subvolumes) {
      quietly(failures, "fs", "subvolume", "rm", fsName, name, "--group_name", group, "--force");
    }
    quietly(failures, "fs", "subvolumegroup", "rm", fsName, group, "--force");
    for (String user : users) {
      quietly(failures, "auth", "rm", "client." + user);
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("Ceph clean-up failed: " + failures);
    }
  }

  private void quietly(List<String> failures, String... args) {
    try {
      ceph(args);
    } catch (RuntimeException e) {
      failures.add(e.getMessage());
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
