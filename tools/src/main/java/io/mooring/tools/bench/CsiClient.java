package io.mooring.tools.bench;

import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.mooring.volume.VolumeId;
import io.mooring.volume.VolumeNames;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** CSI over a unix socket, as the kubelet and the external-provisioner sidecar speak it. */
final class CsiClient implements AutoCloseable {

  static final VolumeCapability RWX =
      VolumeCapability.newBuilder()
          .setMount(VolumeCapability.MountVolume.getDefaultInstance())
          .setAccessMode(AccessMode.newBuilder().setMode(AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
          .build();

  /** Two loops: the client side of 100 concurrent calls must not be the bottleneck. */
  private final EpollEventLoopGroup group = new EpollEventLoopGroup(2);

  ManagedChannel channel(Path socket) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(group)
        .channelType(EpollDomainSocketChannel.class)
        .usePlaintext()
        .build();
  }

  /**
   * Requests for one backend of the controller, as the external-provisioner sends them: the
   * StorageClass's {@code backend} parameter and its provisioner secrets (empty for GlusterFS).
   * {@link #toString()} never shows the secrets.
   */
  record Requests(String backend, Map<String, String> secrets) {

    Requests {
      secrets = Map.copyOf(secrets);
    }

    CreateVolumeRequest create(String name, long bytes) {
      return CreateVolumeRequest.newBuilder()
          .setName(name)
          .addVolumeCapabilities(RWX)
          .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(bytes))
          .putParameters("backend", backend)
          .putAllSecrets(secrets)
          .build();
    }

    DeleteVolumeRequest delete(String volumeId) {
      return DeleteVolumeRequest.newBuilder().setVolumeId(volumeId).putAllSecrets(secrets).build();
    }

    /** The id the controller gives the volume of request {@code name}. */
    String id(String name) {
      return new VolumeId(backend, VolumeNames.dirFor(name)).toString();
    }

    @Override
    public String toString() {
      return "Requests[backend=" + backend + ", secrets=" + secrets.keySet() + "]";
    }
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
