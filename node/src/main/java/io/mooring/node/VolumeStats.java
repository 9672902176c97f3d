package io.mooring.node;

import csi.v1.Csi.VolumeUsage;
import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Usage of a mounted volume from statfs(2), read with df(1) through the command runner: one call
 * gives bytes and inodes, and the runner's timeout bounds it on a hung mount. With Gluster's {@code
 * features.quota-deem-statfs}, the figures of a volume's directory are its quota's; a ceph-fuse
 * client reports the quota of the subvolume it mounts. ceph-fuse has no free-inode count (df shows
 * "-"): then only bytes are reported, rather than an inode figure that would read as "none left".
 */
public final class VolumeStats {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern MAX_BYTES = Pattern.compile("max_bytes=(\\d{1,18})");

  private final CommandRunner runner;

  VolumeStats(CommandRunner runner) {
    this.runner = runner;
  }

  public List<VolumeUsage> usage(Path path) {
    String out =
        runner
            .run(
                Command.of(
                        "df",
                        "-B1",
                        "--output=size,used,avail,itotal,iused,iavail",
                        path.toString())
                    .withTimeout(TIMEOUT))
            .stdout()
            .strip();
    String[] fields = out.substring(out.lastIndexOf('\n') + 1).strip().split("\\s+");
    if (fields.length != 6) {
      throw StorageException.internal("unexpected df output for %s: %s", path, out);
    }
    long[] n = new long[6];
    boolean inodes = true;
    try {
      for (int i = 0; i < 6; i++) {
        if (i >= 3 && fields[i].equals("-")) {
          inodes = false;
        } else {
          n[i] = Long.parseLong(fields[i]);
        }
      }
    } catch (NumberFormatException e) {
      throw StorageException.internal("unexpected df output for %s: %s", path, out);
    }
    VolumeUsage bytes = usage(VolumeUsage.Unit.BYTES, n[0], n[1], n[2]);
    return inodes
        ? List.of(bytes, usage(VolumeUsage.Unit.INODES, n[3], n[4], n[5]))
        : List.of(bytes);
  }

  /**
   * Usage of a CephFS subvolume bound from a client that mounts its whole group, where statfs
   * reports the file system's figures: the size is the subvolume's quota (the {@code ceph.quota}
   * attribute, read with getfattr), the usage its directory's size, which CephFS reports as the
   * recursive byte count of the tree (as the MDS last propagated it: it may trail writes by
   * seconds). Without a quota the statfs figures are all there is.
   */
  public List<VolumeUsage> cephUsage(Path path) {
    String quota =
        runner
            .run(
                Command.of(
                        "getfattr",
                        "--absolute-names",
                        "--only-values",
                        "-n",
                        "ceph.quota",
                        path.toString())
                    .withTimeout(TIMEOUT))
            .stdout();
    Matcher m = MAX_BYTES.matcher(quota);
    if (!m.find()) {
      throw StorageException.internal(
          "unexpected ceph.quota attribute of %s: %s", path, quota.strip());
    }
    long total = Long.parseLong(m.group(1));
    if (total == 0) {
      return usage(path);
    }
    long used;
    try {
      used = Files.readAttributes(path, BasicFileAttributes.class).size();
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE, "cannot stat " + path + ": " + e.getMessage(), e);
    }
    return List.of(usage(VolumeUsage.Unit.BYTES, total, used, Math.max(0, total - used)));
  }

  /** {@code usage} of a volume that can only be read: nothing available. */
  public static List<VolumeUsage> readOnly(List<VolumeUsage> usage) {
    return usage.stream().map(u -> u.toBuilder().setAvailable(0).build()).toList();
  }

  /**
   * Zero figures, for a volume whose mount does not answer: the kubelet rejects a response without
   * usage, and would then drop the abnormal volume condition that explains why.
   */
  static List<VolumeUsage> unknown() {
    return List.of(usage(VolumeUsage.Unit.BYTES, 0, 0, 0), usage(VolumeUsage.Unit.INODES, 0, 0, 0));
  }

  private static VolumeUsage usage(VolumeUsage.Unit unit, long total, long used, long available) {
    return VolumeUsage.newBuilder()
        .setUnit(unit)
        .setTotal(total)
        .setUsed(used)
        .setAvailable(available)
        .build();
  }
}
