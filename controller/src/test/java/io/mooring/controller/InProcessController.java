package io.mooring.controller;

import csi.v1.ControllerGrpc;
import csi.v1.GroupControllerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mooring.controller.backend.Backend;
import io.mooring.testing.RecordedEvents;
import io.mooring.volume.KeyedLocks;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A ControllerService (and the GroupController where served) on an in-process channel, for tests;
 * calls run on the caller's thread. Closing stops both.
 */
final class InProcessController implements AutoCloseable {

  final ControllerGrpc.ControllerBlockingStub stub;

  /** The GroupController, served where every backend has snapshots (as the plugin does). */
  final GroupControllerGrpc.GroupControllerBlockingStub groups;

  /** What the service recorded as Events. */
  final RecordedEvents events = new RecordedEvents();

  private final Server server;
  private final ManagedChannel channel;

  InProcessController(List<? extends Backend> backends, Duration lockWait) throws IOException {
    this(new Backends(List.copyOf(backends)), lockWait);
  }

  InProcessController(Backends all, Duration lockWait) throws IOException {
    String name = InProcessServerBuilder.generateName();
    KeyedLocks locks = new KeyedLocks(lockWait);
    InProcessServerBuilder builder =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new ControllerService(all, locks, events));
    if (GroupControllerService.servedFor(all)) {
      builder.addService(new GroupControllerService(all, locks));
    }
    server = builder.build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    stub = ControllerGrpc.newBlockingStub(channel);
    groups = GroupControllerGrpc.newBlockingStub(channel);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }
}
