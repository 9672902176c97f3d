package io.mooring.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The raw Gluster baseline's way to glusterd on the storage host, the connection the driver's
 * management uses (io.mooring.controller.backend.gluster.SshTransport; keep the options in step):
 * the OpenSSH client in batch mode, key authentication only, the host key pinned in a known_hosts
 * file, and one master connection (ControlMaster, opened before the timed calls and kept until
 * {@link #close}, as a long-running controller keeps its) over which every call is a session of its
 * own. The command goes as single-quoted words, the only form the storage host's management gate
 * (the key's forced command, scripts/mooring-gluster-gate) takes. sshd's MaxSessions (64 on the
 * storage host) caps the sessions in flight over one connection; beyond that OpenSSH falls back to
 * a connection of its own, which sshd's MaxStartups drops at random under a burst (seen at
 * concurrency 100). So calls wait for one of the connection's sessions, as a client that knows the
 * limit would; the wait is part of their time.
 */
final class SshLink implements RawClient.Reach, AutoCloseable {

  private static final long TIMEOUT_S = 30;

  /** sshd's MaxSessions on the storage host (scripts/lib/storage-host-common.sh). */
  static final int MAX_SESSIONS = 64;

  private final BenchOptions.Gluster gluster;
  private final Path controlPath;
  private final Semaphore sessions = new Semaphore(MAX_SESSIONS, true);

  /**
   * @param dir a private dir for the control socket (a short path: unix sockets take ~100 bytes)
   */
  SshLink(BenchOptions.Gluster gluster, Path dir) {
    this.gluster = gluster;
    this.controlPath = dir.resolve("master");
  }

  /** Opens the master connection. */
  void open() throws IOException, InterruptedException {
    Files.createDirectories(controlPath.getParent());
    List<String> argv = client("yes");
    argv.addAll(
        List.of("-f", "-N", "--", gluster.server())); // -f: into the background once authenticated
    Exec.Outcome out = Exec.run(argv, TIMEOUT_S);
    if (out.exit() != 0) {
      throw new IOException(
          "ssh to "
              + gluster.sshUser()
              + "@"
              + gluster.server()
              + " for the raw baseline: exit "
              + out.exit()
              + ": "
              + out.output().strip());
    }
  }

  /**
   * {@code ssh OPTIONS -- HOST 'WORD' 'WORD'...}: a session over the master (or a connection of its
   * own).
   */
  @Override
  public List<String> argv(List<String> command) {
    List<String> argv = client("auto");
    argv.addAll(List.of("-T", "--", gluster.server(), remoteLine(command)));
    return argv;
  }

  @Override
  public Exec.Outcome run(List<String> command, long timeoutSeconds)
      throws IOException, InterruptedException {
    sessions.acquire();
    try {
      return Exec.run(argv(command), timeoutSeconds);
    } finally {
      sessions.release();
    }
  }

  /**
   * The remote command line as the gate parses it: each word in single quotes, one space between.
   * The baseline's words never hold a quote (nor do any the gate lets through).
   */
  static String remoteLine(List<String> words) {
    for (String w : words) {
      if (w.indexOf('\'') >= 0) {
        throw new IllegalArgumentException("a quote in '" + w + "'");
      }
    }
    return "'" + String.join("' '", words) + "'";
  }

  /** The client with no configuration file but these options. */
  private List<String> client(String master) {
    return new ArrayList<>(
        List.of(
            "ssh",
            "-F",
            "/dev/null",
            "-l",
            gluster.sshUser(),
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityFile=" + gluster.sshKey(),
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "UserKnownHostsFile=" + gluster.knownHosts(),
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
            "ControlMaster=" + master,
            "-o",
            "ControlPath=" + controlPath,
            "-o",
            "ControlPersist=yes",
            "-o",
            "LogLevel=ERROR"));
  }

  /** Ends the master connection. */
  @Override
  public void close() throws IOException, InterruptedException {
    List<String> argv = client("no");
    argv.addAll(List.of("-O", "exit", "--", gluster.server()));
    Exec.run(argv, TIMEOUT_S);
  }
}
