package io.mooring.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.mooring.Version;
import io.mooring.kube.audit.AuditCommand;
import io.mooring.kube.doctor.DoctorCommand;
import io.mooring.node.ClientLimits;
import io.mooring.rpc.Endpoint;
import io.mooring.volume.Topology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The program: a plugin ({@code mooring <controller|node|all> [flags]}) or an admin command ({@code
 * mooring doctor|audit [flags]}).
 */
@Command(
    name = "mooring",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Mooring CSI driver: ReadWriteMany volumes on GlusterFS and CephFS.")
public final class Main implements Callable<Integer> {

  /** What this process serves. */
  enum Mode {
    controller,
    node,
    all
  }

  // Optional for picocli so that an admin command parses as one; call() requires it.
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "MODE",
      description = "controller, node, or all (both on one socket)")
  Mode mode;

  @Spec CommandSpec spec;

  @Option(
      names = "--endpoint",
      defaultValue = "unix:///csi/csi.sock",
      description = "CSI endpoint: unix:///path or tcp://host:port (default: ${DEFAULT-VALUE})")
  String endpoint;

  @Option(
      names = "--driver-name",
      defaultValue = "mooring.csi.io",
      description = "CSI driver name (default: ${DEFAULT-VALUE})")
  String driverName;

  @Option(
      names = "--node-id",
      description = "this node's ID (node and all modes; default: the host name)")
  String nodeId;

  @Option(
      names = "--backends",
      description = "backends file (YAML); required for controller and all modes")
  Path backends;

  @Option(
      names = "--state-dir",
      description =
          "where mounts live (default: node /var/lib/kubelet/plugins/"
              + "<driver-name>, controller /var/lib/mooring)")
  Path stateDir;

  @Option(
      names = "--metrics-address",
      description = "serve Prometheus metrics on host:port (default: off)")
  String metricsAddress;

  @Option(
      names = "--health-address",
      description =
          "serve /livez (the plugin answers CSI) and /readyz (and its backends are healthy; else"
              + " 503 and why) on host:port, for the kubelet's probes (default: off)")
  String healthAddress;

  @Option(
      names = "--health-interval",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "how often the node checks its FUSE mounts (default: ${DEFAULT-VALUE})")
  Duration healthInterval;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "how long the plugin may take to exit after SIGTERM; in-flight RPCs may run until 2 s"
              + " before its end (default: ${DEFAULT-VALUE})")
  Duration shutdownGrace;

  // Sizes have no picocli default: ClientLimits holds the defaults, the help text repeats them.
  @Option(
      names = "--gluster-client-memory",
      converter = ByteSizeConverter.class,
      paramLabel = "SIZE",
      description = "memory limit of each glusterfs client's cgroup, 0 for none (default: 256Mi)")
  Long glusterMemory;

  @Option(
      names = "--gluster-client-cache",
      converter = ByteSizeConverter.class,
      paramLabel = "SIZE",
      description =
          "file data each glusterfs client caches (quick-read, io-cache cache-size), 0 for"
              + " glusterfs's default (default: 32Mi)")
  Long glusterCache;

  @Option(
      names = "--gluster-client-inodes",
      paramLabel = "N",
      description =
          "inodes each glusterfs client keeps (lru-limit), 0 for glusterfs's default (default:"
              + " 16384)")
  Integer glusterInodes;

  @Option(
      names = "--ceph-client-memory",
      converter = ByteSizeConverter.class,
      paramLabel = "SIZE",
      description = "memory limit of each ceph-fuse client's cgroup, 0 for none (default: 256Mi)")
  Long cephMemory;

  @Option(
      names = "--ceph-client-cache",
      converter = ByteSizeConverter.class,
      paramLabel = "SIZE",
      description =
          "file data each ceph-fuse client caches (client_oc_size), 0 for ceph-fuse's default"
              + " (default: 64Mi)")
  Long cephCache;

  @Option(
      names = "--ceph-client-inodes",
      paramLabel = "N",
      description =
          "inodes each ceph-fuse client caches (client_cache_size), 0 for ceph-fuse's default"
              + " (default: 16384)")
  Integer cephInodes;

  @Option(
      names = "--no-events",
      description =
          "record no Kubernetes Events; without it the plugin records them on the claims and pods"
              + " a backend failure or a heal touches, where the API server is reachable (in a pod"
              + " with a service account token, or with --kubeconfig)")
  boolean noEvents;

  @Option(
      names = "--kubeconfig",
      description =
          "kubeconfig for the API server, outside a pod (default: the pod's service account)")
  Path kubeconfig;

  @Option(
      names = "--topology-labels",
      split = ",",
      paramLabel = "KEY[,KEY...]",
      description =
          "node mode: labels of this node's Node object (--node-id) that NodeGetInfo reports as"
              + " its accessible topology, e.g. topology.kubernetes.io/zone; the plugin does not"
              + " start when the node lacks one (default: none)")
  List<String> topologyLabels = List.of();

  @Option(
      names = "--log-level",
      defaultValue = "info",
      description = "error, warn, info, debug (default: ${DEFAULT-VALUE})")
  String logLevel;

  public static void main(String[] args) {
    System.exit(commandLine(args).execute(args));
  }

  /**
   * The command line for these arguments: the plugin modes, and the admin commands unless the first
   * argument is a mode (as deploy/ runs the plugins). The admin commands bring the Kubernetes
   * client, whose classes a plugin would otherwise load just to list them.
   */
  static CommandLine commandLine(String... args) {
    CommandLine cli = new CommandLine(new Main());
    boolean plugin =
        args.length > 0
            && Arrays.stream(Mode.values()).anyMatch(m -> m.name().equalsIgnoreCase(args[0]));
    if (!plugin) {
      cli.addSubcommand(new DoctorCommand());
      cli.addSubcommand(new AuditCommand());
      cli.addSubcommand(new MigrateCommand());
      cli.addSubcommand(new CopyCommand());
    }
    return cli.setCaseInsensitiveEnumValuesAllowed(true); // after addSubcommand: theirs too
  }

  @Override
  public Integer call() throws Exception {
    if (mode == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "Missing MODE: controller, node or all; or a command: "
              + String.join(", ", spec.subcommands().keySet()));
    }
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(Level.toLevel(logLevel, Level.INFO));
    if (mode != Mode.node && backends == null) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--backends is required in " + mode + " mode");
    }
    PluginProcess process =
        PluginProcess.start(
            new Settings(
                mode != Mode.node,
                mode != Mode.controller,
                Endpoint.parse(endpoint),
                driverName,
                nodeId != null ? nodeId : java.net.InetAddress.getLocalHost().getHostName(),
                backends,
                stateDir != null ? stateDir : defaultStateDir(),
                metricsAddress,
                healthAddress,
                healthInterval,
                shutdownGrace,
                limits(
                    "--gluster-client",
                    ClientLimits.GLUSTER,
                    glusterMemory,
                    glusterCache,
                    glusterInodes),
                limits("--ceph-client", ClientLimits.CEPH, cephMemory, cephCache, cephInodes),
                !noEvents,
                kubeconfig,
                topologyLabels()));
    process.awaitTermination();
    return 0;
  }

  /** The --topology-labels, checked: label keys, and only where there is a node. */
  private List<String> topologyLabels() {
    for (String key : topologyLabels) {
      if (!Topology.validKey(key)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--topology-labels: '" + key + "' is not a label key");
      }
    }
    if (!topologyLabels.isEmpty() && mode == Mode.controller) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--topology-labels is for node and all modes");
    }
    if (!topologyLabels.isEmpty()
        && !ApiServer.reachable(kubeconfig, System.getenv(), ApiServer.TOKEN)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--topology-labels reads this node's Node object: run in a pod with a service account"
              + " token, or give --kubeconfig");
    }
    return List.copyOf(topologyLabels);
  }

  /** A kind's client limits: the flags given, the defaults for the others. */
  private ClientLimits limits(
      String flags, ClientLimits defaults, Long memory, Long cache, Integer inodes) {
    try {
      return new ClientLimits(
          memory != null ? memory : defaults.memoryBytes(),
          cache != null ? cache : defaults.cacheBytes(),
          inodes != null ? inodes : defaults.inodes());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), flags + "-*: " + e.getMessage());
    }
  }

  private Path defaultStateDir() {
    return mode == Mode.controller
        ? Path.of("/var/lib/mooring")
        : Path.of("/var/lib/kubelet/plugins", driverName);
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"mooring " + Version.get()};
    }
  }
}
