package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.mount.MountEntry;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code mount_flags} of a volume capability. Every volume of a backend shares one FUSE client,
 * so only per-mount (VFS) flags can be honoured; they go on the volume's own bind mounts. Anything
 * else — FUSE client options, flags that re-enable suid/devices, or mount(8) verbs such as {@code
 * bind}, {@code remount} or propagation changes — is refused rather than silently dropped.
 */
final class MountFlags {

  /** Each of these appears under the same name in the options of a mountinfo line. */
  static final Set<String> ALLOWED =
      Set.of("ro", "nosuid", "nodev", "noexec", "noatime", "nodiratime", "relatime");

  /** SELinux's mount options: the kubelet sends context= when a CSIDriver has seLinuxMount. */
  private static final Set<String> SELINUX_CONTEXT =
      Set.of("context", "fscontext", "defcontext", "rootcontext");

  private MountFlags() {}

  /**
   * @throws StorageException INVALID_ARGUMENT for a malformed or unsupported flag
   */
  static List<String> validate(List<String> flags) {
    for (String flag : flags) {
      // First: the kubelet quotes a context that holds commas (MCS categories).
      if (SELINUX_CONTEXT.contains(flag.split("=", 2)[0])) {
        throw StorageException.invalid(
            "mount flag %s cannot be honoured: an SELinux context is set per superblock, and the"
                + " volumes of a backend share one FUSE client's superblock (the CSIDriver says"
                + " seLinuxMount: false; deploy/README.md, \"fsGroup and SELinux\")",
            Untrusted.quote(flag));
      }
      if (flag.isEmpty()
          || flag.chars()
              .anyMatch(c -> c == ',' || Character.isWhitespace(c) || Character.isISOControl(c))) {
        throw StorageException.invalid(
            "mount flag %s is malformed: give one flag per entry, without commas,"
                + " whitespace or control characters",
            Untrusted.quote(flag));
      }
      if (!ALLOWED.contains(flag)) {
        throw StorageException.invalid(
            "mount flag %s is not supported on Mooring volumes (allowed: %s)",
            Untrusted.quote(flag), new TreeSet<>(ALLOWED));
      }
    }
    return List.copyOf(new TreeSet<>(flags));
  }

  /** The allowed flags an existing mount carries (without ro), to recreate it after a heal. */
  static List<String> of(MountEntry entry) {
    return entry.options().stream()
        .filter(ALLOWED::contains)
        .filter(f -> !f.equals("ro"))
        .sorted()
        .toList();
  }
}
