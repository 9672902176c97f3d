package io.mooring.node;

import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandResult;
import io.mooring.exec.CommandRunner;
import io.mooring.exec.Redaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link CommandRunner} that plays ceph-fuse on a {@link FakeMounter}: it checks the keyring it
 * is given against the users it knows, and the path against what each user may mount, the way the
 * cluster would, and fails with ceph-fuse's own messages; a mount shows the directories of the
 * subvolumes below its path. df answers with {@link InProcessNode#DF}, getfattr with a quota of
 * {@link #QUOTA}.
 */
final class FakeCephFuse implements CommandRunner {

  private static final Pattern KEY = Pattern.compile("key = (\\S+)");

  /** Every subvolume's quota, as getfattr shows it. */
  static final long QUOTA = 20971520;

  private final FakeMounter mounter;

  /** key by user id */
  private final Map<String, String> keys = new HashMap<>();

  /** path prefix each user may mount; absent: anything */
  private final Map<String, String> caps = new HashMap<>();

  private final List<Command> commands = new ArrayList<>();

  /** Subvolume paths: a mount of a directory above one shows its directories. */
  private final List<String> subvolumes = new ArrayList<>();

  /** Users whose keys may evict sessions (MDS caps allow *). */
  private final java.util.Set<String> admins = new java.util.HashSet<>();

  /** The client_metadata.mooring_client values of sessions evicted. */
  final List<String> evicted = new ArrayList<>();

  /** Modes of the keyring file and its directory, as ceph-fuse found them. */
  final List<String> keyringModes = new ArrayList<>();

  volatile boolean monitorsDown;

  FakeCephFuse(FakeMounter mounter) {
    this.mounter = mounter;
    mounter.afterUnmount = FakeCephFuse::emptyMountPoint;
  }

  /** The directories a mount showed go with it, as they would from a real mount point. */
  private static void emptyMountPoint(Path mountPoint) {
    if (!mountPoint.getFileName().toString().equals("mnt")) {
      return; // a bind: the directories are the client's
    }
    try (var files = Files.walk(mountPoint)) {
      for (Path file :
          files
              .sorted(java.util.Comparator.reverseOrder())
              .filter(f -> !f.equals(mountPoint))
              .toList()) {
        Files.delete(file);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // a mount point that went away with a "killed" client
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void user(String id, String key) {
    keys.put(id, key);
  }

  void admin(String id, String key) {
    keys.put(id, key);
    admins.add(id);
  }

  void user(String id, String key, String allowedPath) {
    keys.put(id, key);
    caps.put(id, allowedPath);
  }

  synchronized void subvolumes(String... paths) {
    subvolumes.addAll(List.of(paths));
  }

  synchronized List<Command> commands() {
    return List.copyOf(commands);
  }

  synchronized long mounts() {
    return commands.stream().filter(c -> c.argv().contains("ceph-fuse")).count();
  }

  @Override
  public synchronized CommandResult run(Command command) {
    commands.add(command);
    List<String> argv = command.argv();
    if (argv.get(0).equals("df")) {
      return new CommandResult(0, InProcessNode.DF, "", 1);
    }
    if (argv.get(0).equals("getfattr")) {
      return new CommandResult(0, "max_bytes=" + QUOTA + " max_files=0", "", 1);
    }
    if (argv.get(0).equals("ceph")) {
      String user = value(argv, "-n").substring("client.".length());
      if (!argv.subList(argv.size() - 5, argv.size() - 1)
          .equals(List.of("tell", "mds.cephfs:0", "client", "evict"))) {
        throw new AssertionError("unexpected command " + argv);
      }
      if (!admins.contains(user)) {
        return fail(
            command, "Error EACCES: problem getting command descriptions from mds.cephfs:0");
      }
      String filter = argv.get(argv.size() - 1);
      evicted.add(filter.substring(filter.indexOf('=') + 1));
      return new CommandResult(0, "", "", 100);
    }
    if (!argv.get(0).equals("setsid") || !argv.get(1).equals("ceph-fuse")) {
      throw new AssertionError("unexpected command " + argv);
    }
    String user = value(argv, "-n").substring("client.".length());
    Path keyring = Path.of(value(argv, "--keyring="));
    String path = value(argv, "-r");
    String options = value(argv, "-o");
    Path mountPoint = Path.of(argv.get(argv.size() - 1));
    String key;
    try {
      keyringModes.add(
          PosixFilePermissions.toString(Files.getPosixFilePermissions(keyring))
              + " "
              + PosixFilePermissions.toString(Files.getPosixFilePermissions(keyring.getParent())));
      Matcher m = KEY.matcher(Files.readString(keyring));
      key = m.find() ? m.group(1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (monitorsDown) {
      return fail(command, "ceph mount failed with (110) Connection timed out");
    }
    if (!key.equals(keys.get(user))) {
      return fail(
          command,
          "client.0 authentication failed: (13) Permission denied\n"
              + "ceph-fuse[1]: ceph mount failed with (13) Permission denied");
    }
    if (caps.containsKey(user) && !path.startsWith(caps.get(user))) {
      return fail(
          command,
          "mds.0 rejected us (non-allowable root '"
              + path
              + "')\n"
              + "ceph-fuse[1]: ceph mount failed with (1) Operation not permitted");
    }
    if (!Files.isDirectory(mountPoint)) {
      return fail(command, "fuse: bad mount point " + mountPoint);
    }
    for (String subvolume : subvolumes) {
      if (subvolume.startsWith(path + "/")) {
        try {
          Files.createDirectories(mountPoint.resolve(subvolume.substring(path.length() + 1)));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    String source = options.substring("fsname=".length(), options.indexOf(",subtype="));
    mounter.addMount(
        source, mountPoint, "fuse." + options.substring(options.indexOf(",subtype=") + 9));
    return new CommandResult(
        0, "", "ceph-fuse[1]: starting ceph client\nceph-fuse[1]: starting fuse\n", 30);
  }

  private static CommandResult fail(Command command, String stderr) {
    CommandResult result = new CommandResult(1, "", Redaction.mask(stderr, command.secrets()), 30);
    throw new CommandFailedException(command.display(), result);
  }

  /** The value after {@code flag}, or of {@code flag=...}. */
  private static String value(List<String> argv, String flag) {
    for (int i = 0; i < argv.size(); i++) {
      if (flag.endsWith("=") && argv.get(i).startsWith(flag)) {
        return argv.get(i).substring(flag.length());
      }
      if (argv.get(i).equals(flag)) {
        return argv.get(i + 1);
      }
    }
    throw new AssertionError("no " + flag + " in " + argv);
  }
}
