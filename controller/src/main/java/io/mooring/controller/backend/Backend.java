package io.mooring.controller.backend;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One configured storage backend as the controller sees it. Implementations are thread-safe but
 * rely on the caller's per-volume lock: no two calls for the same {@code dir} run at once.
 */
public interface Backend extends AutoCloseable {

  String name();

  /** Filesystem types a volume capability may ask for ("" always allowed). */
  Set<String> fsTypes();

  /** StorageClass parameters only this kind of backend understands (e.g. CephFS's {@code pool}). */
  default Set<String> parameters() {
    return Set.of();
  }

  /**
   * Checks the values of {@link #parameters()} in a CreateVolume request, before anything is done.
   *
   * @throws io.mooring.errors.StorageException INVALID_ARGUMENT for a value the backend cannot use
   */
  default void checkParameters(Map<String, String> parameters) {}

  /** The smallest size the backend can enforce that is at least {@code bytes}. */
  long roundUp(long bytes);

  /** The volume, if it exists and its creation completed. */
  Optional<VolumeRecord> get(String dir);

  /** {@link #get(String)} with the request's secrets, for backends that need credentials. */
  default Optional<VolumeRecord> get(String dir, Map<String, String> secrets) {
    return get(dir);
  }

  /**
   * Creates the volume with its size limit, or completes a creation that was interrupted. Leaves
   * nothing behind when it fails.
   *
   * @param secrets the request's secrets (e.g. Ceph credentials); never logged
   */
  VolumeRecord create(
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets);

  /** Changes the size limit of an existing volume. */
  VolumeRecord resize(VolumeRecord volume, long capacityBytes, Map<String, String> secrets);

  /** Removes (or retains / archives) the volume; a missing volume is not an error. */
  void delete(String dir, DeletePolicy policy, Map<String, String> secrets);

  /**
   * Complete volumes whose {@code dir} is {@code from} or after it, sorted by {@code dir}, at most
   * {@code limit} of them (0: all): a page of ListVolumes, each record read once. Costs about what
   * the page holds, not what the backend holds.
   */
  List<VolumeRecord> list(String from, int limit);

  /** All complete volumes, sorted by {@code dir}. */
  default List<VolumeRecord> list() {
    return list("", 0);
  }

  /** The backend's snapshots, if it has them. */
  default Optional<Snapshots> snapshots() {
    return Optional.empty();
  }

  /** Bytes still free for new volumes. */
  long availableBytes();

  /** What the node plugin needs to mount the volume. */
  Map<String, String> volumeContext(String dir);

  /**
   * Why the backend cannot serve now, if it cannot: checked now, so it may wait on a server;
   * callers ask {@link io.mooring.controller.Backends}, which caches and bounds it.
   */
  Optional<String> unhealthyReason();

  /** Releases what the backend holds (mounts, connections), on shutdown. */
  @Override
  void close();
}
