package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.mount.Mounter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The staging bind every kind makes: a volume's directory on its client, onto the staging path. */
public final class Staging {

  private final Mounter mounter;

  public Staging(Mounter mounter) {
    this.mounter = mounter;
  }

  /**
   * Binds {@code dir} (whose mountinfo root is {@code root}) onto the staging path, unless it is
   * there; read-only for a volume that is only ever read (a snapshot), which every publish of it
   * then is too.
   *
   * @throws StorageException ALREADY_EXISTS when something else is mounted there
   */
  public void bind(VolumeClient client, Path dir, String root, Path staging, boolean readOnly) {
    MountTable table = mounter.table();
    Optional<MountEntry> staged = client.view(table).bindAt(staging);
    if (staged.isPresent() && staged.get().root().equals(root)) {
      return;
    }
    if (table.isMountPoint(staging)) {
      throw new StorageException(
          StorageException.Kind.ALREADY_EXISTS,
          "staging_target_path " + staging + " already has another mount; unstage it first");
    }
    NodePaths.createDirectories(staging);
    mounter.bind(dir, staging, readOnly, List.of());
  }
}
