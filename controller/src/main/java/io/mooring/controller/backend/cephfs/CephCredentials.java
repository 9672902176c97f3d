package io.mooring.controller.backend.cephfs;

import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A cephx user and its key, as ceph-csi's provisioner secrets carry them ({@code adminID} without
 * the {@code client.} prefix, {@code adminKey} base64). Validated strictly, because both end up in
 * a keyring file. {@link #toString()} never shows the key.
 */
record CephCredentials(String id, String key) {

  static final String ID = "adminID";
  static final String KEY = "adminKey";
  private static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern KEY_PATTERN = Pattern.compile("[A-Za-z0-9+/]{16,1024}={0,2}");

  /** The entity name, e.g. {@code client.admin}. */
  String entity() {
    return "client." + id;
  }

  @Override
  public String toString() {
    return "CephCredentials[id=" + id + ", key=***]";
  }

  /**
   * The credentials in a request's secrets; empty when it carries neither {@code adminID} nor
   * {@code adminKey}.
   *
   * @throws StorageException INVALID_ARGUMENT when only one is there or either is malformed
   */
  static Optional<CephCredentials> fromSecrets(Map<String, String> secrets) {
    String id = secrets.get(ID);
    String key = secrets.get(KEY);
    if (id == null && key == null) {
      return Optional.empty();
    }
    if (id == null || key == null) {
      throw StorageException.invalid(
          "the request's secrets have %s but not %s: both are needed",
          id == null ? KEY : ID, id == null ? ID : KEY);
    }
    return Optional.of(of(id, key, Kind.INVALID_ARGUMENT, "the request's secrets"));
  }

  /**
   * The credentials in a mounted Kubernetes Secret: files {@code adminID} and {@code adminKey}.
   * Read on every use, so a rotated Secret takes effect at once.
   *
   * @throws StorageException FAILED_PRECONDITION when they cannot be read or are malformed
   */
  static CephCredentials fromDir(Path dir) {
    return of(read(dir, ID), read(dir, KEY), Kind.FAILED_PRECONDITION, "adminSecretDir " + dir);
  }

  private static String read(Path dir, String name) {
    try {
      return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new StorageException(
          Kind.FAILED_PRECONDITION,
          "adminSecretDir "
              + dir
              + " has no file "
              + name
              + ": mount a Secret with keys "
              + ID
              + " and "
              + KEY
              + " there");
    } catch (IOException e) {
      throw new StorageException(
          Kind.FAILED_PRECONDITION, "cannot read " + dir.resolve(name) + ": " + e.getMessage());
    }
  }

  static CephCredentials of(String rawId, String rawKey, Kind kind, String where) {
    String id = rawId.strip();
    if (id.startsWith("client.")) {
      id = id.substring("client.".length());
    }
    if (!ID_PATTERN.matcher(id).matches()) {
      throw new StorageException(
          kind,
          where
              + ": "
              + ID
              + " must be a cephx user name such as admin"
              + " (letters, digits, '.', '_', '-'; at most 64)");
    }
    String key = rawKey.strip();
    boolean valid = KEY_PATTERN.matcher(key).matches();
    if (valid) {
      try {
        valid = Base64.getDecoder().decode(key).length >= 12;
      } catch (IllegalArgumentException e) {
        valid = false;
      }
    }
    if (!valid) {
      // Never quote the value: it is (or is meant to be) a secret.
      throw new StorageException(
          kind,
          where
              + ": "
              + KEY
              + " is not a cephx key (base64, as printed by"
              + " 'ceph auth get-key client."
              + id
              + "')");
    }
    return new CephCredentials(id, key);
  }
}
