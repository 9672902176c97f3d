package io.mooring.controller.backend.cephfs;

import io.mooring.ceph.CephCredentials;
import io.mooring.errors.StorageException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * An in-memory Ceph that answers the commands CephfsBackend sends the way Pacific's mgr volumes
 * module does, including its metadata quirks (keys lower-cased, values stripped, '%' refused).
 */
final class FakeCephClient implements CephClient {

  static final class Subvolume {
    long size;
    final String path;
    final Map<String, String> metadata = new TreeMap<>();
    boolean snapshots;

    /** Snapshots taken with {@code fs subvolume snapshot create}. */
    final Set<String> snapshotNames = new TreeSet<>();

    /** Removed with its snapshots retained: only they are left. */
    boolean retained;

    Subvolume(String path, long size) {
      this.path = path;
      this.size = size;
    }
  }

  final String fs;
  final Set<String> groups = new TreeSet<>();

  /** By "group/name". */
  final Map<String, Subvolume> subvolumes = new TreeMap<>();

  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  final List<CephCredentials> credentials = Collections.synchronizedList(new ArrayList<>());

  /** One-shot failures by command prefix. */
  final Map<String, RuntimeException> failNext = new HashMap<>();

  /** Omap values by object; omap works only when {@link #omap} is set (as with librados). */
  final Map<OmapObject, TreeMap<String, String>> objects = new HashMap<>();

  boolean omap;
  boolean unreachable;
  long maxAvail = 5_000_000_000L;
  boolean closed;

  FakeCephClient(String fs) {
    this.fs = fs;
  }

  Subvolume sub(String group, String name) {
    return subvolumes.get(group + "/" + name);
  }

  Subvolume add(String group, String name, long size) {
    groups.add(group);
    Subvolume s = new Subvolume("/volumes/" + group + "/" + name + "/" + UUID.randomUUID(), size);
    subvolumes.put(group + "/" + name, s);
    return s;
  }

  @Override
  public synchronized String run(CephCommand command, CephCredentials creds) {
    calls.add(
        command.prefix()
            + (command.args().containsKey("sub_name") ? " " + command.args().get("sub_name") : ""));
    credentials.add(creds);
    if (unreachable) {
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE, "ceph timed out after 60000 ms");
    }
    RuntimeException failure = failNext.remove(command.prefix());
    if (failure != null) {
      throw failure;
    }
    Map<String, Object> a = command.args();
    if (a.containsKey("vol_name") && !fs.equals(a.get("vol_name"))) {
      throw new CephError(CephError.ENOENT, "FS '" + a.get("vol_name") + "' not found");
    }
    String group = (String) a.getOrDefault("group_name", "_nogroup");
    String name = (String) a.get("sub_name");
    String key = group + "/" + name;
    switch (command.prefix()) {
      case "fs ls":
        return "[{\"name\":\""
            + fs
            + "\",\"metadata_pool\":\"cephfs."
            + fs
            + ".meta\",\"data_pools\":[\"cephfs."
            + fs
            + ".data\"]}]";
      case "df":
        return "{\"stats\":{},\"pools\":[{\"name\":\"cephfs."
            + fs
            + ".meta\",\"stats\":{\"max_avail\":1}},"
            + "{\"name\":\"cephfs."
            + fs
            + ".data\",\"id\":3,\"stats\":{\"stored\":0,\"max_avail\":"
            + maxAvail
            + ",\"percent_used\":4.1389941429770261e-07}}]}";
      case "fs subvolumegroup create":
        groups.add(group);
        return "";
      case "fs subvolumegroup ls":
        return Json.write(groups.stream().map(g -> Map.of("name", g)).toList());
      case "fs subvolume ls":
        {
          requireGroup(group);
          List<Object> out = new ArrayList<>();
          subvolumes.keySet().stream()
              .filter(k -> k.startsWith(group + "/"))
              .forEach(k -> out.add(Map.of("name", k.substring(group.length() + 1))));
          return Json.write(out);
        }
      case "fs subvolume create":
        {
          requireGroup(group);
          long size = (Long) a.get("size");
          Subvolume s = subvolumes.get(key);
          if (s == null) {
            add(group, name, size);
          } else {
            s.size = size; // Ceph applies the attributes to an existing subvolume
          }
          return "";
        }
      default:
        break;
    }
    requireGroup(group);
    Subvolume s = subvolumes.get(key);
    if (s == null) {
      throw new CephError(CephError.ENOENT, "subvolume '" + name + "' does not exist");
    }
    switch (command.prefix()) {
      case "fs subvolume getpath":
        if (s.retained) {
          throw new CephError(CephError.ENOENT, "subvolume '" + name + "' is removed");
        }
        return s.path + "\n";
      case "fs subvolume rm":
        if (s.snapshots || !s.snapshotNames.isEmpty()) {
          if (!s.snapshotNames.isEmpty() && Boolean.TRUE.equals(a.get("retain_snapshots"))) {
            s.retained = true;
            return "";
          }
          throw new CephError(CephError.ENOTEMPTY, "subvolume '" + name + "' has snapshots");
        }
        subvolumes.remove(key);
        return "";
      case "fs subvolume snapshot create":
        if (s.retained) {
          throw new CephError(CephError.ENOENT, "subvolume '" + name + "' is removed");
        }
        s.snapshotNames.add((String) a.get("snap_name"));
        return "";
      case "fs subvolume snapshot rm":
        if (!s.snapshotNames.remove((String) a.get("snap_name"))) {
          throw new CephError(
              CephError.ENOENT, "snapshot '" + a.get("snap_name") + "' does not exist");
        }
        if (s.retained && s.snapshotNames.isEmpty()) {
          subvolumes.remove(key); // purged with its last snapshot
        }
        return "";
      case "fs subvolume resize":
        {
          long size = Long.parseLong((String) a.get("new_size"));
          s.size = size;
          return "[{\"bytes_used\":0},{\"bytes_quota\":" + size + "},{\"bytes_pcent\":\"0.00\"}]";
        }
      case "fs subvolume metadata ls":
        return Json.write(new LinkedHashMap<String, Object>(s.metadata));
      case "fs subvolume metadata set":
        {
          String value = ((String) a.get("value")).strip();
          if (value.contains("%")) {
            throw new CephError(
                CephError.EINVAL, "ValueError: invalid interpolation syntax in '" + value + "'");
          }
          s.metadata.put(((String) a.get("key_name")).toLowerCase(Locale.ROOT), value);
          return "";
        }
      case "fs subvolume metadata rm":
        {
          String k = ((String) a.get("key_name")).toLowerCase(Locale.ROOT);
          if (s.metadata.remove(k) == null && !Boolean.TRUE.equals(a.get("force"))) {
            throw new CephError(CephError.ENOENT, "key '" + k + "' does not exist");
          }
          return "";
        }
      default:
        throw new CephError(CephError.EINVAL, "unknown command " + command.prefix());
    }
  }

  @Override
  public boolean hasOmap() {
    return omap;
  }

  @Override
  public synchronized SortedMap<String, String> omapRead(
      OmapObject object, Set<String> keys, CephCredentials creds) {
    omapCall("omap read", creds);
    TreeMap<String, String> values = objects.getOrDefault(object, new TreeMap<>());
    TreeMap<String, String> out = new TreeMap<>(values);
    if (!keys.isEmpty()) {
      out.keySet().retainAll(keys);
    }
    return out;
  }

  @Override
  public synchronized SortedMap<String, String> omapRange(
      OmapObject object, String prefix, String after, int max, CephCredentials creds) {
    omapCall("omap range", creds);
    SortedMap<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e :
        objects.getOrDefault(object, new TreeMap<>()).tailMap(after, false).entrySet()) {
      if (max > 0 && out.size() == max) {
        break;
      }
      if (e.getKey().startsWith(prefix)) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  @Override
  public synchronized void omapWrite(
      OmapObject object, Map<String, String> set, Set<String> remove, CephCredentials creds) {
    omapCall("omap write", creds);
    TreeMap<String, String> values = objects.computeIfAbsent(object, o -> new TreeMap<>());
    values.putAll(set);
    values.keySet().removeAll(remove);
  }

  private void omapCall(String what, CephCredentials creds) {
    if (!omap) {
      throw new CephError(CephError.ENOTSUP, what + " needs librados");
    }
    calls.add(what);
    credentials.add(creds);
    if (unreachable) {
      throw new StorageException(StorageException.Kind.UNAVAILABLE, "ceph timed out");
    }
    RuntimeException failure = failNext.remove(what);
    if (failure != null) {
      throw failure;
    }
  }

  private void requireGroup(String group) {
    if (!"_nogroup".equals(group) && !groups.contains(group)) {
      throw new CephError(CephError.ENOENT, "subvolume group '" + group + "' does not exist");
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
