package io.mooring.app;

import io.mooring.node.ClientLimits;
import io.mooring.rpc.Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
    ClientLimits cephClients,
    boolean events,
    Path kubeconfig,
    List<String> topologyLabels) {

  String mode() {
    return controller && node ? "all" : controller ? "controller" : "node";
  }
}
