package io.mooring.controller.backend.gluster;

import io.mooring.controller.config.GlusterConfig;
import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandResult;
import io.mooring.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the gluster CLI on a Gluster server over SSH ({@code management: ssh}), where it reaches
 * glusterd over its unix socket.
 *
 * <p>The OpenSSH client rather than a Java SSH library: each call is then an ordinary command
 * through the one {@link CommandRunner} (argument list, a timeout that kills it, redaction,
 * metrics), and OpenSSH brings host-key pinning and connection multiplexing: one master connection
 * per server (ControlMaster) makes a quota call cost ~0.2 s instead of ~0.4 s.
 *
 * <p>Servers are tried in order from the last one that answered; ssh's own failures (exit 255 with
 * nothing on stdout) move on to the next. A timeout does not: the command may still run there.
 */
final class SshTransport implements GlusterTransport {

  /** What scripts/mooring-gluster-gate exits with, and how its refusals start. */
  static final int GATE_EXIT = 126;

  static final String GATE = "mooring-gluster-gate";
  private static final int SSH_FAILED = 255;
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * A unix socket path has at most 107 bytes, and ssh makes the master's as {@code DIR/<40 hex
   * digits of %C>.<16 random characters>} before renaming it.
   */
  static final int MAX_CONTROL_DIR = 107 - 1 - 40 - 17;

  private final CommandRunner runner;
  private final List<String> servers;
  private final GlusterConfig.Ssh ssh;
  private final Path controlDir;
  private volatile int preferred;

  SshTransport(CommandRunner runner, List<String> servers, GlusterConfig.Ssh ssh, Path controlDir) {
    this.runner = runner;
    this.servers = List.copyOf(servers);
    this.ssh = ssh;
    this.controlDir = controlDir;
  }

  /**
   * @param controlDir where the master connections' sockets go (one per server and user, shared by
   *     backends); made private (0700): whoever can reach a socket can use its connection
   */
  static SshTransport create(
      CommandRunner runner, List<String> servers, GlusterConfig.Ssh ssh, Path controlDir) {
    if (controlDir.toString().length() > MAX_CONTROL_DIR) {
      throw new StorageException(
          StorageException.Kind.FAILED_PRECONDITION,
          "ssh's connection sockets need a"
              + " directory path of at most "
              + MAX_CONTROL_DIR
              + " characters, "
              + controlDir
              + " is longer: choose a"
              + " shorter --state-dir");
    }
    try {
      Files.createDirectories(controlDir.getParent());
      if (!Files.isDirectory(controlDir)) {
        Files.createDirectory(
            controlDir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.setPosixFilePermissions(controlDir, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw StorageException.internal(
          "cannot make the ssh control directory %s: %s", controlDir, e.getMessage());
    }
    return new SshTransport(runner, servers, ssh, controlDir);
  }

  @Override
  public CommandResult run(GlusterCommand command, Duration timeout) {
    List<String> failures = new ArrayList<>();
    boolean onlyConfiguration = true;
    int first = preferred;
    for (int i = 0; i < servers.size(); i++) {
      int index = (first + i) % servers.size();
      String server = servers.get(index);
      try {
        CommandResult result = runner.run(Command.of(argv(server, command)).withTimeout(timeout));
        preferred = index;
        return result;
      } catch (CommandFailedException e) {
        CommandResult r = e.result();
        if (r.exitCode() == GATE_EXIT && r.stderr().contains(GATE)) {
          throw new StorageException(
              StorageException.Kind.FAILED_PRECONDITION,
              GATE
                  + " on "
                  + login(server)
                  + " refused `"
                  + command
                  + "`: "
                  + r.stderr().strip().replace(GATE + ": refused: ", "")
                  + "; install the gate of this Mooring version"
                  + " (scripts/"
                  + GATE
                  + ") as the forced command of the controller's key");
        }
        if (r.exitCode() != SSH_FAILED || !r.stdout().isBlank()) {
          preferred = index;
          throw e; // gluster ran and failed: GlusterCli reads why
        }
        String problem = configurationProblem(r.stderr());
        onlyConfiguration &= problem != null;
        failures.add(server + ": " + (problem != null ? problem : lastLine(r.stderr())));
      }
    }
    // FAILED_PRECONDITION when only the admin can fix it (key, host key): the provisioner then
    // knows nothing was done and retries with backoff; UNAVAILABLE when a server may come back.
    throw new StorageException(
        onlyConfiguration
            ? StorageException.Kind.FAILED_PRECONDITION
            : StorageException.Kind.UNAVAILABLE,
        "cannot run `"
            + command
            + "` over ssh as "
            + ssh.user()
            + ": "
            + String.join("; ", failures));
  }

  /**
   * What the admin must fix when ssh's failure is one of configuration, else null (the server is
   * down or unreachable: worth trying again later). ssh never prints key material.
   */
  private String configurationProblem(String stderr) {
    if (stderr.contains("Host key verification failed")
        || stderr.contains("IDENTIFICATION HAS CHANGED")
        || stderr.contains("host key is known")) {
      return "its host key is not the one pinned in "
          + ssh.knownHostsFile()
          + " (add the server's key, e.g. from its /etc/ssh/ssh_host_ed25519_key.pub)";
    }
    if (stderr.contains("UNPROTECTED PRIVATE KEY FILE") || stderr.contains("bad permissions")) {
      return ssh.keyFile()
          + " is readable by others, so ssh ignores it (mount the Secret with defaultMode 0400)";
    }
    if (stderr.contains("invalid format")) {
      return ssh.keyFile() + " is not a private key (the Secret's id_ed25519 still a placeholder?)";
    }
    if (stderr.contains("not accessible") || stderr.contains("No such file")) {
      return ssh.keyFile() + " cannot be read (mount the Secret with the private key there)";
    }
    if (stderr.contains("Permission denied")) {
      return "it refused the key "
          + ssh.keyFile()
          + " (add its public key, with the gate as forced command, to "
          + ssh.user()
          + "'s authorized_keys there)";
    }
    return null;
  }

  private static String lastLine(String text) {
    List<String> lines = text.strip().lines().toList();
    return lines.isEmpty() ? "ssh failed without a message" : lines.get(lines.size() - 1);
  }

  @Override
  public String where() {
    return "glusterd on " + login(servers.get(preferred));
  }

  /**
   * Ends the master connections; a server without one answers with an error that does not matter.
   */
  @Override
  public void close() {
    for (String server : servers) {
      try {
        runner.run(
            Command.of(
                    List.of(
                        "ssh",
                        "-F",
                        "/dev/null",
                        "-o",
                        "ControlPath=" + controlDir + "/%C",
                        "-l",
                        ssh.user(),
                        "-p",
                        Integer.toString(ssh.port()),
                        "-O",
                        "exit",
                        "--",
                        server))
                .withTimeout(EXIT_TIMEOUT));
      } catch (StorageException ignored) {
        // no master to this server
      }
    }
  }

  private String login(String server) {
    return ssh.user() + "@" + server;
  }

  /**
   * The ssh command line: no user or system configuration ({@code -F /dev/null}), key only, host
   * key pinned, a dead link noticed within ~15 s, and one multiplexed connection per server.
   */
  List<String> argv(String server, GlusterCommand command) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ssh",
                "-F",
                "/dev/null",
                "-T",
                "-l",
                ssh.user(),
                "-p",
                Integer.toString(ssh.port()),
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "IdentityFile=" + ssh.keyFile(),
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + ssh.knownHostsFile(),
                "-o",
                "GlobalKnownHostsFile=/dev/null",
                "-o",
                "UpdateHostKeys=no",
                "-o",
                "ConnectTimeout=5",
                "-o",
                "ServerAliveInterval=5",
                "-o",
                "ServerAliveCountMax=2",
                "-o",
                "ControlMaster=auto",
                "-o",
                "ControlPath=" + controlDir + "/%C",
                "-o",
                "ControlPersist=300",
                "-o",
                "LogLevel=ERROR",
                "--",
                server));
    List<String> remote = new ArrayList<>(List.of("gluster"));
    remote.addAll(command.argv());
    argv.add(quote(remote));
    return argv;
  }

  /**
   * The remote shell's command line for these words: each in single quotes, a quote inside as
   * {@code '\''}, separated by one space. The gate parses exactly this form.
   */
  static String quote(List<String> words) {
    StringBuilder line = new StringBuilder();
    for (String word : words) {
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append('\'').append(word.replace("'", "'\\''")).append('\'');
    }
    return line.toString();
  }
}
