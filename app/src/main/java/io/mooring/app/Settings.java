package io.mooring.app;

import io.mooring.node.ClientLimits;
import io.mooring.rpc.Endpoint;
import java.nio.file.Path;
import java.time.Duration;

/** A plugin process's configuration, built once from its flags. */
record Settings(
    boolean controller,
    boolean node,
    Endpoint endpoint,
    String driverName,
    String nodeId,
    Path backendsFile,
    Path stateDir,
    String metricsAddress,
    String healthAddress,
    Duration healthInterval,
    Duration shutdownGrace,
    ClientLimits glusterClients,
    ClientLimits cephClients) {

  String mode() {
    return controller && node ? "all" : controller ? "controller" : "node";
  }
}
