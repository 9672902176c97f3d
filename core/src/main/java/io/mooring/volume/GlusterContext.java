package io.mooring.volume;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a GlusterFS volume lives: directory {@code path} (from the Gluster volume's root, {@code
 * <basePath>/<dir>}, e.g. {@code /mooring/pvc-1-ab12}) of Gluster volume {@code volume} served by
 * {@code servers}. The node needs nothing else, in particular no backends file.
 */
public record GlusterContext(VolumeId id, List<String> servers, String volume, String path)
    implements VolumeContext {

  /** The backend type: in the backends file and as volume_context {@code type}. */
  public static final String TYPE = "glusterfs";

  /** What a StorageClass may give as fsType. */
  public static final Set<String> FS_TYPES = Set.of(TYPE, "fuse." + TYPE);

  /** What mount(8) takes as the type of a glusterfs FUSE mount. */
  public static final String MOUNT_TYPE = TYPE;

  /** A Gluster volume name, as glusterd allows it. */
  public static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** A Gluster server: host name, IPv4 or [IPv6] address. */
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]_-]{1,253}");

  private static final String SERVERS = "servers";
  private static final String VOLUME = "volume";

  /**
   * @throws StorageException INVALID_ARGUMENT when a value is unsafe or {@code path} is not the
   *     directory of volume {@code id}
   */
  public GlusterContext {
    servers = List.copyOf(servers);
    if (servers.isEmpty() || !servers.stream().allMatch(s -> HOST.matcher(s).matches())) {
      throw StorageException.invalid(
          "volume_context servers must be a comma-separated list of host names or"
              + " addresses, got %s",
          Untrusted.quote(String.join(",", servers)));
    }
    if (!VOLUME_NAME.matcher(volume).matches()) {
      throw StorageException.invalid(
          "volume_context volume %s is not a Gluster volume name", Untrusted.quote(volume));
    }
    if (!ContextMap.safePath(path)) {
      throw StorageException.invalid(
          "volume_context path %s must be an absolute directory path below the"
              + " Gluster volume root, without '.' or '..' elements",
          Untrusted.quote(path));
    }
    if (!ContextMap.lastElement(path).equals(id.dir())) {
      throw StorageException.invalid(
          "volume_context path %s is not the directory of volume %s (want <basePath>/%s)",
          Untrusted.quote(path), id, id.dir());
    }
  }

  static GlusterContext read(ContextMap map) {
    map.checkBackend();
    return new GlusterContext(
        map.id(), map.list(SERVERS), map.required(VOLUME), map.required(ContextMap.PATH));
  }

  @Override
  public Map<String, String> toMap() {
    Map<String, String> map = ContextMap.of(TYPE, id, path);
    map.put(SERVERS, String.join(",", servers));
    map.put(VOLUME, volume);
    return map;
  }

  /** The mount(8) source: every server, so that the FUSE client can fetch its volfile from any. */
  public String source() {
    return source(servers, volume);
  }

  /** The mount(8) source of Gluster volume {@code volume} from {@code servers}. */
  public static String source(List<String> servers, String volume) {
    return String.join(",", servers) + ":/" + volume;
  }

  /** The Gluster volume in a mount source: {@code server[,server...]:/volume}. */
  public static String volumeOf(String source) {
    return source.substring(source.lastIndexOf(":/") + 2);
  }
}
