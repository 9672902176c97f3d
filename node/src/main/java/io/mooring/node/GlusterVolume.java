package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.volume.VolumeId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a volume lives, from the volume_context the controller returned: directory {@code path}
 * (relative to the volume root, e.g. {@code /mooring/pvc-1-ab12}) of Gluster volume {@code volume}
 * served by {@code servers}. The node needs nothing else, in particular no backends file.
 */
record GlusterVolume(String backend, List<String> servers, String volume, String path) {

  static final String TYPE = "glusterfs";
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]_-]{1,253}");
  private static final Pattern VOLUME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** One or more path elements of safe characters: no empty, control or whitespace elements. */
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_.-]+)+");

  GlusterVolume {
    servers = List.copyOf(servers);
  }

  /**
   * @throws StorageException INVALID_ARGUMENT when the context is incomplete or unsafe
   */
  static GlusterVolume of(VolumeId id, Map<String, String> context) {
    String type = context.getOrDefault("type", TYPE);
    if (!type.equals(TYPE)) {
      throw StorageException.invalid(
          "volume_context type %s is not served by this node plugin (want %s)",
          Untrusted.quote(type), TYPE);
    }
    String backend = context.getOrDefault("backend", id.backend());
    if (!backend.equals(id.backend())) {
      throw StorageException.invalid(
          "volume_context backend %s does not match volume_id %s", Untrusted.quote(backend), id);
    }
    List<String> servers =
        Arrays.stream(required(context, "servers").split(",")).map(String::strip).toList();
    if (!servers.stream().allMatch(s -> HOST.matcher(s).matches())) {
      throw StorageException.invalid(
          "volume_context servers must be a comma-separated list of host names or"
              + " addresses, got %s",
          Untrusted.quote(context.get("servers")));
    }
    String volume = required(context, "volume");
    if (!VOLUME.matcher(volume).matches()) {
      throw StorageException.invalid(
          "volume_context volume %s is not a Gluster volume name", Untrusted.quote(volume));
    }
    String path = required(context, "path");
    if (!PATH.matcher(path).matches()
        || Arrays.stream(path.split("/")).anyMatch(e -> e.equals(".") || e.equals(".."))) {
      throw StorageException.invalid(
          "volume_context path %s must be an absolute directory path below the"
              + " Gluster volume root, without '.' or '..' elements",
          Untrusted.quote(path));
    }
    return new GlusterVolume(id.backend(), servers, volume, path);
  }

  /** The mount(8) source: every server, so that the FUSE client can fetch its volfile from any. */
  String source() {
    return String.join(",", servers) + ":/" + volume;
  }

  private static String required(Map<String, String> context, String key) {
    String value = context.get(key);
    if (value == null || value.isBlank()) {
      throw StorageException.invalid(
          "volume_context has no %s; was this volume created by Mooring?", key);
    }
    return value;
  }
}
