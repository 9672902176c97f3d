package io.mooring.kube.migrate;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;

/**
 * The Job that copies the source claim into the target: one pod of the Mooring image running {@code
 * mooring copy /mnt/source /mnt/target} (copy, then verify), with the source mounted read-only.
 */
final class CopyJob {

  static final String SOURCE_MOUNT = "/mnt/source";
  static final String TARGET_MOUNT = "/mnt/target";

  /**
   * A failed copy is retried once in a new pod (a node lost mid-copy); the copy overwrites what the
   * first attempt left, so a retry converges. More would only repeat a real error (no space).
   */
  static final int BACKOFF_LIMIT = 1;

  /** The finished Job (and its pod's log, the verification report) stays a day. */
  static final int TTL_SECONDS = 24 * 3600;

  /**
   * Root, to create files of every owner; the capabilities are those of a default container that
   * copying needs (chown, read and write whatever the modes say, set modes and times of files it
   * does not own, keep setuid bits, device files and file capabilities), nothing else: the pod fits
   * the "baseline" Pod Security level.
   */
  private static final Capabilities CAPABILITIES =
      new CapabilitiesBuilder()
          .withDrop("ALL")
          .withAdd("CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "MKNOD", "SETFCAP")
          .build();

  private CopyJob() {}

  static String name(String target) {
    return "mooring-migrate-" + target;
  }

  /**
   * The Job copying {@code source} into {@code target} in {@code namespace}; {@code node}, when not
   * null, is the only node its pod may run on (where a ReadWriteOnce source is attached).
   */
  static Job of(
      String namespace,
      String source,
      String target,
      String image,
      String node,
      long deadlineSeconds) {
    JobBuilder job =
        new JobBuilder()
            .withNewMetadata()
            .withName(name(target))
            .withNamespace(namespace)
            .withLabels(MigrationLabels.of(source, target))
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(BACKOFF_LIMIT)
            .withTtlSecondsAfterFinished(TTL_SECONDS)
            .withActiveDeadlineSeconds(deadlineSeconds)
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(MigrationLabels.of(source, target))
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .withNewSecurityContext()
            .withRunAsUser(0L)
            .withRunAsGroup(0L)
            .withRunAsNonRoot(false)
            .endSecurityContext()
            .addNewContainer()
            .withName("copy")
            .withImage(image)
            .withArgs("copy", SOURCE_MOUNT, TARGET_MOUNT)
            .withNewSecurityContext()
            .withAllowPrivilegeEscalation(false)
            .withCapabilities(CAPABILITIES)
            .endSecurityContext()
            .addNewVolumeMount()
            .withName("source")
            .withMountPath(SOURCE_MOUNT)
            .withReadOnly(true)
            .endVolumeMount()
            .addNewVolumeMount()
            .withName("target")
            .withMountPath(TARGET_MOUNT)
            .endVolumeMount()
            .endContainer()
            .addNewVolume()
            .withName("source")
            .withNewPersistentVolumeClaim(source, true)
            .endVolume()
            .addNewVolume()
            .withName("target")
            .withNewPersistentVolumeClaim(target, false)
            .endVolume()
            .endSpec()
            .endTemplate()
            .endSpec();
    if (node != null) {
      // the scheduler's way to name a node (as DaemonSets do), not spec.nodeName, which would
      // skip its checks of the node's volume limits and resources
      job.editSpec()
          .editTemplate()
          .editSpec()
          .withNewAffinity()
          .withNewNodeAffinity()
          .withNewRequiredDuringSchedulingIgnoredDuringExecution()
          .addNewNodeSelectorTerm()
          .withMatchFields(
              List.of(
                  new NodeSelectorRequirementBuilder()
                      .withKey("metadata.name")
                      .withOperator("In")
                      .withValues(node)
                      .build()))
          .endNodeSelectorTerm()
          .endRequiredDuringSchedulingIgnoredDuringExecution()
          .endNodeAffinity()
          .endAffinity()
          .endSpec()
          .endTemplate()
          .endSpec();
    }
    return job.build();
  }
}
