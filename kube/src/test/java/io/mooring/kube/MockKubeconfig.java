package io.mooring.kube;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A kubeconfig file with two contexts: "real" points at the mock server (default namespace apps),
 * "elsewhere" at a closed port.
 */
public final class MockKubeconfig {

  private MockKubeconfig() {}

  public static Path write(Path dir, KubernetesMockServer server, String current)
      throws IOException {
    Path file = dir.resolve("config");
    Files.writeString(
        file,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "current-context: " + current,
            "clusters:",
            "- name: mock",
            "  cluster: {server: '" + server.url("/") + "', insecure-skip-tls-verify: true}",
            "- name: closed",
            "  cluster: {server: 'http://127.0.0.1:1'}",
            "users:",
            "- name: admin",
            "  user: {token: not-a-secret}",
            "contexts:",
            "- name: real",
            "  context: {cluster: mock, user: admin, namespace: apps}",
            "- name: elsewhere",
            "  context: {cluster: closed, user: admin}",
            ""));
    return file;
  }
}
