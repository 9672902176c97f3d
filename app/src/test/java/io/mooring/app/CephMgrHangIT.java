package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.ListVolumesRequest;
import csi.v1.Csi.ProbeRequest;
import csi.v1.IdentityGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mooring.testing.GlusterFixture;
import io.mooring.testing.StorageHost;
import io.mooring.volume.VolumeId;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: a hung mgr never takes the controller down. The storage host's ceph-mgr is stopped
 * (SIGSTOP: the monitors still answer, the mgr keeps its connections and answers nothing) under the
 * real controller program while CreateVolume and DeleteVolume run, while a second controller is
 * SIGTERMed with a create hanging in the mgr, and for longer than the mgr beacon grace (30 s), so
 * that the monitors mark it failed and it respawns once thawed. Every call answers within its
 * deadline with DEADLINE_EXCEEDED or UNAVAILABLE, the controller is not ready and says the mgr does
 * not answer, the SIGTERMed one exits within its grace as the JVM does for SIGTERM (143), and once
 * the mgr is back the retried creates converge: each volume once, no orphan subvolume or record.
 */
class CephMgrHangIT {

  /** The controller's --shutdown-grace (its default). */
  private static final Duration GRACE = Duration.ofSeconds(10);

  /** Longer than the mgr beacon grace (30 s): the monitors drop the mgr meanwhile. */
  private static final Duration STOPPED = Duration.ofSeconds(40);

  private static final Pattern SUBVOLUME_NAME = Pattern.compile("\"name\":\\s*\"([^\"]+)\"");

  Path dir;
  Path backends;
  String group;
  Map<String, String> secrets;
  final List<RunningPlugin> plugins = new ArrayList<>();
  StorageHost.Frozen mgr;
  final ExecutorService calls = Executors.newCachedThreadPool();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("mo").toRealPath();
    CephAdmin admin = CephAdmin.ofFixture();
    secrets = admin.secrets();
    Path secretDir = admin.writeSecretDir(dir.resolve("secret"));
    group = "hung-" + UUID.randomUUID().toString().substring(0, 8);
    backends =
        Files.writeString(
            dir.resolve("backends.yaml"),
            """
            backends:
              - name: ceph-hung
                type: cephfs
                monitors: [%s]
                fsName: %s
                subvolumeGroup: %s
                adminSecretDir: %s
            """
                .formatted(System.getenv("CEPH_MONITORS"), fs(), group, secretDir));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mgr != null) {
      mgr.close();
    }
    calls.shutdownNow();
    for (RunningPlugin plugin : plugins) {
      plugin.close();
      System.out.println("--- " + plugin.log + "\n" + plugin.log());
    }
    // what a failed run left, once the mgr answers again
    for (int i = 0; i < 60 && !mgrAvailable(); i++) {
      Thread.sleep(1000);
    }
    try {
      subvolumes().forEach(s -> ceph("fs", "subvolume", "rm", fs(), s, group));
      ceph("fs", "subvolumegroup", "rm", fs(), group, "--force");
      rados("rm");
    } catch (RuntimeException nothingMade) {
      // no group, or no records: the test failed before it made them
    }
    GlusterFixture.run("rm", "-rf", dir.toString());
  }

  @Test
  void aStoppedMgrCostsCallsSecondsAndNeitherCrashesTheControllerNorHoldsUpItsShutdown()
      throws Exception {
    int health = freePort();
    RunningPlugin controller = start("a", "--health-address", "127.0.0.1:" + health);
    String a = create(controller, "pvc-hung-a", 60).getVolume().getVolumeId();
    waitFor(30, "the controller is ready", () -> probe(controller));

    mgr = StorageHost.freezeMgr();
    long stopped = System.nanoTime();
    Future<Answer> createB = timed(() -> create(controller, "pvc-hung-b", 30), 30);
    Future<Answer> createC = timed(() -> create(controller, "pvc-hung-c", 4), 4);
    Future<Answer> deleteA = timed(() -> delete(controller, a, 30), 30);
    Map<String, Answer> answers = new TreeMap<>();
    answers.put("CreateVolume b (30 s)", createB.get());
    answers.put("CreateVolume c (4 s)", createC.get());
    answers.put("DeleteVolume a (30 s)", deleteA.get());
    answers.put(
        "CreateVolume e (30 s), after",
        timed(() -> create(controller, "pvc-hung-e", 30), 30).get());
    answers.forEach((call, answer) -> System.out.printf("mgr stopped: %s: %s%n", call, answer));
    answers.forEach(
        (call, answer) -> {
          assertTrue(
              answer.code == Status.Code.DEADLINE_EXCEEDED
                  || answer.code == Status.Code.UNAVAILABLE,
              call + ": " + answer);
          assertTrue(answer.ms <= answer.deadlineMs + 1000, call + " outlived its deadline");
          assertTrue(
              answer.code != Status.Code.UNAVAILABLE || answer.message.contains("mgr"),
              call + " does not say the mgr does not answer: " + answer);
        });
    assertEquals(Status.Code.DEADLINE_EXCEEDED, answers.get("CreateVolume c (4 s)").code);
    assertTrue(
        answers.get("CreateVolume b (30 s)").ms < 20_000, "a stopped mgr is found out in seconds");
    assertTrue(answers.get("CreateVolume e (30 s), after").ms < 2_000, "then calls fail at once");

    String[] reason = {""};
    long notReadyMs =
        waitFor(
            30,
            "/readyz names the mgr",
            () -> !probe(controller) && (reason[0] = readyz(health)).contains("mgr"));
    System.out.printf(
        "mgr stopped: Probe not ready, /readyz after %d ms: %s%n", notReadyMs, reason[0]);

    terminateWithACreateHangingInTheMgr();

    long rest = STOPPED.toNanos() - (System.nanoTime() - stopped);
    Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(rest)));
    mgr.close();
    mgr = null;
    long resumed = System.nanoTime();
    Map<String, String> ids = new TreeMap<>();
    for (String name : List.of("pvc-hung-b", "pvc-hung-c", "pvc-hung-d", "pvc-hung-e")) {
      ids.put(name, untilOk(() -> create(controller, name, 30).getVolume().getVolumeId()));
    }
    long convergedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);
    untilOk(() -> delete(controller, a, 30));
    System.out.printf(
        "mgr thawed after %d s: the retried creates converged within %d ms%n",
        STOPPED.toSeconds(), convergedMs);
    assertTrue(controller.process.isAlive(), "the controller never went down");
    assertEquals(Set.copyOf(ids.values()).size(), ids.size(), "one volume per name: " + ids);
    assertEquals(dirs(ids.values().stream()), subvolumes(), "each volume once on Ceph");
    assertEquals(dirs(ids.values().stream()), listVolumes(controller), "ListVolumes says so too");
    for (String id : ids.values()) {
      untilOk(() -> delete(controller, id, 30));
    }
    assertEquals(Set.of(), subvolumes(), "no orphan subvolume");
    assertFalse(rados("listomapkeys").matches("(?s).*(volume|reserved)\\..*"), "no record is left");
  }

  /**
   * A second controller (its breaker closed) gets a CreateVolume that hangs in the mgr and then
   * SIGTERM: it exits within its grace, as the JVM does on SIGTERM, without a native crash.
   */
  void terminateWithACreateHangingInTheMgr() throws Exception {
    RunningPlugin second = start("b", "--shutdown-grace", GRACE.toSeconds() + "s");
    Future<Answer> createD = timed(() -> create(second, "pvc-hung-d", 60), 60);
    Thread.sleep(3000); // reserved, and subvolume create sent to the stopped mgr
    long term = System.nanoTime();
    second.process.destroy();
    boolean exited = second.process.waitFor(GRACE.toSeconds() + 5, TimeUnit.SECONDS);
    long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - term);
    Answer d = createD.get();
    System.out.printf(
        "mgr stopped: SIGTERM with a create in the mgr: exit %s after %d ms; the create: %s%n",
        exited ? second.process.exitValue() : "none", exitMs, d);
    assertTrue(exited && exitMs <= GRACE.toMillis() + 1000, "exited within its grace: " + exitMs);
    assertEquals(143, second.process.exitValue(), "the JVM's status for SIGTERM");
    assertTrue(d.code != Status.Code.OK && d.code != Status.Code.INTERNAL, d.toString());
    String log = second.log();
    assertFalse(log.contains("double free") || log.contains("fatal error"), log);
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(), files.filter(f -> f.toString().contains("hs_err")).toList());
    }
  }

  RunningPlugin start(String name, String... flags) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "controller",
                "--backends",
                backends.toString(),
                "--state-dir",
                dir.resolve("state-" + name).toString()));
    args.addAll(List.of(flags));
    RunningPlugin plugin =
        RunningPlugin.start(
            List.of("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log")),
            dir.resolve("csi-" + name + ".sock"),
            dir.resolve("controller-" + name + ".log"),
            args.toArray(String[]::new));
    plugins.add(plugin);
    return plugin;
  }

  csi.v1.Csi.CreateVolumeResponse create(RunningPlugin plugin, String name, int seconds) {
    return controller(plugin, seconds)
        .createVolume(
            CreateVolumeRequest.newBuilder()
                .setName(name)
                .addVolumeCapabilities(NodeRestartIT.RWX)
                .putAllSecrets(secrets)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(4L << 20))
                .build());
  }

  Object delete(RunningPlugin plugin, String id, int seconds) {
    return controller(plugin, seconds)
        .deleteVolume(
            DeleteVolumeRequest.newBuilder().setVolumeId(id).putAllSecrets(secrets).build());
  }

  static ControllerGrpc.ControllerBlockingStub controller(RunningPlugin plugin, int seconds) {
    return ControllerGrpc.newBlockingStub(plugin.channel())
        .withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }

  static boolean probe(RunningPlugin plugin) {
    return IdentityGrpc.newBlockingStub(plugin.channel())
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .probe(ProbeRequest.getDefaultInstance())
        .getReady()
        .getValue();
  }

  String readyz(int port) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      return e.toString();
    }
  }

  /** How a call answered, and when. */
  record Answer(Status.Code code, String message, long ms, long deadlineMs) {
    @Override
    public String toString() {
      return code + " after " + ms + " ms: " + message;
    }
  }

  Future<Answer> timed(Callable<?> call, int deadlineSeconds) {
    return calls.submit(
        () -> {
          long t0 = System.nanoTime();
          Status status;
          try {
            call.call();
            status = Status.OK;
          } catch (StatusRuntimeException e) {
            status = e.getStatus();
          }
          return new Answer(
              status.getCode(),
              String.valueOf(status.getDescription()),
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
              deadlineSeconds * 1000L);
        });
  }

  /** Calls until OK, as the provisioner does: retrying the codes that say "maybe later". */
  static <T> T untilOk(Callable<T> call) throws Exception {
    long t0 = System.nanoTime();
    while (true) {
      try {
        return call.call();
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        assertTrue(
            code == Status.Code.UNAVAILABLE
                || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.ABORTED,
            "a final error: " + e.getStatus());
        assertTrue(System.nanoTime() - t0 < 120_000_000_000L, "no success within 120 s: " + e);
        Thread.sleep(1000);
      }
    }
  }

  static long waitFor(int seconds, String what, Callable<Boolean> ok) throws Exception {
    long t0 = System.nanoTime();
    while (!ok.call()) {
      assertTrue(System.nanoTime() - t0 < seconds * 1_000_000_000L, what + " within " + seconds);
      Thread.sleep(250);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  static Set<String> listVolumes(RunningPlugin plugin) {
    return dirs(
        controller(plugin, 30)
            .listVolumes(ListVolumesRequest.getDefaultInstance())
            .getEntriesList()
            .stream()
            .map(e -> e.getVolume().getVolumeId()));
  }

  static Set<String> dirs(Stream<String> ids) {
    return ids.map(id -> VolumeId.lookup(id).orElseThrow().dir())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  Set<String> subvolumes() {
    Set<String> names = new TreeSet<>();
    Matcher m =
        SUBVOLUME_NAME.matcher(ceph("fs", "subvolume", "ls", fs(), group, "--format", "json"));
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  static boolean mgrAvailable() {
    try {
      return ceph("mgr", "stat", "--format", "json").contains("\"available\":true");
    } catch (RuntimeException e) {
      return false;
    }
  }

  String rados(String op) {
    return GlusterFixture.run(
        "rados",
        "-c",
        System.getenv("CEPH_CONF"),
        "-p",
        "cephfs." + fs() + ".meta",
        "-N",
        "mooring",
        op,
        "volumes." + group);
  }

  static String ceph(String... args) {
    List<String> argv = new ArrayList<>(List.of("ceph", "--conf", System.getenv("CEPH_CONF")));
    argv.addAll(List.of(args));
    return GlusterFixture.run(argv.toArray(String[]::new));
  }

  static String fs() {
    return System.getenv().getOrDefault("CEPH_FS", "cephfs");
  }

  static int freePort() throws Exception {
    try (ServerSocket free = new ServerSocket(0)) {
      return free.getLocalPort();
    }
  }
}
