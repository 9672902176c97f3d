package io.mooring.app;

import csi.v1.Csi.PluginCapability;
import io.grpc.BindableService;
import io.mooring.Version;
import io.mooring.controller.Backends;
import io.mooring.controller.ControllerService;
import io.mooring.controller.GroupControllerService;
import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.cephfs.LibradosExit;
import io.mooring.controller.config.BackendsFile;
import io.mooring.events.ClusterEvents;
import io.mooring.exec.CommandRunner;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.health.HealthServer;
import io.mooring.health.Readiness;
import io.mooring.mount.Mounter;
import io.mooring.mount.SystemMounter;
import io.mooring.node.NodeConfig;
import io.mooring.node.NodePlugin;
import io.mooring.rpc.IdentityService;
import io.mooring.rpc.Metrics;
import io.mooring.rpc.PluginServer;
import io.mooring.rpc.PrometheusMetrics;
import io.mooring.rpc.RpcLogInterceptor;
import io.mooring.volume.KeyedLocks;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running plugin: wires the services for its mode, serves them, and shuts down on SIGTERM. */
final class PluginProcess {

  private static final Logger LOG = LoggerFactory.getLogger(PluginProcess.class);

  /** Controller calls for one volume wait this long for each other before answering ABORTED. */
  private static final Duration CONTROLLER_LOCK_WAIT = Duration.ofSeconds(60);

  /**
   * What a shutdown keeps of its grace for the RPCs still running when it ends (cancelled: their
   * waits on storage end at once) and for closing the backends.
   */
  static final Duration CLOSING = Duration.ofSeconds(2);

  /** 128 + SIGTERM, as the JVM exits on SIGTERM. */
  private static final int SIGTERM_STATUS = 143;

  private final PluginServer server;
  private final List<AutoCloseable> closeables;

  private PluginProcess(PluginServer server, List<AutoCloseable> closeables) {
    this.server = server;
    this.closeables = closeables;
  }

  static PluginProcess start(Settings settings) throws IOException {
    // Without a metrics address the plugin never builds a registry nor loads the Prometheus client.
    boolean exported = settings.metricsAddress() != null && !settings.metricsAddress().isEmpty();
    PrometheusMetrics prometheus = exported ? new PrometheusMetrics() : null;
    Metrics metrics = exported ? prometheus : Metrics.OFF;
    CommandRunner runner =
        new ProcessCommandRunner(
            (command, result) ->
                metrics.command(command.program(), result.exitCode() == 0, result.millis()));
    Mounter mounter = new SystemMounter(runner);
    List<BindableService> services = new ArrayList<>();
    List<Readiness> checks = new ArrayList<>(); // the node has none: its clients heal themselves
    List<AutoCloseable> closeables = new ArrayList<>();
    List<String> backendNames = List.of();
    Set<PluginCapability.Service.Type> pluginServices = new HashSet<>();
    // Only in a cluster (or with --kubeconfig) is the API client loaded at all.
    boolean api = ApiServer.reachable(settings.kubeconfig(), System.getenv(), ApiServer.TOKEN);
    Cluster cluster =
        api && (settings.events() || !settings.topologyLabels().isEmpty())
            ? new Cluster(settings.kubeconfig())
            : null;
    if (cluster != null) {
      closeables.add(cluster);
    }
    ClusterEvents events =
        cluster != null && settings.events()
            ? cluster.events(settings.driverName() + "/" + settings.mode(), eventHost(settings))
            : ClusterEvents.OFF;

    if (settings.controller()) {
      Backends backends =
          Backends.open(
              BackendsFile.load(settings.backendsFile()).values(),
              runner,
              mounter,
              settings.stateDir().resolve("controller"),
              metrics);
      closeables.add(backends);
      checks.add(backends);
      backendNames = backends.all().stream().map(Backend::name).toList();
      KeyedLocks locks = new KeyedLocks(CONTROLLER_LOCK_WAIT); // one per volume, for both
      services.add(new ControllerService(backends, locks, events));
      pluginServices.add(PluginCapability.Service.Type.CONTROLLER_SERVICE);
      if (backends.hasTopology()) {
        pluginServices.add(PluginCapability.Service.Type.VOLUME_ACCESSIBILITY_CONSTRAINTS);
      }
      if (GroupControllerService.servedFor(backends)) {
        services.add(new GroupControllerService(backends, locks));
        pluginServices.add(PluginCapability.Service.Type.GROUP_CONTROLLER_SERVICE);
      }
    }
    if (settings.node()) {
      NodePlugin node =
          new NodePlugin(
              new NodeConfig(
                  settings.nodeId(),
                  settings.stateDir(),
                  settings.healthInterval(),
                  settings.glusterClients(),
                  settings.cephClients(),
                  settings.topologyLabels().isEmpty()
                      ? Map.of()
                      : cluster.topology(settings.nodeId(), settings.topologyLabels())),
              mounter,
              runner,
              metrics,
              events);
      node.start();
      services.addAll(node.services());
      closeables.add(0, node);
    }
    Readiness readiness = Readiness.firstOf(checks);
    services.add(
        0,
        new IdentityService(
            settings.driverName(),
            Version.get(),
            pluginServices,
            settings.controller(),
            readiness));

    PluginServer server =
        PluginServer.start(settings.endpoint(), services, new RpcLogInterceptor(metrics));
    if (exported) {
      closeables.add(metricsServer(settings.metricsAddress(), prometheus)::close);
    }
    boolean health = settings.healthAddress() != null && !settings.healthAddress().isEmpty();
    if (health) {
      closeables.add(
          0,
          HealthServer.start(
              listenAddress(settings.healthAddress()),
              server::notServingReason,
              readiness::notReadyReason));
    }
    LOG.info(
        "mooring {} serving mode={} endpoint={} driver={} node-id={} backends={} state-dir={}"
            + " metrics={} health={} events={}",
        Version.get(),
        settings.mode(),
        settings.endpoint(),
        settings.driverName(),
        settings.node() ? settings.nodeId() : "-",
        backendNames,
        settings.stateDir(),
        exported ? settings.metricsAddress() : "off",
        health ? settings.healthAddress() : "off",
        events != ClusterEvents.OFF
            ? "on"
            : settings.events() ? "off (no API server: not in a pod, no --kubeconfig)" : "off");
    PluginProcess process = new PluginProcess(server, closeables);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> process.stop(settings.shutdownGrace()), "shutdown"));
    return process;
  }

  /** Where the plugin runs, as its Events say: the node, else the (controller's) host name. */
  private static String eventHost(Settings settings) throws IOException {
    return settings.node() ? settings.nodeId() : java.net.InetAddress.getLocalHost().getHostName();
  }

  private static HTTPServer metricsServer(String address, PrometheusMetrics metrics)
      throws IOException {
    InetSocketAddress at = listenAddress(address);
    return HTTPServer.builder()
        .hostname(at.getHostString())
        .port(at.getPort())
        .registry(metrics.registry())
        .buildAndStart();
  }

  /** {@code host:port}; {@code :port} or {@code port} for every address. */
  static InetSocketAddress listenAddress(String address) {
    int colon = address.lastIndexOf(':');
    String host = colon <= 0 ? "0.0.0.0" : address.substring(0, colon);
    return new InetSocketAddress(host, Integer.parseInt(address.substring(colon + 1)));
  }

  /**
   * SIGTERM: stop accepting, let in-flight RPCs finish, remove the socket, release; all within
   * {@code grace}, of which {@link #CLOSING} is kept for cancelling the RPCs still running and for
   * closing. Then the process ends; without C's exit handlers if librados calls still hang ({@link
   * LibradosExit}), with the status the JVM gives a SIGTERM (the only way here: main waits for the
   * server, which only this stops).
   */
  void stop(Duration grace) {
    Duration rpcs = grace.compareTo(CLOSING) > 0 ? grace.minus(CLOSING) : Duration.ZERO;
    LOG.info("stopping: waiting up to {} ms for in-flight RPCs", rpcs.toMillis());
    server.stop(rpcs);
    for (AutoCloseable closeable : closeables) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("while stopping: {}", e.toString());
      }
    }
    int open = LibradosExit.open();
    if (open > 0) {
      LOG.info(
          "stopped; {} librados connection(s) still wait on Ceph: exit without C's exit handlers",
          open);
      LibradosExit.end(SIGTERM_STATUS);
    }
    LOG.info("stopped");
  }

  void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }
}
