package io.mooring.volume;

import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a CephFS volume lives: subvolume {@code id.dir()} of group {@code subvolumeGroup} at {@code
 * path} (as {@code ceph fs subvolume getpath} prints it: {@code
 * /volumes/<group>/<subvolume>/<uuid>}) of file system {@code fsName}, reached through {@code
 * monitors}. A volume backed by a snapshot (StorageClass parameter {@code backingSnapshot}) is a
 * subvolume snapshot's copy of the subvolume's directory instead, {@code
 * /volumes/<group>/<subvolume>/.snap/<snapshot>/<uuid>}, of another subvolume than the volume's
 * own: read-only, and there as long as the snapshot is, also after the subvolume is removed with
 * its snapshots retained. {@code mounter} is the backend's choice of client: {@link #FUSE}, {@link
 * #KERNEL}, or empty for "the best this node has"; {@code fuseOptions} its {@code fuseMountOptions}
 * for ceph-fuse's {@code -o}.
 */
public record CephContext(
    VolumeId id,
    List<String> monitors,
    String fsName,
    String subvolumeGroup,
    String path,
    String mounter,
    String fuseOptions)
    implements VolumeContext {

  /** The backend type: in the backends file and as volume_context {@code type}. */
  public static final String TYPE = "cephfs";

  /** What a StorageClass may give as fsType. */
  public static final Set<String> FS_TYPES = Set.of("ceph", TYPE, "fuse.ceph-fuse");

  public static final String FUSE = "fuse";
  public static final String KERNEL = "kernel";

  /**
   * {@code host}, {@code host:port}, {@code [v6]:port}, optionally {@code v1:}/{@code v2:}
   * prefixed.
   */
  private static final Pattern MONITOR =
      Pattern.compile("[A-Za-z0-9_\\[][A-Za-z0-9.:\\[\\]_-]{0,252}");

  private static final Pattern FS_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

  /**
   * A subvolume's path: the group's directory, the subvolume's, and (for every subvolume the mgr
   * makes today) the directory of its current incarnation.
   */
  private static final Pattern SUBVOLUME_PATH =
      Pattern.compile("/volumes/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)(/[A-Za-z0-9_.-]+)?");

  /** A subvolume snapshot's copy of the subvolume's directory (whose uuid is the last element). */
  private static final Pattern SNAPSHOT_PATH =
      Pattern.compile(
          "(/volumes/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+))/\\.snap/([A-Za-z0-9_.-]+)/[A-Za-z0-9_.-]+");

  /**
   * ceph-fuse's {@code -o} options, none of which may replace the fsname and subtype Mooring sets.
   */
  private static final Pattern FUSE_OPTIONS =
      Pattern.compile("(?!.*(^|,)(fsname|subtype)=)[A-Za-z0-9_.=,/:-]{0,512}");

  private static final String MONITORS = "monitors";
  private static final String FS_NAME_KEY = "fsName";
  private static final String GROUP = "subvolumeGroup";
  private static final String SUBVOLUME = "subvolume";
  private static final String MOUNTER = "mounter";
  private static final String FUSE_OPTIONS_KEY = "fuseMountOptions";

  /**
   * @throws StorageException INVALID_ARGUMENT when a value is unsafe or {@code path} is not the
   *     path of subvolume {@code id.dir()} in {@code subvolumeGroup}
   */
  public CephContext {
    monitors = List.copyOf(monitors);
    if (monitors.isEmpty() || !monitors.stream().allMatch(m -> MONITOR.matcher(m).matches())) {
      throw StorageException.invalid(
          "volume_context monitors must be a comma-separated list of monitor"
              + " addresses (host:port), got %s",
          Untrusted.quote(String.join(",", monitors)));
    }
    if (!FS_NAME.matcher(fsName).matches()) {
      throw StorageException.invalid(
          "volume_context fsName %s is not a CephFS name", Untrusted.quote(fsName));
    }
    if (!ContextMap.safePath(path)) {
      throw StorageException.invalid(
          "volume_context path %s must be the subvolume's absolute path in CephFS %s"
              + " (as 'ceph fs subvolume getpath' prints it), without '.' or '..' elements",
          Untrusted.quote(path), fsName);
    }
    Matcher snapshot = SNAPSHOT_PATH.matcher(path);
    Matcher m = SUBVOLUME_PATH.matcher(path);
    boolean own = m.matches() && m.group(1).equals(subvolumeGroup) && m.group(2).equals(id.dir());
    // a snapshot is another subvolume's, and only ever mounted read-only
    if (!own && !(snapshot.matches() && snapshot.group(2).equals(subvolumeGroup))) {
      throw StorageException.invalid(
          "volume_context path %s is not the path of volume %s (want /volumes/%s/%s/<uuid>, as"
              + " 'ceph fs subvolume getpath' prints it, or a snapshot's"
              + " /volumes/%s/<subvolume>/.snap/<snapshot>/<uuid>)",
          Untrusted.quote(path),
          id,
          Untrusted.quote(subvolumeGroup),
          id.dir(),
          Untrusted.quote(subvolumeGroup));
    }
    if (!mounter.isEmpty() && !mounter.equals(FUSE) && !mounter.equals(KERNEL)) {
      throw StorageException.invalid(
          "volume_context mounter %s is not one of fuse, kernel or empty",
          Untrusted.quote(mounter));
    }
    if (!FUSE_OPTIONS.matcher(fuseOptions).matches()) {
      throw StorageException.invalid(
          "volume_context fuseMountOptions %s must be comma-separated ceph-fuse -o options"
              + " (letters, digits, '_.=/:-'), and not set fsname or subtype",
          Untrusted.quote(fuseOptions));
    }
  }

  /**
   * Reads what the controller wrote; {@code subvolumeGroup} and {@code subvolume}, when given, must
   * agree with the path and the ID.
   */
  static CephContext read(ContextMap map) {
    map.checkBackend();
    String subvolume = map.optional(SUBVOLUME, map.id().dir());
    if (!subvolume.equals(map.id().dir())) {
      throw StorageException.invalid(
          "volume_context subvolume %s does not match volume_id %s",
          Untrusted.quote(subvolume), map.id());
    }
    List<String> monitors = map.list(MONITORS);
    String fsName = map.required(FS_NAME_KEY);
    String path = map.required(ContextMap.PATH);
    Matcher m = SUBVOLUME_PATH.matcher(path);
    Matcher snapshot = SNAPSHOT_PATH.matcher(path);
    String group =
        map.optional(GROUP, snapshot.matches() ? snapshot.group(2) : m.matches() ? m.group(1) : "");
    return new CephContext(
        map.id(),
        monitors,
        fsName,
        group,
        path,
        map.optional(MOUNTER, ""),
        map.optional(FUSE_OPTIONS_KEY, ""));
  }

  @Override
  public Map<String, String> toMap() {
    Map<String, String> map = ContextMap.of(TYPE, id, path);
    map.put(MONITORS, String.join(",", monitors));
    map.put(FS_NAME_KEY, fsName);
    map.put(GROUP, subvolumeGroup);
    map.put(SUBVOLUME, id.dir());
    map.put(MOUNTER, mounter);
    if (!fuseOptions.isEmpty()) {
      map.put(FUSE_OPTIONS_KEY, fuseOptions);
    }
    return map;
  }

  /** The directory of the subvolume group: {@code /volumes/<group>}. */
  public String groupPath() {
    return "/volumes/" + subvolumeGroup;
  }

  /** The snapshot the volume is, if it is backed by one. */
  public Optional<String> backingSnapshot() {
    return backingSnapshotOf(path);
  }

  /**
   * The directory of the snapshot's subvolume, {@code /volumes/<group>/<subvolume>}: what a client
   * mounts to reach the snapshot (ceph-fuse cannot mount a {@code .snap} directory itself).
   *
   * @throws IllegalStateException when the volume is not backed by a snapshot
   */
  public String snapshotSubvolumePath() {
    Matcher m = SNAPSHOT_PATH.matcher(path);
    if (!m.matches()) {
      throw new IllegalStateException(path + " is no snapshot's path");
    }
    return m.group(1);
  }

  /** The snapshot a volume_context path is of, if it is a snapshot's. */
  public static Optional<String> backingSnapshotOf(String path) {
    Matcher m = SNAPSHOT_PATH.matcher(path);
    return m.matches() ? Optional.of(m.group(4)) : Optional.empty();
  }

  /**
   * The path of snapshot {@code snapshot} of the subvolume at {@code subvolumePath} ({@code
   * /volumes/<group>/<subvolume>/<uuid>}, as getpath prints it when the snapshot is taken).
   *
   * @throws StorageException INTERNAL when {@code subvolumePath} is not a subvolume's path
   */
  public static String snapshotPath(String subvolumePath, String snapshot) {
    Matcher m = SUBVOLUME_PATH.matcher(subvolumePath);
    if (!m.matches() || m.group(3) == null) {
      throw StorageException.internal("%s is not the path of a subvolume", subvolumePath);
    }
    return "/volumes/" + m.group(1) + "/" + m.group(2) + "/.snap/" + snapshot + m.group(3);
  }
}
