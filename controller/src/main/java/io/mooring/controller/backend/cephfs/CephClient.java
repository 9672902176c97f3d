package io.mooring.controller.backend.cephfs;

import io.mooring.ceph.CephCredentials;

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

  /** Releases connections and files; the client is unusable afterwards. */
  @Override
  default void close() {}
}
