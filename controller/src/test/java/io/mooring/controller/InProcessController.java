package io.mooring.controller;

import csi.v1.ControllerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mooring.controller.backend.Backend;
import io.mooring.volume.KeyedLocks;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** A ControllerService on an in-process channel, for tests; closing stops both. */
final class InProcessController implements AutoCloseable {

  final ControllerGrpc.ControllerBlockingStub stub;
  private final Server server;
  private final ManagedChannel channel;

  InProcessController(List<? extends Backend> backends, Duration lockWait) throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                new ControllerService(
                    new Backends(List.copyOf(backends)), new KeyedLocks(lockWait)))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    stub = ControllerGrpc.newBlockingStub(channel);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }
}
