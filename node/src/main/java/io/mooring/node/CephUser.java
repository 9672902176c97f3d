package io.mooring.node;

import io.mooring.errors.StorageException;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The cephx user a node mounts a CephFS volume as, from NodeStageVolume's secrets as ceph-csi names
 * them: {@code userID}/{@code userKey} (a user made by {@code ceph fs authorize}), else {@code
 * adminID}/{@code adminKey}. The ID is without the {@code client.} prefix, the key base64.
 *
 * <p>The key is checked to be a well-formed cephx key before it goes anywhere: ceph-fuse quotes a
 * key it cannot parse in its error output and its log file. {@link #toString()} never shows it, and
 * no message built here contains it.
 */
record CephUser(String id, String key) {

  static final String USER_ID = "userID";
  static final String USER_KEY = "userKey";
  static final String ADMIN_ID = "adminID";
  static final String ADMIN_KEY = "adminKey";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]{16,1024}={0,2}");

  /** CryptoKey encoding: u16 type, u32 seconds, u32 nanoseconds, u16 length, secret. */
  private static final int HEADER = 12;

  /** The entity name, e.g. {@code client.admin}. */
  String entity() {
    return "client." + id;
  }

  @Override
  public String toString() {
    return "CephUser[id=" + id + ", key=***]";
  }

  /**
   * @throws StorageException INVALID_ARGUMENT when neither pair is there, one is incomplete, or
   *     either value is malformed
   */
  static CephUser fromSecrets(Map<String, String> secrets) {
    if (secrets.containsKey(USER_ID) || secrets.containsKey(USER_KEY)) {
      return of(secrets, USER_ID, USER_KEY);
    }
    if (secrets.containsKey(ADMIN_ID) || secrets.containsKey(ADMIN_KEY)) {
      return of(secrets, ADMIN_ID, ADMIN_KEY);
    }
    throw StorageException.invalid(
        "NodeStageVolume of a CephFS volume needs the cephx user to mount it as:"
            + " secrets %s and %s (or %s and %s); set csi.storage.k8s.io/node-stage-secret-name and"
            + " -namespace in the StorageClass",
        USER_ID, USER_KEY, ADMIN_ID, ADMIN_KEY);
  }

  private static CephUser of(Map<String, String> secrets, String idKey, String keyKey) {
    String rawId = secrets.get(idKey);
    String rawKey = secrets.get(keyKey);
    if (rawId == null || rawKey == null) {
      throw StorageException.invalid(
          "the node-stage secrets have %s but not %s: both are needed",
          rawId == null ? keyKey : idKey, rawId == null ? idKey : keyKey);
    }
    String id = rawId.strip();
    if (id.startsWith("client.")) {
      id = id.substring("client.".length());
    }
    if (!ID.matcher(id).matches()) {
      // an ID is not secret, but it may be a key pasted into the wrong field: do not quote it
      throw StorageException.invalid(
          "secret %s must be a cephx user name such as admin or csi-node (letters,"
              + " digits, '.', '_', '-'; at most 64)",
          idKey);
    }
    String key = rawKey.strip();
    if (!wellFormed(key)) {
      throw StorageException.invalid(
          "secret %s is not a cephx key (base64, as 'ceph auth get-key client.%s'" + " prints it)",
          keyKey, id);
    }
    return new CephUser(id, key);
  }

  /** Base64 of a CryptoKey whose length field matches the secret that follows it. */
  static boolean wellFormed(String key) {
    if (!BASE64.matcher(key).matches()) {
      return false;
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(key);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (bytes.length <= HEADER) {
      return false;
    }
    int type = (bytes[0] & 0xff) | (bytes[1] & 0xff) << 8;
    int length = (bytes[10] & 0xff) | (bytes[11] & 0xff) << 8;
    return type != 0 && length > 0 && bytes.length == HEADER + length;
  }
}
