package io.mooring.kube.audit;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mooring.Durations;
import io.mooring.controller.Backends;
import io.mooring.controller.config.BackendsFile;
import io.mooring.errors.StorageException;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.kube.ApiReadException;
import io.mooring.kube.ExitCodes;
import io.mooring.kube.KubeOptions;
import io.mooring.kube.OutputOption;
import io.mooring.mount.MountTable;
import io.mooring.mount.SystemMounter;
import io.mooring.rpc.Metrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mooring audit}: the backends' volumes against the cluster's PVs, and (--fix) the leaks.
 */
@Command(
    name = "audit",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Compares the volumes and snapshots on the backends of a backends file with the cluster's"
          + " PersistentVolumes, claims and VolumeSnapshotContents: volumes without a PV (and those"
          + " whose claim was deleted), PVs whose volume is gone, PV sizes that differ from the"
          + " volume's, snapshots without a content. Cluster-wide: -n and -A change nothing.",
      "Reads only, unless --fix: then removes each volume that no PV references, whose claim is"
          + " gone (or, when its name does not say which claim, while no claim is Pending) and that"
          + " was created longer than --grace ago, as DeleteVolume would (per its onDelete:"
          + " delete, retain or archive); all else is only reported.",
      "Exit code: 0 nothing found (or all of it fixed), 1 findings, 2 could not check (the API"
          + " server or a backend unreachable, or a read forbidden: stderr names it)."
    })
public final class AuditCommand implements Callable<Integer> {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Option(
      names = "--backends",
      required = true,
      paramLabel = "FILE",
      description = "the controller's backends file (and the secrets it names)")
  Path backendsFile;

  @Option(
      names = "--driver-name",
      defaultValue = "mooring.csi.io",
      description = "the CSI driver name whose PVs are Mooring's (default: ${DEFAULT-VALUE})")
  String driverName;

  @Option(names = "--fix", description = "remove the provably orphaned volumes older than --grace")
  boolean fix;

  @Option(
      names = "--grace",
      defaultValue = "24h",
      converter = DurationFlag.class,
      description =
          "how long ago an orphan must have been created for --fix (default: ${DEFAULT-VALUE})")
  Duration grace;

  @Mixin KubeOptions kube;
  @Mixin OutputOption output;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    List<Finding> findings;
    // the backends' mounts and ssh connections: never the running controller's state directory
    Path state = Files.createTempDirectory("mooring-audit-");
    try (KubernetesClient client = kube.connect();
        Backends backends = open(state)) {
      Audit audit = new Audit(backends.all(), driverName, grace, Clock.systemUTC());
      findings = audit.find(audit.readCluster(client));
      if (fix) {
        findings = audit.fix(findings, audit.readCluster(client));
      }
    } catch (ApiReadException | StorageException | IOException | IllegalArgumentException e) {
      // the API server, a backend, or the backends file
      spec.commandLine().getErr().println("mooring audit: " + e.getMessage());
      return ExitCodes.CANNOT_CHECK;
    } finally {
      removeEmptyDirs(state);
    }
    switch (output.format()) {
      case json -> AuditReport.json(findings, out);
      case text -> AuditReport.text(findings, out);
    }
    out.flush();
    return findings.stream().allMatch(f -> f.fix() == Finding.Fix.FIXED)
        ? ExitCodes.CLEAN
        : ExitCodes.FINDINGS;
  }

  private Backends open(Path state) throws IOException {
    ProcessCommandRunner runner = new ProcessCommandRunner();
    return Backends.open(
        BackendsFile.load(backendsFile).values(),
        runner,
        new SystemMounter(runner),
        state,
        Metrics.OFF);
  }

  /**
   * Removes the state directory's empty directories, never a file and never below a mount point: a
   * mount the backends failed to release keeps its directory (and its volume's data) as it is.
   */
  private static void removeEmptyDirs(Path state) throws IOException {
    MountTable mounts = MountTable.read();
    if (!mounts.under(state).isEmpty()) {
      return;
    }
    try (Stream<Path> paths = Files.walk(state)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          try {
            Files.delete(path);
          } catch (IOException notEmpty) {
            // an ssh socket or a file left behind: leave it, under the temporary directory
          }
        }
      }
    }
  }

  /** {@code --grace} as Kubernetes flags write durations: {@code 30m}, {@code 24h}. */
  static final class DurationFlag implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Durations.parse(value);
    }
  }
}
