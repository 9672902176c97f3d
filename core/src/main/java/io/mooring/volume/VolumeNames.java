package io.mooring.volume;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns a CSI request name into a directory / subvolume name: a readable, sanitized prefix plus a
 * hash of the whole name, so that the result is deterministic, bounded in length, safe as a single
 * path element, and distinct for distinct names.
 */
public final class VolumeNames {

  /** Longest request name accepted; Kubernetes sends {@code pvc-<uuid>} (40 bytes). */
  public static final int MAX_NAME_BYTES = 1024;

  /** What {@link #dirFor} makes: all a volume ID's directory may be. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,79}");

  private static final String SNAPSHOT_PREFIX = "snap-";
  private static final Pattern SNAPSHOT = Pattern.compile("snap-[0-9a-f]{16}");

  private static final int PREFIX_MAX = 40;
  private static final int HASH_HEX = 16;

  private VolumeNames() {}

  /**
   * @throws StorageException INVALID_ARGUMENT for an empty, oversized or unsafe name
   */
  public static String dirFor(String requestName) {
    validate(requestName);
    String prefix =
        requestName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+", "");
    if (prefix.length() > PREFIX_MAX) {
      prefix = prefix.substring(0, PREFIX_MAX);
    }
    prefix = prefix.replaceAll("-+$", "");
    if (prefix.isEmpty()) {
      prefix = "vol";
    }
    return prefix + "-" + sha256(requestName).substring(0, HASH_HEX);
  }

  /**
   * The snapshot name of a CSI snapshot request name: {@value #SNAPSHOT_PREFIX} and a hash of the
   * whole name, unique per backend (so one name cannot stand for snapshots of two volumes), short
   * enough that a snapshot ID stays within CSI's 128 bytes. The request name itself is recorded
   * with the snapshot.
   *
   * @throws StorageException INVALID_ARGUMENT for an empty, oversized or unsafe name
   */
  public static String snapshotFor(String requestName) {
    validate(requestName);
    return SNAPSHOT_PREFIX + sha256(requestName).substring(0, HASH_HEX);
  }

  /**
   * The name of a CSI group snapshot request name: a snapshot name of its own kind (the request
   * names of groups and of snapshots never meet).
   */
  public static String groupSnapshotFor(String requestName) {
    validate(requestName);
    return snapshotFor("group " + requestName);
  }

  /** The name of the snapshot of volume {@code dir} taken as a member of group {@code group}. */
  public static String memberSnapshotFor(String group, String dir) {
    return snapshotFor(group + " member " + dir);
  }

  /** Whether {@code name} is a Mooring snapshot name ({@link #snapshotFor}). */
  public static boolean isSnapshotName(String name) {
    return SNAPSHOT.matcher(name).matches();
  }

  /** Whether {@code dir} is a Mooring volume name (a single, safe path element). */
  public static boolean isName(String dir) {
    return NAME.matcher(dir).matches();
  }

  static void validate(String name) {
    if (name == null || name.isEmpty()) {
      throw StorageException.invalid("name is required");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw StorageException.invalid("name is longer than %d bytes", MAX_NAME_BYTES);
    }
    if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw StorageException.invalid("name %s contains control characters", Untrusted.quote(name));
    }
    if (name.contains("/") || name.equals(".") || name.equals("..")) {
      throw StorageException.invalid(
          "name %s must not contain '/' or be '.' or '..'", Untrusted.quote(name));
    }
  }

  private static String sha256(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
