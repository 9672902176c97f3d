package io.mooring.controller.backend.cephfs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Ceph management command, as the {@code ceph} CLI sends it: a prefix ({@code fs subvolume
 * create}) and named arguments. The same object becomes the CLI's argument vector ({@code fs
 * subvolume create --vol_name=cephfs --sub_name=x ...}: the {@code --name=value} form is safe for
 * values that start with '-') or the JSON librados takes ({@code {"prefix":"fs subvolume
 * create","vol_name":"cephfs",...,"format":"json"}}).
 *
 * @param target which daemon serves it (librados needs to know; the CLI finds out itself)
 */
record CephCommand(Target target, String prefix, Map<String, Object> args) {

  /**
   * Monitor commands ({@code fs ls}, {@code df}) and mgr module commands ({@code fs subvolume}).
   */
  enum Target {
    MON,
    MGR
  }

  CephCommand {
    args = Collections.unmodifiableMap(new LinkedHashMap<>(args));
    for (Object value : args.values()) {
      if (!(value instanceof String || value instanceof Long || value instanceof Boolean)) {
        throw new IllegalArgumentException("argument values are strings, longs or booleans");
      }
    }
  }

  static CephCommand mgr(String prefix) {
    return new CephCommand(Target.MGR, prefix, Map.of());
  }

  static CephCommand mon(String prefix) {
    return new CephCommand(Target.MON, prefix, Map.of());
  }

  /** A copy with one more argument. */
  CephCommand with(String name, Object value) {
    Map<String, Object> more = new LinkedHashMap<>(args);
    more.put(name, value);
    return new CephCommand(target, prefix, more);
  }

  /** The words after {@code ceph [global options]}. */
  List<String> cliWords() {
    List<String> words = new ArrayList<>(List.of(prefix.split(" ")));
    args.forEach((name, value) -> words.add("--" + name + "=" + value));
    return words;
  }

  /** The command as librados takes it, asking for JSON output. */
  String json() {
    Map<String, Object> cmd = new LinkedHashMap<>();
    cmd.put("prefix", prefix);
    cmd.putAll(args);
    cmd.put("format", "json");
    return Json.write(cmd);
  }

  /**
   * Whether Ceph always prints something for this command (a listing, a path, a JSON object, even
   * an empty one): then an empty success is no answer at all.
   */
  boolean printsAnswer() {
    return prefix.endsWith(" ls")
        || prefix.endsWith(" getpath")
        || prefix.endsWith(" info")
        || prefix.endsWith(" status")
        || prefix.equals("df");
  }

  /** "ceph fs subvolume create cephfs/csi/name": short enough for an error message. */
  String describe() {
    StringBuilder out = new StringBuilder("ceph ").append(prefix);
    Object fs = args.get("vol_name");
    if (fs != null) {
      out.append(' ').append(fs);
      Object group = args.get("group_name");
      if (group != null) {
        out.append('/').append(group);
      }
      Object sub = args.get("sub_name");
      if (sub != null) {
        out.append('/').append(sub);
      }
    }
    return out.toString();
  }

  /** The prefix and all arguments (commands carry no secrets). */
  @Override
  public String toString() {
    return String.join(" ", cliWords());
  }
}
