package io.mooring.controller.backend.cephfs;

import io.mooring.controller.backend.VolumeRecord;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Mooring remembers about a subvolume: the request name, the size, the StorageClass parameters
 * and the path (empty in a reservation). Kept in omap ({@link OmapRecords}), and by earlier
 * versions as subvolume metadata ({@code fs subvolume metadata set}, stored by the mgr in the
 * subvolume's {@code .meta} file). The mgr keeps metadata in a Python ConfigParser, which
 * lower-cases keys, strips values and rejects '%', so the value is versioned base64url JSON ({@code
 * v1.eyJuYW1l...}): any request name or parameter survives; omap values use the same encoding.
 */
record SubvolumeRecord(
    String requestName, long capacityBytes, Map<String, String> parameters, String path) {

  private static final String VERSION = "v1.";

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
    return VERSION
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(Json.write(json).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @throws IllegalArgumentException if {@code value} is not a record this code wrote
   */
  static SubvolumeRecord decode(String value) {
    if (!value.startsWith(VERSION)) {
      throw new IllegalArgumentException("unknown record version");
    }
    String text =
        new String(
            Base64.getUrlDecoder().decode(value.substring(VERSION.length())),
            StandardCharsets.UTF_8);
    Map<String, Object> json = Json.object(Json.parse(text), "record");
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
