package io.mooring.node.ceph;

import static io.mooring.ceph.CephCredentials.ADMIN_ID;
import static io.mooring.ceph.CephCredentials.ADMIN_KEY;
import static io.mooring.ceph.CephCredentials.USER_ID;
import static io.mooring.ceph.CephCredentials.USER_KEY;

import io.mooring.ceph.CephCredentials;
import io.mooring.errors.StorageException;
import java.util.Map;

/**
 * The cephx user a node mounts a CephFS volume as, from NodeStageVolume's secrets as ceph-csi names
 * them: {@code userID}/{@code userKey} (a user made by {@code ceph fs authorize}), else {@code
 * adminID}/{@code adminKey}. Checked by the same rule as the controller's before it goes anywhere:
 * ceph-fuse quotes a key it cannot parse in its error output and its log file.
 */
final class CephUser {

  private CephUser() {}

  /**
   * @throws StorageException INVALID_ARGUMENT when neither pair is there, one is incomplete, or
   *     either value is malformed
   */
  static CephCredentials fromSecrets(Map<String, String> secrets) {
    return CephCredentials.fromSecrets(secrets, USER_ID, USER_KEY)
        .or(() -> CephCredentials.fromSecrets(secrets, ADMIN_ID, ADMIN_KEY))
        .orElseThrow(
            () ->
                StorageException.invalid(
                    "NodeStageVolume of a CephFS volume needs the cephx user to mount it as:"
                        + " secrets %s and %s (or %s and %s); set"
                        + " csi.storage.k8s.io/node-stage-secret-name and -namespace in the"
                        + " StorageClass",
                    USER_ID, USER_KEY, ADMIN_ID, ADMIN_KEY));
  }
}
