package io.mooring.controller.backend.gluster;

import io.mooring.errors.StorageException;
import io.mooring.volume.GlusterContext;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One gluster management command Mooring sends ({@code gluster --mode=script --xml ARGS}), checked
 * against the allow-list before it leaves the process. scripts/mooring-gluster-gate enforces the
 * same list on the servers; GlusterGateTest sends every command made here through the gate, so the
 * two lists cannot drift apart.
 */
record GlusterCommand(List<String> args) {

  private static final List<String> MODE = List.of("--mode=script", "--xml");
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,254})+");
  private static final Pattern SIZE = Pattern.compile("[1-9][0-9]{0,18}");

  /** The only option Mooring sets: df of a directory shows its quota as the size. */
  static final String DEEM_STATFS = "features.quota-deem-statfs";

  GlusterCommand {
    args = List.copyOf(args);
    if (!allowed(args)) {
      throw StorageException.invalid(
          "gluster %s is not a command Mooring sends", String.join(" ", args));
    }
  }

  static GlusterCommand info(String volume) {
    return new GlusterCommand(List.of("volume", "info", volume));
  }

  static GlusterCommand enableQuota(String volume) {
    return new GlusterCommand(List.of("volume", "quota", volume, "enable"));
  }

  static GlusterCommand deemStatfs(String volume) {
    return new GlusterCommand(List.of("volume", "set", volume, DEEM_STATFS, "on"));
  }

  static GlusterCommand limitUsage(String volume, String path, long bytes) {
    return new GlusterCommand(
        List.of("volume", "quota", volume, "limit-usage", path, Long.toString(bytes)));
  }

  static GlusterCommand removeLimit(String volume, String path) {
    return new GlusterCommand(List.of("volume", "quota", volume, "remove", path));
  }

  /** The allow-list: exactly the commands above, with strict volume, path and size words. */
  static boolean allowed(List<String> args) {
    if (args.size() < 3
        || !args.get(0).equals("volume")
        || !GlusterContext.VOLUME_NAME.matcher(args.get(2)).matches()) {
      return false;
    }
    List<String> rest = args.subList(3, args.size());
    return switch (args.get(1)) {
      case "info" -> rest.isEmpty();
      case "set" -> rest.equals(List.of(DEEM_STATFS, "on"));
      case "quota" ->
          !rest.isEmpty()
              && switch (rest.get(0)) {
                case "enable" -> rest.size() == 1;
                case "remove" -> rest.size() == 2 && PATH.matcher(rest.get(1)).matches();
                case "limit-usage" ->
                    rest.size() == 3
                        && PATH.matcher(rest.get(1)).matches()
                        && SIZE.matcher(rest.get(2)).matches();
                default -> false;
              };
      default -> false;
    };
  }

  /** Whether glusterd refuses it to a CLI that does not come over its unix socket (read-only). */
  boolean changesTheVolume() {
    return !args.get(1).equals("info");
  }

  /** The CLI's arguments, after the program name. */
  List<String> argv() {
    return Stream.concat(MODE.stream(), args.stream()).toList();
  }

  @Override
  public String toString() {
    return "gluster " + String.join(" ", args);
  }
}
