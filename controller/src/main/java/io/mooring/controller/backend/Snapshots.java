package io.mooring.controller.backend;

import io.mooring.errors.StorageException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshots of a backend's volumes, and volumes restored from them, where the backend has them
 * ({@link Backend#snapshots()}). Like the backend, it relies on the caller's locks: the snapshot's
 * and its source volume's.
 */
public interface Snapshots {

  /**
   * StorageClass parameter: {@code "true"} makes a volume from a snapshot a read-only view of the
   * snapshot itself ({@link #back}) instead of a copy, as ceph-csi's parameter of the same name.
   */
  String BACKING_SNAPSHOT = "backingSnapshot";

  /** Whether the volume is a snapshot's read-only view ({@link #back}), not data of its own. */
  static boolean isBacked(VolumeRecord volume) {
    return "true".equals(volume.parameters().get(BACKING_SNAPSHOT));
  }

  /**
   * Whether it takes group snapshots ({@link #group}, {@link #putGroup}, {@link #removeGroup} and
   * members in {@link #create}); the GroupController is served only where every backend does.
   */
  boolean hasGroups();

  /** The snapshot, if it exists and its creation completed. */
  Optional<SnapshotRecord> get(String snapshot, Map<String, String> secrets);

  /**
   * Snapshots {@code source}, or completes a snapshot of it that was interrupted.
   *
   * @param group the group snapshot it is a member of, or ""
   * @throws io.mooring.errors.StorageException ALREADY_EXISTS when the name is being used for a
   *     snapshot of another volume
   */
  SnapshotRecord create(
      VolumeRecord source,
      String snapshot,
      String requestName,
      String group,
      Map<String, String> secrets);

  /** The group snapshot, complete or not, if it is recorded. */
  Optional<GroupRecord> group(String group, Map<String, String> secrets);

  /** Records the group snapshot (anew). */
  void putGroup(GroupRecord group, Map<String, String> secrets);

  /** Forgets the group snapshot (its members are deleted first, one by one). */
  void removeGroup(String group, Map<String, String> secrets);

  /**
   * Checks that no volume is backed by the snapshot ({@link #back}), which {@link #delete} also
   * does: for a caller that deletes several and must find one in use before it deletes any.
   *
   * @throws io.mooring.errors.StorageException FAILED_PRECONDITION when one is
   */
  default void requireUnused(String snapshot, Map<String, String> secrets) {}

  /**
   * Removes the snapshot of volume {@code dir}; a missing one is not an error.
   *
   * @throws io.mooring.errors.StorageException FAILED_PRECONDITION while volumes are still being
   *     restored from it, or are backed by it ({@link #back})
   */
  void delete(String dir, String snapshot, Map<String, String> secrets);

  /** All complete snapshots, sorted by source volume and then snapshot name. */
  List<SnapshotRecord> list();

  /**
   * Creates volume {@code dir} with the content of {@code snapshot}, or goes on with a restore that
   * was started before. Leaves nothing behind when it fails.
   *
   * @throws io.mooring.errors.StorageException BUSY while the data is still being copied (the
   *     caller retries; the copy goes on meanwhile)
   */
  VolumeRecord restore(
      SnapshotRecord snapshot,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets);

  /**
   * Records volume {@code dir} as a read-only view of {@code snapshot}: nothing is copied, and the
   * snapshot cannot be deleted while the volume exists. Deleting the volume forgets it.
   *
   * @throws io.mooring.errors.StorageException NOT_FOUND when the snapshot is gone; UNIMPLEMENTED
   *     where snapshots are copies that cannot be mounted as they are
   */
  default VolumeRecord back(
      SnapshotRecord snapshot,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    throw new StorageException(
        StorageException.Kind.UNIMPLEMENTED,
        "this backend cannot make a volume backed by a snapshot; leave out " + BACKING_SNAPSHOT);
  }

  /**
   * Creates volume {@code dir} with the content {@code source} has now, or goes on with a clone
   * that was started before. Leaves nothing behind when it fails.
   *
   * @throws io.mooring.errors.StorageException BUSY while the data is still being copied
   */
  VolumeRecord cloneVolume(
      VolumeRecord source,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets);
}
