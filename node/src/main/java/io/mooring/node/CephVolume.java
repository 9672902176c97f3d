package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.volume.VolumeId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a CephFS volume lives, from the volume_context the controller returned: subvolume {@code
 * path} (from {@code ceph fs subvolume getpath}, e.g. {@code /volumes/csi/pvc-1/<uuid>}) of file
 * system {@code fsName}, reached through {@code monitors}. {@code mounter} is the backend's choice
 * of client: {@code fuse}, {@code kernel}, or empty for "the best this node has"; {@code
 * fuseOptions} its {@code fuseMountOptions} for ceph-fuse's {@code -o}.
 */
record CephVolume(
    String backend,
    String dir,
    List<String> monitors,
    String fsName,
    String path,
    String mounter,
    String fuseOptions) {

  static final String TYPE = "cephfs";
  static final String FUSE = "fuse";
  static final String KERNEL = "kernel";

  /**
   * {@code host}, {@code host:port}, {@code [v6]:port}, optionally {@code v1:}/{@code v2:}
   * prefixed.
   */
  private static final Pattern MONITOR =
      Pattern.compile("[A-Za-z0-9_\\[][A-Za-z0-9.:\\[\\]_-]{0,252}");

  private static final Pattern FS_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

  /** One or more path elements of safe characters: no empty, control or whitespace elements. */
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_.-]+)+");

  /**
   * ceph-fuse's {@code -o} options, none of which may replace the fsname and subtype Mooring sets.
   */
  private static final Pattern FUSE_OPTIONS =
      Pattern.compile("(?!.*(^|,)(fsname|subtype)=)[A-Za-z0-9_.=,/:-]{0,512}");

  CephVolume {
    monitors = List.copyOf(monitors);
  }

  /**
   * @throws StorageException INVALID_ARGUMENT when the context is incomplete or unsafe
   */
  static CephVolume of(VolumeId id, Map<String, String> context) {
    String type = context.getOrDefault("type", "");
    if (!type.equals(TYPE)) {
      throw StorageException.invalid(
          "volume_context type %s is not %s", Untrusted.quote(type), TYPE);
    }
    String backend = context.getOrDefault("backend", id.backend());
    if (!backend.equals(id.backend())) {
      throw StorageException.invalid(
          "volume_context backend %s does not match volume_id %s", Untrusted.quote(backend), id);
    }
    List<String> monitors =
        Arrays.stream(required(context, "monitors").split(",")).map(String::strip).toList();
    if (!monitors.stream().allMatch(m -> MONITOR.matcher(m).matches())) {
      throw StorageException.invalid(
          "volume_context monitors must be a comma-separated list of monitor"
              + " addresses (host:port), got %s",
          Untrusted.quote(context.get("monitors")));
    }
    String fsName = required(context, "fsName");
    if (!FS_NAME.matcher(fsName).matches()) {
      throw StorageException.invalid(
          "volume_context fsName %s is not a CephFS name", Untrusted.quote(fsName));
    }
    String path = required(context, "path");
    if (!PATH.matcher(path).matches()
        || Arrays.stream(path.split("/")).anyMatch(e -> e.equals(".") || e.equals(".."))) {
      throw StorageException.invalid(
          "volume_context path %s must be the subvolume's absolute path in CephFS %s"
              + " (as 'ceph fs subvolume getpath' prints it), without '.' or '..' elements",
          Untrusted.quote(path), fsName);
    }
    String mounter = context.getOrDefault("mounter", "");
    if (!mounter.isEmpty() && !mounter.equals(FUSE) && !mounter.equals(KERNEL)) {
      throw StorageException.invalid(
          "volume_context mounter %s is not one of fuse, kernel or empty",
          Untrusted.quote(mounter));
    }
    String fuseOptions = context.getOrDefault("fuseMountOptions", "");
    if (!FUSE_OPTIONS.matcher(fuseOptions).matches()) {
      throw StorageException.invalid(
          "volume_context fuseMountOptions %s must be comma-separated ceph-fuse -o options"
              + " (letters, digits, '_.=/:-'), and not set fsname or subtype",
          Untrusted.quote(fuseOptions));
    }
    return new CephVolume(id.backend(), id.dir(), monitors, fsName, path, mounter, fuseOptions);
  }

  private static String required(Map<String, String> context, String key) {
    String value = context.get(key);
    if (value == null || value.isBlank()) {
      throw StorageException.invalid(
          "volume_context of a CephFS volume has no %s; was this volume created by" + " Mooring?",
          key);
    }
    return value;
  }
}
