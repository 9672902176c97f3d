package io.mooring.ceph;

import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A cephx user and its key, as ceph-csi's secrets carry them: the ID without the {@code client.}
 * prefix, the key base64. Both end up in a keyring file, so both are checked before anything is
 * built from them, by the same rule on controller and node. {@link #toString()} never shows the
 * key: {@link CephKey}'s does not.
 */
public record CephCredentials(String id, CephKey key) {

  /** The provisioner's user, in the controller's secrets, and the node's fallback. */
  public static final String ADMIN_ID = "adminID";

  public static final String ADMIN_KEY = "adminKey";

  /** The user a node mounts as ({@code ceph fs authorize}), in the node-stage secrets. */
  public static final String USER_ID = "userID";

  public static final String USER_KEY = "userKey";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
  private static final String CLIENT = "client.";

  /**
   * @throws IllegalArgumentException when the ID is not a cephx user name: callers check it first
   */
  public CephCredentials {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("not a cephx user name");
    }
  }

  /** The entity name, e.g. {@code client.admin}. */
  public String entity() {
    return CLIENT + id;
  }

  /**
   * The credentials under these names in a request's secrets; empty when neither is there.
   *
   * @throws StorageException INVALID_ARGUMENT when only one is there or either is malformed
   */
  public static Optional<CephCredentials> fromSecrets(
      Map<String, String> secrets, String idName, String keyName) {
    String id = secrets.get(idName);
    String key = secrets.get(keyName);
    if (id == null && key == null) {
      return Optional.empty();
    }
    if (id == null || key == null) {
      throw StorageException.invalid(
          "the secrets have %s but not %s: both are needed",
          id == null ? keyName : idName, id == null ? idName : keyName);
    }
    return Optional.of(of("secret " + idName, id, "secret " + keyName, key));
  }

  /**
   * The credentials in a mounted Kubernetes Secret: files {@code adminID} and {@code adminKey}.
   * Read on every use, so a rotated Secret takes effect at once.
   *
   * @throws StorageException FAILED_PRECONDITION when they cannot be read or are malformed
   */
  public static CephCredentials fromDir(Path dir) {
    String id = read(dir, ADMIN_ID);
    String key = read(dir, ADMIN_KEY);
    try {
      return of("file " + ADMIN_ID, id, "file " + ADMIN_KEY, key);
    } catch (StorageException e) {
      // the configuration is wrong, not the request
      throw new StorageException(
          Kind.FAILED_PRECONDITION, "Secret directory " + dir + ": " + e.getMessage());
    }
  }

  /**
   * @param idName what the ID is called where it came from, e.g. {@code secret userID}, for
   *     messages
   * @param keyName what the key is called there
   * @throws StorageException INVALID_ARGUMENT naming the field that is malformed, never its value
   */
  public static CephCredentials of(String idName, String rawId, String keyName, String rawKey) {
    String id = rawId.strip();
    if (id.startsWith(CLIENT)) {
      id = id.substring(CLIENT.length());
    }
    if (!ID.matcher(id).matches()) {
      // an ID is not secret, but it may be a key pasted into the wrong field: do not quote it
      throw StorageException.invalid(
          "%s must be a cephx user name such as admin or csi-node (letters, digits, '.', '_',"
              + " '-'; at most 64)",
          idName);
    }
    return new CephCredentials(id, CephKey.parse(keyName, rawKey));
  }

  private static String read(Path dir, String name) {
    try {
      return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new StorageException(
          Kind.FAILED_PRECONDITION,
          String.format(
              "Secret directory %s has no file %s: mount a Secret with keys %s and %s there",
              dir, name, ADMIN_ID, ADMIN_KEY));
    } catch (IOException e) {
      throw new StorageException(
          Kind.FAILED_PRECONDITION, "cannot read " + dir.resolve(name) + ": " + e.getMessage());
    }
  }
}
