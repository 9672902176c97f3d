package io.mooring.controller.backend.gluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mooring.controller.config.FixtureBackends;
import io.mooring.controller.config.GlusterConfig;
import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.mount.SystemMounter;
import io.mooring.testing.GlusterFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the controller manages a real Gluster server apart from this host: over SSH through the gate
 * (whose log proves the path taken), and what it says when glusterd refuses or cannot be reached.
 */
class GlusterManagementIT {

  Path stateDir;
  final List<GlusterBackend> backends = new ArrayList<>();
  Process relay;

  @BeforeEach
  void stateDir() throws IOException {
    stateDir = Files.createTempDirectory("mgmt"); // short: ssh's sockets go below
  }

  @AfterEach
  void cleanUp() {
    backends.forEach(GlusterBackend::close);
    if (relay != null) {
      relay.descendants().forEach(ProcessHandle::destroyForcibly);
      relay.destroyForcibly();
    }
    GlusterFixture.run("rm", "-rf", "--one-file-system", stateDir.toString());
  }

  GlusterBackend backend(GlusterConfig config) {
    GlusterBackend backend =
        GlusterBackend.create(
            config,
            new ProcessCommandRunner(),
            new SystemMounter(new ProcessCommandRunner()),
            stateDir);
    backends.add(backend);
    return backend;
  }

  static GlusterConfig.Ssh ssh() {
    assumeTrue(
        FixtureBackends.management() instanceof GlusterConfig.Ssh,
        "the fixture gives no ssh access (GLUSTER_SSH_KEY)");
    return (GlusterConfig.Ssh) FixtureBackends.management();
  }

  static GlusterConfig config(List<String> servers, GlusterConfig.Management management) {
    return new GlusterConfig(
        "mgmt", servers, GlusterFixture.volume(), "/mgmt-it", management, Map.of());
  }

  static String gateLog() throws IOException {
    String log = System.getenv("GLUSTER_GATE_LOG");
    assumeTrue(log != null, "GLUSTER_GATE_LOG not set");
    return Files.exists(Path.of(log)) ? Files.readString(Path.of(log)) : "";
  }

  @Test
  void quotasAreEnabledOverSshThroughTheGate() throws IOException {
    ssh();
    int before = gateLog().length();
    GlusterBackend backend = backend(FixtureBackends.gluster("mgmt", "/mgmt-it"));
    assertEquals(Optional.empty(), backend.checkManagement());
    String vol = GlusterFixture.volume();
    String logged = gateLog().substring(before);
    assertTrue(
        logged.contains(
            "allowed: 'gluster' '--mode=script' '--xml' 'volume' 'quota' '" + vol + "' 'enable'"),
        logged);
    assertTrue(
        logged.contains(
            "allowed: 'gluster' '--mode=script' '--xml' 'volume' 'set' '"
                + vol
                + "' 'features.quota-deem-statfs' 'on'"),
        logged);
    String options = GlusterFixture.gluster("volume", "get", vol, "all");
    assertTrue(options.matches("(?s).*features\\.quota\\s+on.*"), options);
    assertTrue(options.matches("(?s).*features\\.quota-deem-statfs\\s+on.*"), options);
    // Then Probe's check is read-only and answered from the cache for a while.
    assertEquals(Optional.empty(), backend.checkManagement());
    assertTrue(gateLog().substring(before).contains("'volume' 'info' '" + vol + "'"));
    assertEquals(Optional.empty(), backend.unhealthyReason());
  }

  /** A quota call over ssh with a new connection, then over the master connection. */
  @Test
  void theConnectionIsKeptOpen() throws IOException {
    GlusterConfig.Ssh ssh = ssh();
    Path view = GlusterFixture.mount(stateDir.resolve("view"));
    Files.createDirectories(view.resolve("mgmt-it-timing"));
    SshTransport transport =
        SshTransport.create(
            new ProcessCommandRunner(),
            List.of(GlusterFixture.server()),
            ssh,
            stateDir.resolve("ssh"));
    GlusterCli cli = new GlusterCli(transport, GlusterFixture.volume());
    try {
      cli.enableQuota();
      transport.close();
      long fresh = timed(() -> cli.limitUsage("/mgmt-it-timing", 1 << 20));
      List<Long> multiplexed = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        multiplexed.add(timed(() -> cli.limitUsage("/mgmt-it-timing", 1 << 20)));
      }
      System.out.printf(
          "quota limit-usage over ssh: fresh %d ms, multiplexed %s ms%n", fresh, multiplexed);
      assertTrue(
          multiplexed.stream().sorted().toList().get(2) < fresh,
          "median multiplexed < fresh: " + fresh + " " + multiplexed);
      cli.removeLimit("/mgmt-it-timing");
    } finally {
      cli.close();
      GlusterFixture.run("rm", "-rf", view.resolve("mgmt-it-timing").toString());
      GlusterFixture.unmountQuietly(view);
    }
  }

  static long timed(Runnable call) {
    long start = System.nanoTime();
    call.run();
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void aServerSshCannotReachIsSkipped() throws IOException {
    GlusterConfig.Ssh ssh = ssh();
    GlusterBackend down = backend(config(List.of("127.0.0.1"), ssh));
    String reason = down.checkManagement().orElseThrow();
    assertTrue(
        reason.startsWith(
            "cannot run `gluster volume quota "
                + GlusterFixture.volume()
                + " enable` over ssh as "
                + ssh.user()
                + ": 127.0.0.1: "),
        reason);

    GlusterBackend failover = backend(config(List.of("127.0.0.1", GlusterFixture.server()), ssh));
    assertEquals(Optional.empty(), failover.checkManagement());
  }

  @Test
  void anUnpinnedHostKeyIsAConfigurationProblem() throws IOException {
    GlusterConfig.Ssh ssh = ssh();
    Path other = stateDir.resolve("other");
    GlusterFixture.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString());
    String key = Files.readString(other.resolveSibling("other.pub")).split(" ")[1];
    Path knownHosts =
        Files.writeString(
            stateDir.resolve("known_hosts"),
            GlusterFixture.server() + " ssh-ed25519 " + key + "\n");
    GlusterBackend backend =
        backend(
            config(
                List.of(GlusterFixture.server()),
                new GlusterConfig.Ssh(
                    ssh.user(), ssh.port(), ssh.keyFile(), knownHosts.toString())));
    StorageException e =
        assertThrows(
            StorageException.class,
            () -> backend.create("pvc-x-0011223344556677", "x", 1 << 20, Map.of(), Map.of()));
    assertEquals(StorageException.Kind.FAILED_PRECONDITION, e.kind());
    assertTrue(
        e.getMessage().contains("its host key is not the one pinned in " + knownHosts),
        e.getMessage());
    assertFalse(
        e.getMessage()
            .contains(
                Files.readString(Path.of(ssh.keyFile())).lines().skip(1).findFirst().orElseThrow()),
        "no key material");
  }

  /** The gate on the server runs nothing but Mooring's commands. */
  @Test
  void theGateOnTheServerRefusesAnythingElse() throws IOException {
    GlusterConfig.Ssh ssh = ssh();
    int before = gateLog().length();
    SshTransport transport =
        new SshTransport(
            new ProcessCommandRunner(), List.of(GlusterFixture.server()), ssh, stateDir);
    List<String> argv =
        new ArrayList<>(transport.argv(GlusterFixture.server(), GlusterCommand.info("x")));
    argv.set(
        argv.size() - 1,
        SshTransport.quote(List.of("gluster", "volume", "stop", GlusterFixture.volume())));
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () ->
                new ProcessCommandRunner()
                    .run(Command.of(argv).withTimeout(Duration.ofSeconds(20))));
    assertEquals(SshTransport.GATE_EXIT, e.result().exitCode());
    assertTrue(
        e.result().stderr().startsWith("mooring-gluster-gate: refused: "), e.result().stderr());
    assertTrue(
        gateLog()
            .substring(before)
            .contains(
                "refused (not a 'gluster --mode=script --xml volume' command):"
                    + " 'gluster' 'volume' 'stop' '"
                    + GlusterFixture.volume()
                    + "'"),
        gateLog());
  }

  /** A unix socket here whose connections socat relays to {@code target} (a socat address). */
  Path relay(String target) throws Exception {
    Path socket = stateDir.resolve("relay.sock");
    relay =
        new ProcessBuilder("socat", "UNIX-LISTEN:" + socket + ",fork", target)
            .redirectErrorStream(true)
            .redirectOutput(stateDir.resolve("socat.log").toFile())
            .start();
    for (int i = 0; i < 50 && !Files.exists(socket); i++) {
      Thread.sleep(100);
    }
    return socket;
  }

  GlusterBackend local(Path socket) {
    return backend(
        config(List.of(GlusterFixture.server()), new GlusterConfig.Local(socket.toString())));
  }

  /**
   * The real refusal: glusterd serves a CLI that comes over TCP read-only. The relay gives the CLI
   * a unix socket that leads to the server's TCP port, as --remote-host does.
   */
  @Test
  void aCliThatGlusterdServesReadOnlyIsToldWhatToSet() throws Exception {
    Path socket = relay("TCP:" + GlusterFixture.server() + ":24007");
    GlusterBackend backend = local(socket);
    String reason = backend.checkManagement().orElseThrow();
    assertEquals(
        "glusterd at "
            + socket
            + " refused `gluster volume quota "
            + GlusterFixture.volume()
            + " enable` without a reason: glusterd serves CLI calls that do not come over its unix"
            + " socket read-only ('svc cli read-only' in glusterd.log); use management: ssh, or run"
            + " the controller on a Gluster server with management: local and glusterd's socket"
            + " mounted",
        reason);
    assertEquals(Optional.of(reason), backend.unhealthyReason(), "Probe tells the same");
  }

  /**
   * management: local as on a Gluster server: the relay leads to glusterd's own unix socket there.
   */
  @Test
  void aCliOverGlusterdsOwnSocketManages() throws Exception {
    String holder = System.getenv("STORAGE_HOLDER_PID");
    assumeTrue(holder != null, "STORAGE_HOLDER_PID not set");
    Path socket =
        relay(
            "EXEC:nsenter -t "
                + holder
                + " -m -n -- socat STDIO UNIX-CONNECT\\:"
                + GlusterConfig.Local.DEFAULT_SOCKET);
    assertEquals(Optional.empty(), local(socket).checkManagement());
  }
}
