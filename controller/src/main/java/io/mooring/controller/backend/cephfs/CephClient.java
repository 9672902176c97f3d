package io.mooring.controller.backend.cephfs;

import io.mooring.ceph.CephCredentials;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * Runs Ceph management commands. Implementations: {@link RadosCephClient} (persistent librados
 * connections, 1-20 ms a call), {@link CliCephClient} (the {@code ceph} CLI, one process per call,
 * ~200 ms each; used where librados cannot be loaded) and a fake in tests. Thread-safe.
 */
interface CephClient extends AutoCloseable {

  /**
   * Runs one command as {@code credentials}.
   *
   * @return what the command printed in JSON format ("" when it prints nothing)
   * @throws CephError when Ceph answers with an error (its errno tells which)
   * @throws io.mooring.errors.StorageException UNAVAILABLE when the cluster cannot be reached in
   *     time
   */
  String run(CephCommand command, CephCredentials credentials);

  /**
   * The omap values of {@code keys} of {@code object} that exist, or all of them when {@code keys}
   * is empty; none when the object does not exist (direct OSD operations, no mgr involved).
   *
   * @throws CephError ENOTSUP when this client cannot reach RADOS objects (the CLI client)
   */
  default SortedMap<String, String> omapRead(
      OmapObject object, Set<String> keys, CephCredentials credentials) {
    throw new CephError(CephError.ENOTSUP, "omap of " + object + " needs librados");
  }

  /**
   * The omap values of the keys of {@code object} that start with {@code prefix} and come after
   * {@code after} (from the first when it is empty), at most {@code max} of them (all when 0): a
   * page of a listing costs what it holds.
   *
   * @throws CephError ENOTSUP when this client cannot reach RADOS objects (the CLI client)
   */
  default SortedMap<String, String> omapRange(
      OmapObject object, String prefix, String after, int max, CephCredentials credentials) {
    throw new CephError(CephError.ENOTSUP, "omap of " + object + " needs librados");
  }

  /**
   * Sets {@code set} and removes {@code remove} in one atomic write, creating the object if need
   * be.
   *
   * @throws CephError ENOTSUP when this client cannot reach RADOS objects (the CLI client)
   */
  default void omapWrite(
      OmapObject object, Map<String, String> set, Set<String> remove, CephCredentials credentials) {
    throw new CephError(CephError.ENOTSUP, "omap of " + object + " needs librados");
  }

  /** Whether {@link #omapRead} and {@link #omapWrite} work. */
  default boolean hasOmap() {
    return false;
  }

  /** Releases connections and files; the client is unusable afterwards. */
  @Override
  default void close() {}
}
