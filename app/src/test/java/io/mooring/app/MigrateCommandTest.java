package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.mooring.kube.CliRun;
import io.mooring.kube.MockKubeconfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mooring migrate} as a user runs it, through the program's command line and a kubeconfig
 * naming the mock API server (what it creates: kube's MigrationTest).
 */
@EnableKubernetesMockClient(crud = true)
class MigrateCommandTest {

  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path dir;
  Path kubeconfig;

  @BeforeEach
  void seed() throws Exception {
    kubeconfig = MockKubeconfig.write(dir, server, "real"); // its namespace: apps
    for (String[] sc :
        new String[][] {{"gp3", "ebs.csi.aws.com"}, {"mooring-cephfs", "mooring.csi.io"}}) {
      client
          .storage()
          .v1()
          .storageClasses()
          .resource(
              new StorageClassBuilder()
                  .withNewMetadata()
                  .withName(sc[0])
                  .endMetadata()
                  .withProvisioner(sc[1])
                  .build())
          .create();
    }
    client
        .persistentVolumeClaims()
        .inNamespace("apps")
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("data")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName("gp3")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .withNewStatus()
                .withPhase("Bound")
                .endStatus()
                .build())
        .create();
  }

  CliRun mooring(String... args) {
    List<String> argv = new ArrayList<>(List.of(args));
    argv.addAll(List.of("--kubeconfig", kubeconfig.toString(), "--image", "mooring:test"));
    String[] all = argv.toArray(String[]::new);
    return CliRun.of(Main.commandLine(all), all);
  }

  @Test
  void aDryRunByDefaultInTheContextsNamespace() {
    CliRun run = mooring("migrate", "data", "--to-storage-class", "mooring-cephfs");
    assertEquals(0, run.exit(), run.err());
    assertTrue(
        run.out()
            .startsWith(
                "migrate apps/data (ReadWriteOnce, 1Gi, StorageClass gp3) to data-mooring"
                    + " (StorageClass mooring-cephfs)\n"),
        run.out());
    assertTrue(run.out().contains("dry run: nothing was changed"), run.out());
    assertNull(client.persistentVolumeClaims().inNamespace("apps").withName("data-mooring").get());
  }

  @Test
  void whatCannotWorkExitsOneAndSaysWhy() {
    CliRun notMooring = mooring("migrate", "data", "--to-storage-class", "gp3", "--dry-run=false");
    assertEquals(1, notMooring.exit());
    assertEquals(
        "mooring migrate: StorageClass gp3 is provisioned by ebs.csi.aws.com, not by Mooring"
            + " (mooring.csi.io): choose a Mooring class\n",
        notMooring.err());
    CliRun all = mooring("migrate", "data", "--to-storage-class", "mooring-cephfs", "-A");
    assertEquals(1, all.exit());
    assertEquals("mooring migrate: a claim lives in one namespace: -n, not -A\n", all.err());
    assertEquals(2, mooring("migrate", "data").exit(), "--to-storage-class is required");
  }
}
