package io.mooring.kube.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Migration} against fabric8's mock API server in CRUD mode: what it creates and changes.
 */
@EnableKubernetesMockClient(crud = true)
class MigrationTest {

  static final String NS = "apps";
  static final String IMAGE = "registry.example.com/mooring:0.1.0";

  KubernetesClient client;

  @BeforeEach
  void seed() {
    storageClass("gp3", "ebs.csi.aws.com");
    storageClass("mooring-cephfs", "mooring.csi.io");
    claim("data", "ReadWriteOnce", "Bound", "5Gi");
    client.apps().deployments().inNamespace(NS).resource(deployment("web", 3, "data")).create();
    pod("web-1", "data", "n2");
  }

  MigrateOptions options(boolean apply, boolean switchWorkload) {
    return new MigrateOptions(
        NS,
        "data",
        "mooring-cephfs",
        "data-mooring",
        "mooring.csi.io",
        IMAGE,
        apply,
        switchWorkload,
        Duration.ofSeconds(30));
  }

  String run(MigrateOptions options) {
    StringWriter printed = new StringWriter();
    new Migration(client, new PrintWriter(printed, true)).run(options);
    return printed.toString();
  }

  @Test
  void aDryRunPrintsThePlanAndCreatesNothing() {
    client
        .apps()
        .deployments()
        .inNamespace("mooring")
        .resource(deployment("mooring-controller", 2, null))
        .create();
    MigrateOptions dry =
        new MigrateOptions(
            NS,
            "data",
            "mooring-cephfs",
            "data-mooring",
            "mooring.csi.io",
            null,
            false,
            false,
            Duration.ofSeconds(30));
    String out = run(dry);

    assertTrue(
        out.contains(
            "1. create PersistentVolumeClaim apps/data-mooring (ReadWriteMany, 5Gi, StorageClass"
                + " mooring-cephfs)"),
        out);
    assertTrue(out.contains("run Job apps/mooring-migrate-data-mooring on node n2"), out);
    assertTrue(
        out.contains("image: \"mooring:from-the-cluster\""),
        "the installed controller's image: " + out);
    assertTrue(out.contains("kind: \"PersistentVolumeClaim\""), out);
    assertNull(client.persistentVolumeClaims().inNamespace(NS).withName("data-mooring").get());
    assertTrue(client.batch().v1().jobs().inAnyNamespace().list().getItems().isEmpty());
  }

  @Test
  void createsTheTargetClaimAndACopyJobOnTheNodeOfTheRwoSourcesPod() throws Exception {
    CompletableFuture<Void> job = finishJobWhenCreated("Complete");
    String out = run(options(true, false));
    job.get(30, TimeUnit.SECONDS);

    PersistentVolumeClaim target =
        client.persistentVolumeClaims().inNamespace(NS).withName("data-mooring").get();
    assertEquals(List.of("ReadWriteMany"), target.getSpec().getAccessModes());
    assertEquals("mooring-cephfs", target.getSpec().getStorageClassName());
    assertEquals(new Quantity("5Gi"), target.getSpec().getResources().getRequests().get("storage"));
    assertEquals(labels(), target.getMetadata().getLabels());

    Job created =
        client.batch().v1().jobs().inNamespace(NS).withName("mooring-migrate-data-mooring").get();
    assertEquals(labels(), created.getMetadata().getLabels());
    assertEquals(1, created.getSpec().getBackoffLimit());
    assertEquals(86400, created.getSpec().getTtlSecondsAfterFinished());
    assertEquals(30L, created.getSpec().getActiveDeadlineSeconds());
    PodSpec pod = created.getSpec().getTemplate().getSpec();
    assertEquals(labels(), created.getSpec().getTemplate().getMetadata().getLabels());
    assertEquals("Never", pod.getRestartPolicy());
    assertEquals(0L, pod.getSecurityContext().getRunAsUser());
    assertEquals(0L, pod.getSecurityContext().getRunAsGroup());
    var term =
        pod.getAffinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    assertEquals(1, term.size());
    assertEquals("metadata.name", term.get(0).getMatchFields().get(0).getKey());
    assertEquals("In", term.get(0).getMatchFields().get(0).getOperator());
    assertEquals(List.of("n2"), term.get(0).getMatchFields().get(0).getValues());
    assertNull(pod.getNodeName(), "the scheduler places it, checking the node's volume limits");
    List<Volume> volumes = pod.getVolumes();
    assertEquals("data", volumes.get(0).getPersistentVolumeClaim().getClaimName());
    assertEquals(true, volumes.get(0).getPersistentVolumeClaim().getReadOnly());
    assertEquals("data-mooring", volumes.get(1).getPersistentVolumeClaim().getClaimName());
    assertEquals(false, volumes.get(1).getPersistentVolumeClaim().getReadOnly());
    Container copy = pod.getContainers().get(0);
    assertEquals(IMAGE, copy.getImage());
    assertTrue(copy.getCommand().isEmpty(), "the image's entrypoint: tini, java -jar mooring.jar");
    assertEquals(List.of("copy", "/mnt/source", "/mnt/target"), copy.getArgs());
    assertEquals("/mnt/source", copy.getVolumeMounts().get(0).getMountPath());
    assertEquals(true, copy.getVolumeMounts().get(0).getReadOnly());
    assertEquals("source", copy.getVolumeMounts().get(0).getName());
    assertEquals("/mnt/target", copy.getVolumeMounts().get(1).getMountPath());
    assertEquals("target", copy.getVolumeMounts().get(1).getName());
    assertEquals(false, copy.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), copy.getSecurityContext().getCapabilities().getDrop());
    assertEquals(
        List.of("CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "MKNOD", "SETFCAP"),
        copy.getSecurityContext().getCapabilities().getAdd());

    assertTrue(out.contains("note: pod web-1 uses data while it is copied"), out);
    assertTrue(
        out.contains(
            "to use the copy: kubectl -n apps patch deployment web --type json -p"
                + " '[{\"op\":\"replace\",\"path\":\"/spec/template/spec/volumes/0/persistentVolumeClaim/claimName\",\"value\":\"data-mooring\"}]'"),
        out);
    assertEquals(
        3, deploymentNow().getSpec().getReplicas(), "without --switch the workload is left alone");
    assertEquals("data", claimOf(deploymentNow()));
  }

  @Test
  void switchStopsTheWorkloadCopiesThenPointsItAtTheNewClaimAndScalesItBack() throws Exception {
    CompletableFuture<Void> gone =
        CompletableFuture.runAsync(
            () -> {
              await(() -> deploymentNow().getSpec().getReplicas() == 0);
              assertTrue(
                  client.batch().v1().jobs().inNamespace(NS).list().getItems().isEmpty(),
                  "no copy before the pods are gone");
              client.pods().inNamespace(NS).withName("web-1").delete();
            });
    CompletableFuture<Void> job = finishJobWhenCreated("Complete");
    String out = run(options(true, true));
    gone.get(30, TimeUnit.SECONDS);
    job.get(30, TimeUnit.SECONDS);

    Job created =
        client.batch().v1().jobs().inNamespace(NS).withName("mooring-migrate-data-mooring").get();
    assertNull(
        created.getSpec().getTemplate().getSpec().getAffinity(),
        "no pod holds the volume: any node");
    assertEquals(3, deploymentNow().getSpec().getReplicas());
    assertEquals("data-mooring", claimOf(deploymentNow()));
    Map<String, String> annotations =
        client
            .persistentVolumeClaims()
            .inNamespace(NS)
            .withName("data-mooring")
            .get()
            .getMetadata()
            .getAnnotations();
    assertEquals("3", annotations.get("migrate.mooring.io/replicas"));
    assertEquals("Deployment/web", annotations.get("migrate.mooring.io/workload"));
    assertTrue(out.contains("Deployment/web now mounts data-mooring, scaled back to 3"), out);

    // a rerun finds everything done and changes nothing
    String again = run(options(true, true));
    assertTrue(again.contains("note: Deployment/web already mounts data-mooring"), again);
    assertTrue(again.contains("use the existing PersistentVolumeClaim"), again);
    assertTrue(again.contains("wait for the existing Job"), again);
    assertFalse(again.contains("scale Deployment/web to 0"), "no second stop: " + again);
    assertFalse(again.contains("scaled Deployment/web to 0"), again);
    assertEquals(3, deploymentNow().getSpec().getReplicas());
    assertEquals(1, client.batch().v1().jobs().inNamespace(NS).list().getItems().size());
  }

  @Test
  void aRerunAfterAnInterruptionScalesBackToTheRecordedReplicasNotZero() throws Exception {
    // the first run was interrupted after scaling down: the workload is at 0, the claim records 3
    client
        .persistentVolumeClaims()
        .inNamespace(NS)
        .resource(
            new PersistentVolumeClaimBuilder(targetOfAnEarlierRun("5Gi"))
                .editMetadata()
                .addToAnnotations("migrate.mooring.io/replicas", "3")
                .endMetadata()
                .build())
        .create();
    client
        .apps()
        .deployments()
        .inNamespace(NS)
        .withName("web")
        .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(0).endSpec().build());
    client.pods().inNamespace(NS).withName("web-1").delete();
    CompletableFuture<Void> job = finishJobWhenCreated("Complete");
    run(options(true, true));
    job.get(30, TimeUnit.SECONDS);
    assertEquals(3, deploymentNow().getSpec().getReplicas());
    assertEquals("data-mooring", claimOf(deploymentNow()));
  }

  @Test
  void aFailedCopyLeavesTheWorkloadAloneAndSaysHowToRetry() throws Exception {
    CompletableFuture<Void> job = finishJobWhenCreated("Failed");
    MigrationException e = assertThrows(MigrationException.class, () -> run(options(true, false)));
    job.get(30, TimeUnit.SECONDS);
    assertTrue(
        e.getMessage()
            .contains("the copy failed (kubectl -n apps logs job/mooring-migrate-data-mooring)"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("kubectl -n apps delete job mooring-migrate-data-mooring"),
        e.getMessage());
    assertEquals("data", claimOf(deploymentNow()));
  }

  @Test
  void refusesWhatCannotWork() {
    claim("pending", "ReadWriteOnce", "Pending", "1Gi");
    claim("solo", "ReadWriteOncePod", "Bound", "1Gi");
    pod("solo-0", "solo", "n1");
    claim("taken", "ReadWriteMany", "Bound", "1Gi");
    assertRefused("claim apps/nope not found", "nope", "mooring-cephfs", "nope-mooring", false);
    assertRefused(
        "claim apps/pending is Pending, not Bound", "pending", "mooring-cephfs", "x", false);
    assertRefused(
        "StorageClass gp3 is provisioned by ebs.csi.aws.com, not by Mooring",
        "data",
        "gp3",
        "x",
        false);
    assertRefused("StorageClass nope not found", "data", "nope", "x", false);
    assertRefused(
        "claim apps/taken exists and is not a migration of data",
        "data",
        "mooring-cephfs",
        "taken",
        false);
    assertRefused("pod solo-0 mounts it: no other pod can", "solo", "mooring-cephfs", "x", false);
    assertRefused("the target claim must differ", "data", "mooring-cephfs", "data", false);
    assertRefused(
        "--switch needs exactly one Deployment or StatefulSet in apps whose pod template mounts"
            + " taken; found none",
        "taken",
        "mooring-cephfs",
        "x",
        true);
    client.persistentVolumeClaims().inNamespace(NS).resource(targetOfAnEarlierRun("1Gi")).create();
    assertRefused(
        "claim apps/data-mooring (from an earlier run) is 1Gi, smaller than the source's 5Gi",
        "data",
        "mooring-cephfs",
        "data-mooring",
        false);
    assertTrue(client.batch().v1().jobs().inAnyNamespace().list().getItems().isEmpty());
  }

  private void assertRefused(
      String message, String source, String storageClass, String target, boolean switchWorkload) {
    MigrateOptions o =
        new MigrateOptions(
            NS,
            source,
            storageClass,
            target,
            "mooring.csi.io",
            IMAGE,
            true,
            switchWorkload,
            Duration.ofSeconds(30));
    MigrationException e = assertThrows(MigrationException.class, () -> run(o));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  private PersistentVolumeClaim targetOfAnEarlierRun(String size) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName("data-mooring")
        .withNamespace(NS)
        .withLabels(labels())
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteMany")
        .withStorageClassName("mooring-cephfs")
        .withNewResources()
        .addToRequests("storage", new Quantity(size))
        .endResources()
        .endSpec()
        .build();
  }

  /** Marks the copy Job ended with {@code condition} once the migration has created it. */
  private CompletableFuture<Void> finishJobWhenCreated(String condition) {
    return CompletableFuture.runAsync(
        () -> {
          await(() -> !client.batch().v1().jobs().inNamespace(NS).list().getItems().isEmpty());
          Job job = client.batch().v1().jobs().inNamespace(NS).list().getItems().get(0);
          job.setStatus(null);
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace(NS)
              .resource(job)
              .edit(
                  j -> {
                    j.setStatus(
                        new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
                            .withConditions(
                                new JobConditionBuilder()
                                    .withType(condition)
                                    .withStatus("True")
                                    .build())
                            .build());
                    return j;
                  });
        });
  }

  private static void await(BooleanSupplier done) {
    for (int i = 0; i < 300 && !done.getAsBoolean(); i++) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    assertTrue(done.getAsBoolean(), "not within 30 s");
  }

  private static Map<String, String> labels() {
    return Map.of(
        "app.kubernetes.io/managed-by", "mooring",
        "migrate.mooring.io/source", "data",
        "migrate.mooring.io/target", "data-mooring");
  }

  private Deployment deploymentNow() {
    return client.apps().deployments().inNamespace(NS).withName("web").get();
  }

  private static String claimOf(Deployment d) {
    return d.getSpec()
        .getTemplate()
        .getSpec()
        .getVolumes()
        .get(0)
        .getPersistentVolumeClaim()
        .getClaimName();
  }

  private void storageClass(String name, String provisioner) {
    client
        .storage()
        .v1()
        .storageClasses()
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withProvisioner(provisioner)
                .build())
        .create();
  }

  private void claim(String name, String mode, String phase, String size) {
    client
        .persistentVolumeClaims()
        .inNamespace(NS)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withAccessModes(mode)
                .withStorageClassName("gp3")
                .withNewResources()
                .addToRequests("storage", new Quantity(size))
                .endResources()
                .endSpec()
                .withNewStatus()
                .withPhase(phase)
                .addToCapacity("storage", new Quantity(size))
                .endStatus()
                .build())
        .create();
  }

  private void pod(String name, String claim, String node) {
    client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .addNewContainer()
                .withName("app")
                .withImage("busybox")
                .endContainer()
                .addNewVolume()
                .withName("data")
                .withNewPersistentVolumeClaim(claim, false)
                .endVolume()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .endStatus()
                .build())
        .create();
  }

  /** A Deployment with {@code replicas}; {@code claim} null: the Mooring controller's. */
  private static Deployment deployment(String name, int replicas, String claim) {
    DeploymentBuilder d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName(claim == null ? "mooring" : "app")
            .withImage(claim == null ? "mooring:from-the-cluster" : "busybox")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec();
    if (claim == null) {
      d.editMetadata()
          .addToLabels("app.kubernetes.io/name", "mooring")
          .addToLabels("app.kubernetes.io/component", "controller")
          .endMetadata();
    } else {
      d.editSpec()
          .editTemplate()
          .editSpec()
          .addNewVolume()
          .withName("data")
          .withNewPersistentVolumeClaim(claim, false)
          .endVolume()
          .endSpec()
          .endTemplate()
          .endSpec();
    }
    return d.build();
  }
}
