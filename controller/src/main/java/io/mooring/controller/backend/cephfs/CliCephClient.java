package io.mooring.controller.backend.cephfs;

import io.mooring.ceph.CephCredentials;
import io.mooring.ceph.Keyrings;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandResult;
import io.mooring.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ceph commands through the {@code ceph} CLI: one process per call (~200 ms, mostly its start-up).
 * The key goes to a 0600 keyring file that exists only while the command runs, in a private
 * directory of this process, never onto the command line; the runner masks it in anything it shows,
 * too.
 */
final class CliCephClient implements CephClient {

  /** The CLI's own limit for reaching the monitors. */
  static final int CONNECT_TIMEOUT_SECONDS = 15;

  /** Our limit for the whole call: a subvolume rm can wait seconds for the mgr's purge threads. */
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static final Pattern CEPH_ERROR = Pattern.compile("(?m)^Error (E[A-Z]+): ?(.*)$");
  private static final Pattern RADOS_ERROR = Pattern.compile("\\[errno (\\d+)\\] ?(.*)");

  private final CommandRunner runner;
  private final String monitors;
  private final Keyrings keyrings;

  CliCephClient(CommandRunner runner, List<String> monitors, Keyrings keyrings) {
    this.runner = runner;
    this.monitors = String.join(",", monitors);
    this.keyrings = keyrings;
  }

  @Override
  public String run(CephCommand command, CephCredentials credentials) {
    String name = UUID.randomUUID().toString();
    Path keyring = keyrings.write(name, credentials);
    try {
      List<String> argv =
          new ArrayList<>(
              List.of(
                  "ceph",
                  "--conf=/dev/null", // only what we pass counts, not a stray /etc/ceph/ceph.conf
                  "--mon-host=" + monitors,
                  "--name=" + credentials.entity(),
                  "--keyring=" + keyring,
                  "--connect-timeout=" + CONNECT_TIMEOUT_SECONDS,
                  "--format=json"));
      argv.addAll(command.cliWords());
      Command cmd =
          Command.of(argv).withTimeout(TIMEOUT).withSecrets(Set.of(credentials.key().base64()));
      return runner.run(cmd).stdout();
    } catch (CommandFailedException e) {
      throw error(command, e.result());
    } finally {
      keyrings.delete(name);
    }
  }

  /** Turns the CLI's complaint into a CephError with the errno it reported. */
  static CephError error(CephCommand command, CommandResult result) {
    String stderr = result.stderr().strip();
    int errno;
    String message;
    Matcher ceph = CEPH_ERROR.matcher(stderr);
    Matcher rados = RADOS_ERROR.matcher(stderr);
    if (ceph.find()) {
      errno = CephError.errnoOf(ceph.group(1));
      if (errno < 0) {
        errno = result.exitCode();
      }
      message = ceph.group(2).strip();
      if (message.startsWith("Traceback")) {
        // a mgr module crashed; its last line says why
        List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
        message = lines.get(lines.size() - 1).strip();
      }
    } else if (rados.find()) {
      errno = Integer.parseInt(rados.group(1));
      message = rados.group(2).strip();
    } else if (stderr.contains("timed out")) {
      errno = CephError.ETIMEDOUT;
      message = "timed out connecting to the monitors";
    } else {
      errno = result.exitCode() > 0 && result.exitCode() < 256 ? result.exitCode() : CephError.EIO;
      message =
          stderr.isEmpty()
              ? "exit code " + result.exitCode()
              : stderr.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse(stderr);
    }
    if (message.length() > 300) {
      message = message.substring(0, 300) + "…";
    }
    return new CephError(errno, command.describe() + ": " + message);
  }

  /** Removes the keyrings' directory, empty once no command runs. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(keyrings.dir());
    } catch (IOException e) {
      // not empty (a keyring that could not be deleted) or gone: it is private either way
    }
  }
}
