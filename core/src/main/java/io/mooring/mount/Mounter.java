package io.mooring.mount;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Mounts and unmounts. The real one calls mount(8)/umount(8); tests may use a fake. */
public interface Mounter {

  /**
   * Mounts a filesystem, e.g. {@code glusterfs server:/vol}. FUSE clients are started in their own
   * session so that they outlive this process.
   *
   * @param cgroup the cgroup directory the mount command (and so the FUSE daemon it forks) runs in
   */
  void mount(
      String source, Path target, String fsType, List<String> options, Optional<Path> cgroup);

  /** {@link #mount(String, Path, String, List, Optional)} in this process's cgroup. */
  default void mount(String source, Path target, String fsType, List<String> options) {
    mount(source, target, fsType, options, Optional.empty());
  }

  /** Bind-mounts {@code source} onto {@code target}, read-only if asked, with extra mount flags. */
  void bind(Path source, Path target, boolean readOnly, List<String> flags);

  /** Unmounts {@code target}; {@code lazy} detaches it even when busy or dead (ENOTCONN). */
  void unmount(Path target, boolean lazy);

  /** The current mount table. */
  MountTable table();
}
