package io.mooring.node;

import static io.mooring.node.Waits.read;
import static io.mooring.node.Waits.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode.Mode;
import csi.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mooring.events.ClusterEvents;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.mount.FuseClients;
import io.mooring.mount.MountTable;
import io.mooring.mount.SystemMounter;
import io.mooring.rpc.Metrics;
import io.mooring.testing.GlusterFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * glusterfs clients in memory cgroups of their own, on the real Gluster volume: a client that
 * outgrows its limit is OOM-killed alone and healed; its cache bounds keep it small. Needs root,
 * /dev/fuse, a writable memory cgroup (v1 or v2) and the volume of GLUSTER_SERVER/GLUSTER_VOLUME.
 *
 * <p>The load: small files (below quick-read's 64 KB max-file-size), written through another mount
 * (as by a pod on another node: files written through the same client come back from the kernel's
 * page cache), then opened by name through the client, again and again. quick-read takes a file's
 * content with the lookup of its name, which the kernel sends once its entry has expired
 * (entry-timeout: 1 s; listing the directory would renew every entry), and keeps it, up to 128 MB
 * unless bounded.
 */
class NodeMemoryIT {

  private static final Duration HEALTH_INTERVAL = Duration.ofSeconds(1);
  private static final long MIB = 1L << 20;
  private static final int FILES = 600;
  private static final int FILE_SIZE = 60_000;

  private static GlusterBase gluster;

  private Path testDir;
  private final List<ServedNode> nodes = new ArrayList<>();
  private Process reader;

  @BeforeAll
  static void setUpVolume() throws IOException {
    gluster = new GlusterBase();
  }

  @AfterAll
  static void tearDownVolume() throws IOException {
    if (gluster != null) {
      gluster.close();
    }
  }

  @BeforeEach
  void setUp(TestInfo test) throws IOException {
    testDir =
        Files.createDirectories(
            gluster.kubelet.root.resolve(test.getTestMethod().orElseThrow().getName()));
  }

  /**
   * Unmounts what a failed test left and removes the client cgroups once their clients have exited.
   */
  @AfterEach
  void tearDown() throws Exception {
    if (reader != null) {
      reader.destroyForcibly();
    }
    nodes.forEach(ServedNode::close);
    KubeletDir.unmountAllUnder(testDir);
    TestCgroups.removeAll();
  }

  @Test
  void aClientOverItsLimitIsKilledAloneAndHealed() throws Exception {
    ServedNode node =
        start("node", new ClientLimits(32 * MIB, 0, 0)); // caches at glusterfs's defaults
    String small = "mem-small";
    String calm = "mem-calm";
    String dir = volumeDir("pvc-small");
    writeFiles(gluster.dir().resolve(dir));
    stageAndPublish(node, small, dir);
    stageAndPublish(node, calm, volumeDir("pvc-calm"));
    Path target = target("pvc-small");
    Path calmTarget = target("pvc-calm");
    Cgroups cgroups = TestCgroups.find();
    ProcessHandle client = client(node, small);
    ProcessHandle calmClient = client(node, calm);
    assertInItsCgroup(cgroups, small, client, 32 * MIB);
    assertInItsCgroup(cgroups, calm, calmClient, 32 * MIB);
    assertFalse(
        Files.readString(Path.of("/proc/self/cgroup")).contains(Cgroups.CLIENTS),
        "the plugin stays out");
    String device = device(node, small);

    Files.writeString(target.resolve("marker"), "written before");
    System.out.printf("client RSS under a 32 MiB limit, before reading: %d MiB%n", rssMib(client));
    reader =
        new ProcessBuilder(
                "sh",
                "-c",
                "while :; do i=0; while [ $i -lt $2 ]; do cat \"$1/f$i\" > /dev/null"
                    + " || exit 1; i=$((i+1)); done; done",
                "sh",
                target.toString(),
                Integer.toString(FILES))
            .redirectErrorStream(true)
            .redirectOutput(testDir.resolve("reader.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (running(client) && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
    long killed = System.nanoTime();
    assertFalse(running(client), "the client outgrew its limit and was killed");
    assertTrue(reader.waitFor(30, TimeUnit.SECONDS), "the reader gives up once its client is gone");
    // ENOTCONN, or ECONNABORTED for the read caught in the abort
    assertTrue(
        read(testDir.resolve("reader.log"))
            .matches(
                "(?s).*(Transport endpoint is not connected|Software caused connection abort).*"),
        read(testDir.resolve("reader.log")));
    assertOomKilled(client);

    assertTrue(calmClient.isAlive(), "the other client lives on");
    Files.writeString(calmTarget.resolve("still"), "here");
    assertEquals("here", Files.readString(calmTarget.resolve("still")));

    waitFor(
        HEALTH_INTERVAL.multipliedBy(10),
        () ->
            !device.equals(device(node, small))
                && read(target.resolve("marker")).equals("written before"),
        "the health check remounts the client");
    System.out.printf(
        "OOM kill -> healed (%d ms health interval): %d ms%n",
        HEALTH_INTERVAL.toMillis(), (System.nanoTime() - killed) / 1_000_000);
    Files.writeString(target.resolve("after"), "healed");
    assertEquals("healed", Files.readString(target.resolve("after")));
    assertInItsCgroup(cgroups, small, client(node, small), 32 * MIB);
    assertEquals(calmClient, client(node, calm), "the other client was not touched");

    unpublishAndUnstage(node, small, "pvc-small");
    unpublishAndUnstage(node, calm, "pvc-calm");
    assertFalse(Files.exists(cgroups.dir(small)), "released with its client");
    assertFalse(Files.exists(cgroups.dir(calm)), "released with its client");
  }

  @Test
  void cacheBoundsKeepAClientSmall() throws Exception {
    String dir = volumeDir("pvc-cache");
    writeFiles(gluster.dir().resolve(dir));
    long unbounded = rssAfterReading(start("unbounded", new ClientLimits(0, 0, 0)), dir);
    long bounded = rssAfterReading(start("bounded", new ClientLimits(0, 8 * MIB, 4096)), dir);
    long defaults = rssAfterReading(start("defaults", ClientLimits.GLUSTER), dir);
    System.out.printf(
        "client RSS after reading %d files of %d bytes: %d MiB unbounded, %d MiB with an 8 MiB"
            + " cache, %d MiB with the defaults (%d MiB cache, %d inodes)%n",
        FILES,
        FILE_SIZE,
        unbounded,
        bounded,
        defaults,
        ClientLimits.GLUSTER.cacheBytes() / MIB,
        ClientLimits.GLUSTER.inodes());
    assertTrue(
        bounded + 15 < unbounded,
        "the cache bound shows: " + bounded + " vs " + unbounded + " MiB");
  }

  /**
   * The RSS of a client of its own (a backend named after the node) once it has read every file of
   * dir by name twice, each time after the kernel's entries expired.
   */
  private long rssAfterReading(ServedNode node, String dir) throws Exception {
    String backend = "mem-" + node.stateDir().getParent().getFileName();
    stageAndPublish(node, backend, dir);
    for (int pass = 0; pass < 2; pass++) {
      Thread.sleep(1100);
      for (int i = 0; i < FILES; i++) {
        Files.readAllBytes(target(dir).resolve("f" + i));
      }
    }
    long rss = rssMib(client(node, backend));
    unpublishAndUnstage(node, backend, dir);
    return rss;
  }

  private ServedNode start(String name, ClientLimits gluster) throws IOException {
    Path stateDir = testDir.resolve(name).resolve("state");
    ProcessCommandRunner runner = new ProcessCommandRunner();
    NodePlugin plugin =
        new NodePlugin(
            new NodeConfig(
                "it-" + name, stateDir, HEALTH_INTERVAL, gluster, ClientLimits.CEPH, Map.of()),
            new SystemMounter(runner),
            runner,
            Metrics.OFF,
            ClusterEvents.OFF);
    plugin.start();
    String server = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(server).directExecutor();
    plugin.services().forEach(builder::addService);
    ManagedChannel channel = InProcessChannelBuilder.forName(server).directExecutor().build();
    ServedNode node =
        new ServedNode(
            stateDir, plugin, builder.build().start(), channel, NodeGrpc.newBlockingStub(channel));
    nodes.add(node);
    return node;
  }

  private static void assertInItsCgroup(
      Cgroups cgroups, String client, ProcessHandle process, long limit) throws IOException {
    Path dir = cgroups.dir(client);
    assertTrue(
        Files.readAllLines(dir.resolve("cgroup.procs")).contains(Long.toString(process.pid())),
        client + "'s process " + process.pid() + " is in " + dir);
    String limitFile =
        Files.exists(dir.resolve("memory.max")) ? "memory.max" : "memory.limit_in_bytes";
    assertEquals(Long.toString(limit), Files.readString(dir.resolve(limitFile)).strip());
  }

  /** The kernel log names the process it killed, where the node lets us read it. */
  private static void assertOomKilled(ProcessHandle client) throws Exception {
    Process dmesg = new ProcessBuilder("dmesg").redirectErrorStream(true).start();
    String log = new String(dmesg.getInputStream().readAllBytes());
    if (dmesg.waitFor() != 0) {
      System.out.println(
          "dmesg unreadable here; not checking the kernel's OOM report: " + log.strip());
      return;
    }
    assertTrue(
        log.contains("Killed process " + client.pid() + " (glusterfs)"),
        "the kernel's OOM killer did it");
  }

  /**
   * Neither gone nor a zombie: a killed daemon waits for whoever adopted it to reap it, which can
   * take a while.
   */
  private static boolean running(ProcessHandle process) {
    String stat = read(Path.of("/proc", Long.toString(process.pid()), "stat"));
    return !stat.isEmpty() && !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
  }

  private static void writeFiles(Path dir) throws IOException {
    Random random = new Random(1);
    byte[] data = new byte[FILE_SIZE];
    for (int i = 0; i < FILES; i++) {
      random.nextBytes(data);
      Files.write(dir.resolve("f" + i), data);
    }
  }

  private static long rssMib(ProcessHandle process) throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")).stream()
        .filter(l -> l.startsWith("VmRSS:"))
        .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024)
        .findFirst()
        .orElseThrow();
  }

  private static ProcessHandle client(ServedNode node, String backend) {
    Path mountPoint = node.stateDir().resolve("mounts").resolve(backend);
    return ProcessHandle.allProcesses()
        .filter(p -> FuseClients.serves(p, mountPoint))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no glusterfs client at " + mountPoint));
  }

  private static String device(ServedNode node, String backend) {
    return MountTable.read()
        .at(node.stateDir().resolve("mounts").resolve(backend))
        .map(io.mooring.mount.MountEntry::device)
        .orElse("");
  }

  private static String volumeDir(String dir) throws IOException {
    Files.createDirectories(gluster.dir().resolve(dir));
    return dir;
  }

  private void stageAndPublish(ServedNode node, String backend, String dir) {
    VolumeCapability capability =
        VolumeCapability.newBuilder()
            .setMount(VolumeCapability.MountVolume.getDefaultInstance())
            .setAccessMode(
                VolumeCapability.AccessMode.newBuilder().setMode(Mode.MULTI_NODE_MULTI_WRITER))
            .build();
    Map<String, String> context =
        Map.of(
            "backend",
            backend,
            "type",
            "glusterfs",
            "servers",
            GlusterFixture.server(),
            "volume",
            GlusterFixture.volume(),
            "path",
            gluster.path + "/" + dir);
    node.stub()
        .nodeStageVolume(
            NodeStageVolumeRequest.newBuilder()
                .setVolumeId(id(backend, dir))
                .setStagingTargetPath(staging(dir).toString())
                .setVolumeCapability(capability)
                .putAllVolumeContext(context)
                .build());
    node.stub()
        .nodePublishVolume(
            NodePublishVolumeRequest.newBuilder()
                .setVolumeId(id(backend, dir))
                .setStagingTargetPath(staging(dir).toString())
                .setTargetPath(target(dir).toString())
                .setVolumeCapability(capability)
                .putAllVolumeContext(context)
                .build());
  }

  private void unpublishAndUnstage(ServedNode node, String backend, String dir) {
    node.stub()
        .nodeUnpublishVolume(
            NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId(id(backend, dir))
                .setTargetPath(target(dir).toString())
                .build());
    node.stub()
        .nodeUnstageVolume(
            NodeUnstageVolumeRequest.newBuilder()
                .setVolumeId(id(backend, dir))
                .setStagingTargetPath(staging(dir).toString())
                .build());
  }

  private static String id(String backend, String dir) {
    return "v1:" + backend + ":" + dir;
  }

  private Path staging(String dir) {
    return testDir.resolve("plugins/kubernetes.io/csi/mooring/" + dir + "/globalmount");
  }

  private Path target(String dir) {
    return testDir.resolve("pods/app/volumes/kubernetes.io~csi/" + dir + "/mount");
  }
}
