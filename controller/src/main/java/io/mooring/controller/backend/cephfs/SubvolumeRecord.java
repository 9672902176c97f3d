package io.mooring.controller.backend.cephfs;

import io.mooring.controller.backend.VolumeRecord;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What Mooring remembers about a subvolume: the request name, the size, the StorageClass
 * parameters, the path (empty in a reservation) and when its create began (absent in the records of
 * earlier versions). Kept in omap ({@link OmapRecords}), and by earlier versions as subvolume
 * metadata ({@code fs subvolume metadata set}, stored by the mgr in the subvolume's {@code .meta}
 * file); both in {@link RecordCodec}'s form.
 */
record SubvolumeRecord(
    String requestName,
    long capacityBytes,
    Map<String, String> parameters,
    String path,
    Optional<Instant> created) {

  SubvolumeRecord {
    parameters = Map.copyOf(parameters);
    Objects.requireNonNull(created, "created");
  }

  static SubvolumeRecord of(VolumeRecord volume, String path) {
    return new SubvolumeRecord(
        volume.requestName(), volume.capacityBytes(), volume.parameters(), path, volume.created());
  }

  VolumeRecord volume(String dir) {
    return new VolumeRecord(dir, requestName, capacityBytes, parameters, created);
  }

  SubvolumeRecord withCapacity(long bytes) {
    return new SubvolumeRecord(requestName, bytes, parameters, path, created);
  }

  String encode() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", requestName);
    json.put("capacity", capacityBytes);
    json.put("parameters", new TreeMap<>(parameters));
    json.put("path", path);
    created.ifPresent(at -> json.put("created", at.toString()));
    return RecordCodec.encode(json);
  }

  /**
   * @throws IllegalArgumentException if {@code value} is not a record this code wrote
   */
  static SubvolumeRecord decode(String value) {
    Map<String, Object> json = RecordCodec.decode(value);
    Map<String, String> params = new TreeMap<>();
    Json.object(json.get("parameters"), "parameters")
        .forEach((k, v) -> params.put(k, Json.string(v, k)));
    long capacity = Json.integer(json.get("capacity"), "capacity");
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    Optional<Instant> created = Optional.empty();
    if (json.containsKey("created")) {
      String at = Json.string(json.get("created"), "created");
      try {
        created = Optional.of(Instant.parse(at));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("created is not a time: " + at, e);
      }
    }
    return new SubvolumeRecord(
        Json.string(json.get("name"), "name"),
        capacity,
        params,
        Json.string(json.get("path"), "path"),
        created);
  }
}
