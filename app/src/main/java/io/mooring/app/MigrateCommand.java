package io.mooring.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mooring.kube.KubeOptions;
import io.mooring.kube.migrate.MigrateOptions;
import io.mooring.kube.migrate.Migration;
import io.mooring.kube.migrate.MigrationException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mooring migrate CLAIM --to-storage-class CLASS}: copies a claim into a new Mooring
 * ReadWriteMany claim (the work is {@link Migration}'s; this is its command line).
 */
@Command(
    name = "migrate",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Copy CLAIM's data into a new ReadWriteMany claim of a Mooring StorageClass: creates the"
          + " claim, runs a Job that copies (owners, modes, times, xattrs, ACLs, hard links) and"
          + " verifies, then prints how to point the workload at it, or does so (--switch).",
      "A dry run unless --dry-run=false: prints the plan and the objects it would create."
          + " Running it again after an interruption goes on where it stopped.",
      "Exit code: 0 done (or planned), 1 it could not go on (stderr says why and what to do)."
    })
final class MigrateCommand implements Callable<Integer> {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Spec CommandSpec spec;

  @Mixin KubeOptions kube;

  @Parameters(index = "0", paramLabel = "CLAIM", description = "the claim to copy")
  String claim;

  @Option(
      names = "--to-storage-class",
      required = true,
      paramLabel = "CLASS",
      description = "the Mooring StorageClass of the new claim")
  String storageClass;

  @Option(
      names = "--target-name",
      paramLabel = "NAME",
      description = "the new claim's name (default: CLAIM-mooring)")
  String target;

  @Option(
      names = "--switch",
      description =
          "scale the Deployment or StatefulSet that mounts CLAIM to 0 before the copy, point it at"
              + " the new claim after, and scale it back up")
  boolean switchWorkload;

  @Option(
      names = "--dry-run",
      arity = "0..1",
      defaultValue = "true",
      fallbackValue = "true",
      paramLabel = "true|false",
      description = "only print the plan (default: ${DEFAULT-VALUE}); --dry-run=false does it")
  boolean dryRun;

  @Option(
      names = "--image",
      paramLabel = "IMAGE",
      description = "the image of the copy Job (default: the installed Mooring controller's)")
  String image;

  @Option(
      names = "--driver-name",
      paramLabel = "NAME",
      defaultValue = "mooring.csi.io",
      description = "Mooring's CSI driver name (default: ${DEFAULT-VALUE})")
  String driverName;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "1h",
      converter = DurationConverter.class,
      description =
          "how long to wait for the workload's pods to go and for the copy, which the Job may"
              + " take too (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (KubernetesClient client = kube.connect()) {
      String namespace = kube.namespace(client);
      if (namespace == null) {
        return fail("a claim lives in one namespace: -n, not -A");
      }
      new Migration(client, out)
          .run(
              new MigrateOptions(
                  namespace,
                  claim,
                  storageClass,
                  target != null ? target : MigrateOptions.defaultTarget(claim),
                  driverName,
                  image,
                  !dryRun,
                  switchWorkload,
                  timeout));
      out.flush();
      return 0;
    } catch (MigrationException | KubernetesClientException e) {
      out.flush();
      return fail(e.getMessage());
    }
  }

  private int fail(String message) {
    spec.commandLine().getErr().println("mooring migrate: " + message);
    spec.commandLine().getErr().flush();
    return 1;
  }
}
