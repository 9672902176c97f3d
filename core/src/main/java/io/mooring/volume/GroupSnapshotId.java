package io.mooring.volume;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import java.util.Optional;

/**
 * A Mooring group snapshot ID: {@code g1:<backend>:<group>}, the backend of all its members and the
 * group's name ({@link VolumeNames#groupSnapshotFor}). Parsed as strictly as a {@link VolumeId}.
 */
public record GroupSnapshotId(String backend, String group) {

  private static final String VERSION = "g1";

  public GroupSnapshotId {
    if (!VolumeId.BACKEND.matcher(backend).matches()) {
      throw StorageException.invalid(
          "backend name %s is not a DNS label", Untrusted.quote(backend));
    }
    if (!VolumeNames.isSnapshotName(group)) {
      throw StorageException.invalid(
          "group snapshot name %s is not a Mooring snapshot name", Untrusted.quote(group));
    }
  }

  /**
   * Looks up an ID from a request: empty when it is not a Mooring group snapshot ID at all.
   *
   * @throws StorageException INVALID_ARGUMENT when it is empty, hostile, or claims to be ours but
   *     is malformed
   */
  public static Optional<GroupSnapshotId> lookup(String text) {
    VolumeId.requireSafe(text, "group_snapshot_id");
    if (!text.startsWith(VERSION + ":")) {
      return Optional.empty();
    }
    String[] parts = text.split(":", -1);
    if (parts.length != 3) {
      throw StorageException.invalid(
          "group_snapshot_id %s is not a Mooring group snapshot ID (want g1:<backend>:<group>)",
          Untrusted.quote(text));
    }
    return Optional.of(new GroupSnapshotId(parts[1], parts[2]));
  }

  @Override
  public String toString() {
    return VERSION + ":" + backend + ":" + group;
  }
}
