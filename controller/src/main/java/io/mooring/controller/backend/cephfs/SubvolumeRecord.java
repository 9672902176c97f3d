package io.mooring.controller.backend.cephfs;

import io.mooring.controller.backend.VolumeRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Mooring remembers about a subvolume: the request name, the size, the StorageClass parameters
 * and the path (empty in a reservation). Kept in omap ({@link OmapRecords}), and by earlier
 * versions as subvolume metadata ({@code fs subvolume metadata set}, stored by the mgr in the
 * subvolume's {@code .meta} file); both in {@link RecordCodec}'s form.
 */
record SubvolumeRecord(
    String requestName, long capacityBytes, Map<String, String> parameters, String path) {

  SubvolumeRecord {
    parameters = Map.copyOf(parameters);
  }

  static SubvolumeRecord of(VolumeRecord volume, String path) {
    return new SubvolumeRecord(
        volume.requestName(), volume.capacityBytes(), volume.parameters(), path);
  }

  VolumeRecord volume(String dir) {
    return new VolumeRecord(dir, requestName, capacityBytes, parameters);
  }

  SubvolumeRecord withCapacity(long bytes) {
    return new SubvolumeRecord(requestName, bytes, parameters, path);
  }

  String encode() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", requestName);
    json.put("capacity", capacityBytes);
    json.put("parameters", new TreeMap<>(parameters));
    json.put("path", path);
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
    return new SubvolumeRecord(
        Json.string(json.get("name"), "name"),
        capacity,
        params,
        Json.string(json.get("path"), "path"));
  }
}
