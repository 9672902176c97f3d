package io.mooring.kube.doctor;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mooring.kube.ApiReadException;
import io.mooring.kube.ExitCodes;
import io.mooring.kube.KubeOptions;
import io.mooring.kube.OutputOption;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mooring doctor}: the workloads that will hit single-attach failures, and why. */
@Command(
    name = "doctor",
    sortOptions = false,
    exitCodeOnExecutionException = ExitCodes.CANNOT_CHECK, // never 1, which means findings
    usageHelpAutoWidth = true,
    description = {
      "Finds Deployments, ReplicaSets, StatefulSets and DaemonSets whose pods share a claim that"
          + " attaches to one node (or pod) at a time, and pods stuck on one; says what breaks and"
          + " the fix.",
      "Reads only. Exit code: 0 nothing found, 1 findings, 2 could not check (the API server"
          + " unreachable, or a read forbidden: stderr names it)."
    })
public final class DoctorCommand implements Callable<Integer> {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Mixin KubeOptions kube;
  @Mixin OutputOption output;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<Finding> findings;
    String namespace;
    try (KubernetesClient client = kube.connect()) {
      namespace = kube.namespace(client);
      findings = Doctor.examine(Cluster.fetch(client, namespace));
    } catch (ApiReadException e) {
      spec.commandLine().getErr().println("mooring doctor: " + e.getMessage());
      return ExitCodes.CANNOT_CHECK;
    }
    switch (output.format()) {
      case json -> Report.json(findings, out);
      case text -> Report.text(findings, namespace, out);
    }
    out.flush();
    return findings.isEmpty() ? ExitCodes.CLEAN : ExitCodes.FINDINGS;
  }
}
