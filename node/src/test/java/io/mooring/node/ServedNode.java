package io.mooring.node;

import csi.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.nio.file.Path;

/** A NodePlugin served in-process, as the launcher would serve it over its socket: one "node". */
record ServedNode(
    Path stateDir,
    NodePlugin plugin,
    Server server,
    ManagedChannel channel,
    NodeGrpc.NodeBlockingStub stub) {

  void close() {
    channel.shutdownNow();
    server.shutdownNow();
    plugin.close();
  }
}
