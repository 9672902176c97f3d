package io.mooring.volume;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import java.util.regex.Pattern;

/**
 * A Mooring volume ID: {@code v1:<backend>:<dir>}. Parsed strictly: the backend is a DNS label and
 * the directory a name made by {@link VolumeNames}, so a parsed ID can never name a path outside
 * its backend's base directory (no '/', no '.', no NUL can pass).
 */
public record VolumeId(String backend, String dir) {

  private static final String VERSION = "v1";

  /** CSI asks plugins to keep IDs within 128 bytes; anything much longer is not ours. */
  private static final int MAX_ID_LENGTH = 256;

  /** A backend name: a DNS label, as the backends file requires and volume IDs carry. */
  public static final Pattern BACKEND = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  public VolumeId {
    if (!BACKEND.matcher(backend).matches()) {
      throw StorageException.invalid(
          "backend name %s is not a DNS label", Untrusted.quote(backend));
    }
    if (!VolumeNames.isName(dir)) {
      throw StorageException.invalid(
          "volume directory %s is not a Mooring volume name", Untrusted.quote(dir));
    }
  }

  /**
   * @throws StorageException INVALID_ARGUMENT when {@code text} is not a well-formed v1 ID
   */
  public static VolumeId parse(String text) {
    if (text == null || text.isEmpty()) {
      throw StorageException.invalid("volume_id is required");
    }
    String[] parts = text.split(":", -1);
    if (parts.length != 3 || !VERSION.equals(parts[0])) {
      throw StorageException.invalid(
          "volume_id %s is not a Mooring volume ID (want v1:<backend>:<dir>)",
          Untrusted.quote(text));
    }
    return new VolumeId(parts[1], parts[2]);
  }

  /**
   * Looks up an ID from a request: empty when it is not a Mooring ID at all (the caller answers
   * NOT_FOUND, or OK for a delete), the parsed ID when it is one.
   *
   * @throws StorageException INVALID_ARGUMENT when it is empty, or hostile (path elements, control
   *     characters, oversized), or claims to be a Mooring ID but is malformed
   */
  public static java.util.Optional<VolumeId> lookup(String text) {
    requireSafe(text, "volume_id");
    if (!text.startsWith(VERSION + ":")) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(parse(text));
  }

  /**
   * What any ID from a request must be before it is looked at further (volume or snapshot ID).
   *
   * @throws StorageException INVALID_ARGUMENT when it is empty, oversized, or holds path elements
   *     or control characters
   */
  static void requireSafe(String text, String field) {
    if (text == null || text.isEmpty()) {
      throw StorageException.invalid("%s is required", field);
    }
    if (text.length() > MAX_ID_LENGTH
        || text.contains("/")
        || text.contains("..")
        || text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw StorageException.invalid("%s %s is not a valid ID", field, Untrusted.quote(text));
    }
  }

  @Override
  public String toString() {
    return VERSION + ":" + backend + ":" + dir;
  }
}
