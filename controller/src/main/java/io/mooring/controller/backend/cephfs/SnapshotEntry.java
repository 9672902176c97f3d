package io.mooring.controller.backend.cephfs;

import io.mooring.controller.backend.SnapshotRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What Mooring remembers about a subvolume snapshot, in omap ({@link OmapRecords}): written before
 * the snapshot is taken (without {@code takenAt}) and again after (with it), so that a create cut
 * off in between is finished by its retry and a name is never used for two volumes' snapshots.
 *
 * @param dir the source subvolume
 * @param sizeBytes the source's capacity when the snapshot was taken
 * @param group the group snapshot it is a member of, or ""
 * @param path the source subvolume's path when the snapshot was taken (whose uuid directory the
 *     snapshot holds), or "" in entries of earlier versions
 */
record SnapshotEntry(
    String dir,
    String requestName,
    long sizeBytes,
    Optional<Instant> takenAt,
    String group,
    String path) {

  boolean complete() {
    return takenAt.isPresent();
  }

  SnapshotEntry taken(Instant at) {
    return new SnapshotEntry(dir, requestName, sizeBytes, Optional.of(at), group, path);
  }

  SnapshotRecord record(String snapshot) {
    return new SnapshotRecord(dir, snapshot, requestName, sizeBytes, takenAt.orElseThrow(), group);
  }

  String encode() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("dir", dir);
    json.put("name", requestName);
    json.put("size", sizeBytes);
    json.put("taken", takenAt.map(Instant::toString).orElse(""));
    json.put("group", group);
    json.put("path", path);
    return RecordCodec.encode(json);
  }

  /**
   * @throws IllegalArgumentException if {@code value} is not an entry this code wrote
   */
  static SnapshotEntry decode(String value) {
    Map<String, Object> json = RecordCodec.decode(value);
    String taken = Json.string(json.get("taken"), "taken");
    try {
      return new SnapshotEntry(
          Json.string(json.get("dir"), "dir"),
          Json.string(json.get("name"), "name"),
          Json.integer(json.get("size"), "size"),
          taken.isEmpty() ? Optional.empty() : Optional.of(Instant.parse(taken)),
          Json.string(json.get("group"), "group"),
          json.containsKey("path") ? Json.string(json.get("path"), "path") : "");
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("taken is not a time: " + taken, e);
    }
  }
}
