package io.mooring.rpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server of a plugin on a unix socket (mode 0660, stale file removed first) or a TCP port.
 * {@link #stop} stops accepting, lets in-flight RPCs finish for a bounded time, and removes the
 * socket. {@link #notServingReason} is the plugin's liveness: whether it answers CSI on its own
 * endpoint, as the kubelet and the sidecars reach it.
 */
public final class PluginServer {

  /** Within the kubelet's probe timeout (5 s in deploy/), with room for the HTTP round trip. */
  private static final Duration SELF_CHECK_DEADLINE = Duration.ofSeconds(3);

  private final Endpoint endpoint;
  private final Server server;
  private final EventLoopGroup loops;

  private PluginServer(Endpoint endpoint, Server server, EventLoopGroup loops) {
    this.endpoint = endpoint;
    this.server = server;
    this.loops = loops;
  }

  public static PluginServer start(
      Endpoint endpoint, List<BindableService> services, RpcLogInterceptor interceptor)
      throws IOException {
    NettyServerBuilder builder;
    EventLoopGroup loops = null;
    if (endpoint instanceof Endpoint.Unix unix) {
      Files.createDirectories(unix.path().toAbsolutePath().getParent());
      Files.deleteIfExists(unix.path());
      // One loop: it only moves bytes for a handful of local clients (the kubelet, the sidecars);
      // the RPCs themselves run on grpc's executor. Each further loop is an idle thread.
      loops = new EpollEventLoopGroup(1);
      builder =
          NettyServerBuilder.forAddress(new DomainSocketAddress(unix.path().toString()))
              .channelType(EpollServerDomainSocketChannel.class)
              .bossEventLoopGroup(loops)
              .workerEventLoopGroup(loops);
    } else {
      Endpoint.Tcp tcp = (Endpoint.Tcp) endpoint;
      builder = NettyServerBuilder.forAddress(new InetSocketAddress(tcp.host(), tcp.port()));
    }
    for (BindableService service : services) {
      builder.addService(ServerInterceptors.intercept(service, interceptor));
    }
    Server server = builder.build().start();
    if (endpoint instanceof Endpoint.Unix unix) {
      Files.setPosixFilePermissions(unix.path(), PosixFilePermissions.fromString("rw-rw----"));
    }
    return new PluginServer(endpoint, server, loops);
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  /** Port actually bound, for {@code tcp://host:0}. */
  public int port() {
    return server.getPort();
  }

  /**
   * Empty while this server answers CSI on its endpoint within a few seconds; else why not. The
   * call is GetPluginInfo, not Probe: Probe's answer waits for the backends' health checks (up to
   * their bound), and a backend outage is no reason to restart the plugin. It goes through the
   * socket file (which must still be there: the kubelet and the sidecars connect by its path), the
   * same event loop, executor and interceptor as every other RPC.
   */
  public Optional<String> notServingReason() {
    if (server.isShutdown()) {
      return Optional.of("the gRPC server on " + endpoint + " is shutting down");
    }
    SocketAddress address;
    if (endpoint instanceof Endpoint.Unix unix) {
      if (!Files.exists(unix.path())) {
        return Optional.of(
            "the socket " + unix.path() + " is gone: nothing can connect to the plugin");
      }
      address = UnixDomainSocketAddress.of(unix.path());
    } else {
      String host = ((Endpoint.Tcp) endpoint).host();
      address =
          new InetSocketAddress(host.equals("0.0.0.0") ? "127.0.0.1" : host, server.getPort());
    }
    return SelfCheck.getPluginInfo(address, endpoint.toString(), SELF_CHECK_DEADLINE);
  }

  public void stop(Duration grace) {
    server.shutdown();
    try {
      if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        // cancels the RPCs still running: those that wait on storage stop waiting at once
        server.shutdownNow();
        server.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (loops != null) {
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    if (endpoint instanceof Endpoint.Unix unix) {
      try {
        Files.deleteIfExists(unix.path());
      } catch (IOException ignored) {
        // nothing more to do on the way out
      }
    }
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }
}
