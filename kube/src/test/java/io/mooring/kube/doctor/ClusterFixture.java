package io.mooring.kube.doctor;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.storage.CSIDriverBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * A cluster with every single-attach finding the doctor knows and the look-alikes it must stay
 * quiet about, each named for what it is; namespace "shop", and one finding in "other".
 */
final class ClusterFixture {

  static final String NS = "shop";

  private final KubernetesClient client;

  ClusterFixture(KubernetesClient client) {
    this.client = client;
  }

  void seed() {
    // Classes and drivers: EBS attaches (its CSIDriver says so, as its absence would); Mooring and
    // NFS do not.
    storageClass("ebs", "ebs.csi.aws.com");
    storageClass("mooring", "mooring.csi.io");
    csiDriver("ebs.csi.aws.com", true);
    csiDriver("mooring.csi.io", false);

    claim("data-rwo", "ebs", "ReadWriteOnce", null, "pv-rwo");
    csiVolume("pv-rwo", "ebs.csi.aws.com", "ReadWriteOnce");
    claim("data-rwop", "ebs", "ReadWriteOncePod", null, null);
    claim("data-ebs-rwx", "ebs", "ReadWriteMany", null, null); // Pending: EBS cannot provision it
    claim("data-ebs-rwx-block", "ebs", "ReadWriteMany", "Block", null);
    claim("data-rox", "ebs", "ReadOnlyMany", null, null);
    claim("data-rwx", "mooring", "ReadWriteMany", null, "pv-rwx");
    csiVolume("pv-rwx", "mooring.csi.io", "ReadWriteMany");
    claim("data-mooring-rwo", "mooring", "ReadWriteOnce", null, "pv-mooring-rwo");
    csiVolume("pv-mooring-rwo", "mooring.csi.io", "ReadWriteOnce");
    claim("data-nfs", null, "ReadWriteOnce", null, "pv-nfs"); // static NFS volume: no attach
    create(
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName("pv-nfs")
            .endMetadata()
            .withNewSpec()
            .withAccessModes("ReadWriteOnce")
            .withNewNfs()
            .withServer("nfs.example.com")
            .withPath("/export")
            .endNfs()
            .endSpec()
            .build());

    // Findings
    deployment("web", 3, null, claimVolume("data", "data-rwo"));
    deployment("single", 1, null, claimVolume("data", "data-rwo")); // default maxSurge 25% = 1
    deployment("single-rwop", 1, null, claimVolume("data", "data-rwop"));
    deployment("ebs-rwx", 2, recreate(), claimVolume("data", "data-ebs-rwx"));
    replicaSet("bare", 2, false, claimVolume("data", "data-rwo"));
    statefulSet("db-shared", 2, claimVolume("shared", "data-rwo"));
    daemonSet("agents", 3, claimVolume("data", "data-rwo"));
    // Quiet
    deployment("single-recreate", 1, recreate(), claimVolume("data", "data-rwo"));
    deployment("single-no-surge", 1, rolling(0, 1), claimVolume("data", "data-rwo"));
    deployment("scaled-down", 0, null, claimVolume("data", "data-rwo"));
    deployment("shared-rwx", 3, null, claimVolume("data", "data-rwx"));
    deployment("mooring-rwo", 3, null, claimVolume("data", "data-mooring-rwo"));
    deployment("nfs-rwo", 3, null, claimVolume("data", "data-nfs"));
    deployment("readers", 3, null, claimVolume("data", "data-rox"));
    deployment("ebs-block", 2, null, claimVolume("data", "data-ebs-rwx-block"));
    deployment("missing-claim", 2, null, claimVolume("data", "no-such-claim"));
    deployment(
        "scratch",
        3,
        null,
        new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    replicaSet("web-5d8f", 3, true, claimVolume("data", "data-rwo")); // web's: reported as web
    statefulSet("db", 3, claimVolume("data", "data-rwo")); // "data" is its per-pod template
    statefulSet("db-one", 1, claimVolume("shared", "data-rwo"));
    daemonSet("agent-one-node", 1, claimVolume("data", "data-rwo"));
    daemonSet("agents-rwx", 3, claimVolume("data", "data-rwx"));

    // Pods: stuck ones, and look-alikes
    pod("web-new", "node-b", "Pending", claimVolume("data", "data-rwo"));
    event( // older, and listed first: the newest event says what is wrong now
        "web-new",
        "FailedAttachVolume",
        "AttachVolume.Attach failed for volume \"pv-rwo\" : timed out waiting for"
            + " external-attacher",
        "2026-12-07T01:00:00Z");
    event(
        "web-new",
        "FailedAttachVolume",
        "Multi-Attach error for volume \"pv-rwo\" Volume is already used by pod(s) web-old");
    pod("web-old", "node-a", "Running", claimVolume("data", "data-rwo"));
    event("web-old", "FailedAttachVolume", "Multi-Attach error for volume \"pv-rwo\" (healed)");
    pod("rwop-new", null, "Pending", claimVolume("data", "data-rwop"));
    event(
        "rwop-new",
        "FailedScheduling",
        "0/3 nodes are available: 1 node has pod using PersistentVolumeClaim with the same name"
            + " and ReadWriteOncePod access mode.");
    pod("big", null, "Pending", claimVolume("data", "data-rwx"));
    event("big", "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.");
    pod("attach-fails", "node-c", "Pending", claimVolume("data", "data-rwx"));
    event(
        "attach-fails",
        "FailedAttachVolume",
        "AttachVolume.Attach failed for volume \"pv-rwx\" : rpc error: code = Internal");

    // Another namespace, seen with -A only
    create(ebsClaim("other", "data"));
    create(
        new DeploymentBuilder()
            .withNewMetadata()
            .withNamespace("other")
            .withName("app")
            .endMetadata()
            .withNewSpec()
            .withReplicas(2)
            .withTemplate(template(claimVolume("data", "data")))
            .endSpec()
            .build());
  }

  private void storageClass(String name, String provisioner) {
    create(
        new StorageClassBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withProvisioner(provisioner)
            .build());
  }

  private void csiDriver(String name, boolean attachRequired) {
    create(
        new CSIDriverBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withAttachRequired(attachRequired)
            .endSpec()
            .build());
  }

  private void claim(String name, String storageClass, String mode, String volumeMode, String pv) {
    create(
        new PersistentVolumeClaimBuilder()
            .withMetadata(meta(name))
            .withNewSpec()
            .withAccessModes(mode)
            .withStorageClassName(storageClass)
            .withVolumeMode(volumeMode)
            .withVolumeName(pv)
            .endSpec()
            .build());
  }

  private void csiVolume(String name, String driver, String mode) {
    create(
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withAccessModes(mode)
            .withNewCsi()
            .withDriver(driver)
            .withVolumeHandle(name)
            .endCsi()
            .endSpec()
            .build());
  }

  private void deployment(String name, int replicas, DeploymentStrategy strategy, Volume volume) {
    create(
        new DeploymentBuilder()
            .withMetadata(meta(name))
            .withNewSpec()
            .withReplicas(replicas)
            .withStrategy(strategy)
            .withTemplate(template(volume))
            .endSpec()
            .build());
  }

  private void replicaSet(String name, int replicas, boolean ownedByDeployment, Volume volume) {
    create(
        new ReplicaSetBuilder()
            .withNewMetadata()
            .withNamespace(NS)
            .withName(name)
            .withOwnerReferences(
                ownedByDeployment
                    ? List.of(
                        new OwnerReferenceBuilder()
                            .withApiVersion("apps/v1")
                            .withKind("Deployment")
                            .withName("web")
                            .withUid("uid-web")
                            .build())
                    : List.of())
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            .withTemplate(template(volume))
            .endSpec()
            .build());
  }

  /** A StatefulSet with a per-pod claim template "data" besides the given volume. */
  private void statefulSet(String name, int replicas, Volume volume) {
    create(
        new StatefulSetBuilder()
            .withMetadata(meta(name))
            .withNewSpec()
            .withReplicas(replicas)
            .withVolumeClaimTemplates(ebsClaim(null, "data"))
            .withTemplate(template(volume))
            .endSpec()
            .build());
  }

  private void daemonSet(String name, int nodes, Volume volume) {
    create(
        new DaemonSetBuilder()
            .withMetadata(meta(name))
            .withNewSpec()
            .withTemplate(template(volume))
            .endSpec()
            .withNewStatus()
            .withDesiredNumberScheduled(nodes)
            .endStatus()
            .build());
  }

  private void pod(String name, String node, String phase, Volume volume) {
    PodSpec spec = podSpec(volume);
    spec.setNodeName(node);
    create(
        new PodBuilder()
            .withMetadata(meta(name))
            .withSpec(spec)
            .withNewStatus()
            .withPhase(phase)
            .endStatus()
            .build());
  }

  private void event(String pod, String reason, String message) {
    event(pod, reason, message, "2026-12-07T02:00:00Z");
  }

  private void event(String pod, String reason, String message, String lastTimestamp) {
    create(
        new EventBuilder()
            .withNewMetadata()
            .withNamespace(NS)
            .withName(pod + "." + reason + "." + lastTimestamp.replace(":", ""))
            .endMetadata()
            .withNewInvolvedObject()
            .withKind("Pod")
            .withNamespace(NS)
            .withName(pod)
            .endInvolvedObject()
            .withReason(reason)
            .withMessage(message)
            .withLastTimestamp(lastTimestamp)
            .withType("Warning")
            .build());
  }

  /** A ReadWriteOnce claim of class ebs. */
  private static PersistentVolumeClaim ebsClaim(String namespace, String name) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName("ebs")
        .endSpec()
        .build();
  }

  private static ObjectMeta meta(String name) {
    return new ObjectMetaBuilder().withNamespace(NS).withName(name).build();
  }

  private static Volume claimVolume(String name, String claim) {
    return new VolumeBuilder()
        .withName(name)
        .withNewPersistentVolumeClaim()
        .withClaimName(claim)
        .endPersistentVolumeClaim()
        .build();
  }

  private static PodTemplateSpec template(Volume volume) {
    return new PodTemplateSpecBuilder().withSpec(podSpec(volume)).build();
  }

  private static PodSpec podSpec(Volume volume) {
    return new PodSpecBuilder()
        .addNewContainer()
        .withName("app")
        .withImage("app")
        .endContainer()
        .withVolumes(volume)
        .build();
  }

  private static DeploymentStrategy recreate() {
    return new DeploymentStrategyBuilder().withType("Recreate").build();
  }

  private static DeploymentStrategy rolling(int maxSurge, int maxUnavailable) {
    return new DeploymentStrategyBuilder()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxSurge(new IntOrString(maxSurge))
        .withMaxUnavailable(new IntOrString(maxUnavailable))
        .endRollingUpdate()
        .build();
  }

  private void create(HasMetadata object) {
    client.resource(object).create();
  }
}
