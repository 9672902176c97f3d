package io.mooring.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One external command: an argument vector (never a shell string), a timeout, the secret values
 * that must be masked wherever the command or its output is shown, and optionally the cgroup it is
 * to run in.
 */
public record Command(
    List<String> argv,
    Duration timeout,
    Set<String> secrets,
    Map<String, String> env,
    Optional<Path> cgroup) {

  /**
   * Joins the cgroup, then becomes the command: the command and all it forks (a FUSE daemon) are in
   * the cgroup from their first instruction. The directory and the command reach the shell as
   * arguments; nothing is formatted into the script.
   */
  private static final String JOIN_CGROUP = "echo $$ > \"$1/cgroup.procs\" && shift && exec \"$@\"";

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  public Command {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
    argv = List.copyOf(argv);
    secrets = Set.copyOf(secrets);
    env = Map.copyOf(env);
  }

  public static Command of(String... argv) {
    return new Command(List.of(argv), DEFAULT_TIMEOUT, Set.of(), Map.of(), Optional.empty());
  }

  public static Command of(List<String> argv) {
    return new Command(argv, DEFAULT_TIMEOUT, Set.of(), Map.of(), Optional.empty());
  }

  public Command withTimeout(Duration value) {
    return new Command(argv, value, secrets, env, cgroup);
  }

  public Command withSecrets(Set<String> values) {
    return new Command(argv, timeout, values, env, cgroup);
  }

  public Command withEnv(Map<String, String> values) {
    return new Command(argv, timeout, secrets, values, cgroup);
  }

  /**
   * This command, started in the cgroup at {@code dir} (cgroup v1 or v2), or as it is when empty.
   */
  public Command inCgroup(Optional<Path> dir) {
    return new Command(argv, timeout, secrets, env, dir);
  }

  /**
   * What is executed: {@link #argv}, behind a shell that joins the cgroup first if there is one.
   */
  public List<String> processArgv() {
    if (cgroup.isEmpty()) {
      return argv;
    }
    List<String> out =
        new ArrayList<>(List.of("/bin/sh", "-c", JOIN_CGROUP, "sh", cgroup.get().toString()));
    out.addAll(argv);
    return out;
  }

  /** The command line as it may be logged: secrets masked. */
  public String display() {
    return Redaction.mask(String.join(" ", argv), secrets)
        + cgroup.map(c -> " (in cgroup " + c + ")").orElse("");
  }

  /**
   * What the command runs, for metrics and short log lines: the program's base name, past a {@code
   * setsid} that only starts it in a session of its own, and for mount(8) of a file system its type
   * ({@code glusterfs}, {@code ceph}, ...), which is the FUSE client the mount starts.
   */
  public String program() {
    int i = 0;
    if (argv.size() > 1 && baseName(argv.get(0)).equals("setsid")) {
      i = 1;
      while (i < argv.size() - 1 && argv.get(i).startsWith("-")) {
        i++; // setsid's own options (-f, -w)
      }
    }
    String program = baseName(argv.get(i));
    if (program.equals("mount")) {
      int type = argv.indexOf("-t");
      if (type > i && type + 1 < argv.size()) {
        return argv.get(type + 1);
      }
    }
    return program;
  }

  private static String baseName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
