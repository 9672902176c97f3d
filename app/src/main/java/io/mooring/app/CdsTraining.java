package io.mooring.app;

import csi.v1.Csi.GetPluginCapabilitiesRequest;
import csi.v1.Csi.GetPluginInfoRequest;
import csi.v1.Csi.NodeGetCapabilitiesRequest;
import csi.v1.Csi.NodeGetInfoRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.ProbeRequest;
import csi.v1.IdentityGrpc;
import csi.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes an AppCDS archive (JDK 17: -XX:ArchiveClassesAtExit) for the jar this class runs from: a
 * node plugin is started from that jar with the given JVM flags, answers the calls the kubelet and
 * the sidecars make first, and is stopped with SIGTERM, at which the JVM writes the archive. The
 * archive is written to a temporary file and renamed into place, so concurrent trainings do not
 * clash. Use it with {@code java -XX:SharedArchiveFile=ARCHIVE ... -jar JAR}; a JVM given an
 * archive of another jar (path, size or mtime) says so in one warning line and runs without it.
 *
 * <p>Usage: {@code java -cp JAR io.mooring.app.CdsTraining ARCHIVE [JVM FLAGS...]}, run by
 * scripts/mooring (once per build) and the Dockerfile (once per image). It is part of the launcher,
 * not of a plugin: no plugin mode ever loads it.
 */
public final class CdsTraining {

  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: CdsTraining ARCHIVE [JVM FLAGS...]");
      System.exit(2);
    }
    Path archive = Path.of(args[0]).toAbsolutePath();
    Path jar =
        Path.of(CdsTraining.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path tmp = Files.createTempDirectory("mooring-cds");
    long t0 = System.nanoTime();
    int rc = 1;
    try {
      Path trained = tmp.resolve("archive.jsa");
      Path socket = tmp.resolve("node.sock");
      Path log = tmp.resolve("plugin.log");
      List<String> argv =
          new ArrayList<>(
              List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
      argv.addAll(List.of(args).subList(1, args.length));
      // The dump warns about every class it cannot archive (picocli is Java 5 bytecode).
      argv.addAll(
          List.of(
              "-XX:ArchiveClassesAtExit=" + trained,
              "-Xlog:cds=off",
              "-Xlog:cds+dynamic=off",
              "-jar",
              jar.toString(),
              "node",
              "--endpoint",
              "unix://" + socket,
              "--state-dir",
              tmp.resolve("state").toString(),
              "--node-id",
              "cds-training"));
      Process plugin =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
              .start();
      EpollEventLoopGroup group = new EpollEventLoopGroup(1);
      try {
        train(group, socket, plugin);
      } finally {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        plugin.destroy();
        if (!plugin.waitFor(60, TimeUnit.SECONDS)) {
          plugin.destroyForcibly();
        }
      }
      if (!Files.isRegularFile(trained) || Files.size(trained) == 0) {
        System.err.println(
            "CdsTraining: the plugin wrote no archive; its output:\n" + Files.readString(log));
        return;
      }
      Path next =
          archive.resolveSibling(archive.getFileName() + ".tmp" + ProcessHandle.current().pid());
      Files.move(trained, next, StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          next, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      System.err.printf(
          "CdsTraining: wrote %s (%.1f MiB) in %.1f s%n",
          archive, Files.size(archive) / 1048576.0, (System.nanoTime() - t0) / 1e9);
      rc = 0;
    } finally {
      deleteTree(tmp);
      System.exit(rc);
    }
  }

  /** The first calls a node plugin answers: registration, liveness, and one refused request. */
  private static void train(EpollEventLoopGroup group, Path socket, Process plugin)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(socket)) {
      if (!plugin.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the node plugin did not start");
      }
      Thread.sleep(20);
    }
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .build();
    try {
      for (int i = 0; ; i++) {
        try {
          IdentityGrpc.newBlockingStub(channel)
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .probe(ProbeRequest.getDefaultInstance());
          break;
        } catch (StatusRuntimeException e) {
          if (i > 100) {
            throw e;
          }
          Thread.sleep(50);
        }
      }
      IdentityGrpc.IdentityBlockingStub identity = IdentityGrpc.newBlockingStub(channel);
      NodeGrpc.NodeBlockingStub node = NodeGrpc.newBlockingStub(channel);
      for (int i = 0; i < 20; i++) {
        identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
        identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance());
        node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
        node.nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance());
        identity.probe(ProbeRequest.getDefaultInstance());
        try {
          node.nodeUnstageVolume(
              NodeUnstageVolumeRequest.newBuilder()
                  .setVolumeId("not-a-volume")
                  .setStagingTargetPath("/nonexistent/cds-training")
                  .build());
        } catch (StatusRuntimeException expected) {
          // the error path: validation, error mapping, a non-OK status
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind
    }
  }
}
