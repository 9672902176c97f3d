package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real plugin program in a child JVM, and a CSI channel to its unix socket. */
final class RunningPlugin implements AutoCloseable {

  final Process process;
  final Path socket;
  final Path log;
  private final EpollEventLoopGroup group = new EpollEventLoopGroup(1);
  private ManagedChannel channel;

  private RunningPlugin(Process process, Path socket, Path log) {
    this.process = process;
    this.socket = socket;
    this.log = log;
  }

  /** Starts {@code mooring <args>} serving on {@code socket}; returns once the socket answers. */
  static RunningPlugin start(Path socket, Path log, String... args) throws Exception {
    return start(List.of(), socket, log, args);
  }

  /** The same, with these flags for the child JVM. */
  static RunningPlugin start(List<String> jvmFlags, Path socket, Path log, String... args)
      throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    argv.addAll(jvmFlags);
    argv.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    argv.addAll(List.of(args));
    argv.addAll(List.of("--endpoint", "unix://" + socket));
    return launch(argv, Map.of(), socket, log);
  }

  /**
   * Runs {@code argv} (a plugin serving on {@code socket}, however started); returns once it
   * serves.
   */
  static RunningPlugin launch(List<String> argv, Map<String, String> env, Path socket, Path log)
      throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    Process process = builder.start();
    RunningPlugin plugin = new RunningPlugin(process, socket, log);
    for (int i = 0; i < 400 && !plugin.log().contains(" serving mode="); i++) {
      assertTrue(process.isAlive(), () -> "plugin died: " + plugin.log());
      Thread.sleep(50);
    }
    assertTrue(Files.exists(socket), () -> "no socket after 20 s: " + plugin.log());
    return plugin;
  }

  /** The channel to the socket; callers on several threads share it. */
  synchronized ManagedChannel channel() {
    if (channel == null) {
      channel =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
              .eventLoopGroup(group)
              .channelType(EpollDomainSocketChannel.class)
              .usePlaintext()
              .build();
    }
    return channel;
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (Exception e) {
      return e.toString();
    }
  }

  /** SIGTERM, as the kubelet or a rolling update sends it. */
  boolean terminate() throws InterruptedException {
    closeChannel();
    process.destroy();
    return process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGKILL: a crash or OOM kill. */
  void kill() throws InterruptedException {
    closeChannel();
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  private synchronized void closeChannel() {
    if (channel != null) {
      channel.shutdownNow();
      channel = null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      terminate();
    }
    closeChannel();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
