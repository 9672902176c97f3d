package io.mooring.volume;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import java.util.Optional;

/**
 * A Mooring snapshot ID: {@code s1:<backend>:<dir>:<snapshot>}, the source volume's backend and
 * directory and the snapshot's name ({@link VolumeNames#snapshotFor}). Parsed as strictly as a
 * {@link VolumeId}; its own prefix keeps a snapshot ID from ever being taken for a volume ID.
 */
public record SnapshotId(VolumeId volume, String snapshot) {

  private static final String VERSION = "s1";

  public SnapshotId {
    if (!VolumeNames.isSnapshotName(snapshot)) {
      throw StorageException.invalid(
          "snapshot name %s is not a Mooring snapshot name", Untrusted.quote(snapshot));
    }
  }

  /**
   * @throws StorageException INVALID_ARGUMENT when {@code text} is not a well-formed s1 ID
   */
  public static SnapshotId parse(String text) {
    String[] parts = text.split(":", -1);
    if (parts.length != 4 || !VERSION.equals(parts[0])) {
      throw StorageException.invalid(
          "snapshot_id %s is not a Mooring snapshot ID (want s1:<backend>:<volume>:<snapshot>)",
          Untrusted.quote(text));
    }
    return new SnapshotId(new VolumeId(parts[1], parts[2]), parts[3]);
  }

  /**
   * Looks up an ID from a request: empty when it is not a Mooring snapshot ID at all (the caller
   * answers NOT_FOUND, or OK for a delete).
   *
   * @throws StorageException INVALID_ARGUMENT when it is empty, hostile, or claims to be a Mooring
   *     snapshot ID but is malformed
   */
  public static Optional<SnapshotId> lookup(String text) {
    VolumeId.requireSafe(text, "snapshot_id");
    return text.startsWith(VERSION + ":") ? Optional.of(parse(text)) : Optional.empty();
  }

  @Override
  public String toString() {
    return VERSION + ":" + volume.backend() + ":" + volume.dir() + ":" + snapshot;
  }
}
