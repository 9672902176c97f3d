package io.mooring.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@EnableKubernetesMockClient(crud = true)
class KubeClientsTest {

  @TempDir Path dir;
  KubernetesMockServer server;

  private Path kubeconfig(String current) throws Exception {
    return MockKubeconfig.write(dir, server, current);
  }

  @Test
  void theNamedContextWinsOverTheCurrentOne() throws Exception {
    try (KubernetesClient client = KubeClients.connect(kubeconfig("elsewhere"), "real")) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName("apps").endMetadata().build())
          .create();
      assertEquals("apps", client.namespaces().withName("apps").get().getMetadata().getName());
      assertEquals("apps", client.getNamespace(), "the context's namespace is the default");
    }
  }

  @Test
  void withoutAContextTheCurrentOneIsUsed() throws Exception {
    assertEquals(server.url("/"), KubeClients.config(kubeconfig("real"), null).getMasterUrl());
  }

  @Test
  void aMissingKubeconfigIsNamed() {
    Path missing = dir.resolve("nope");
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> KubeClients.config(missing, null));
    assertEquals("cannot read kubeconfig " + missing, e.getMessage());
  }

  @Test
  void anUnknownContextIsAnErrorNotTheCurrentOne() throws Exception {
    Path file = kubeconfig("real");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> KubeClients.config(file, "nope"));
    assertEquals("context nope does not exist in " + file, e.getMessage());
  }
}
