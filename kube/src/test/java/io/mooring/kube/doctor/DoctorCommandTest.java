package io.mooring.kube.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mooring.kube.MockKubeconfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mooring doctor} as a user runs it: a kubeconfig file naming the mock API server. */
@EnableKubernetesMockClient(crud = true)
class DoctorCommandTest {

  static KubernetesMockServer server;
  static KubernetesClient client;
  @TempDir static Path dir;
  static Path kubeconfig;

  @BeforeAll
  static void seed() throws Exception {
    new ClusterFixture(client).seed();
    kubeconfig = MockKubeconfig.write(dir, server, "real"); // its namespace: apps
  }

  record Run(int exit, String out, String err) {}

  /** The doctor on the mock server's kubeconfig. */
  private static Run doctor(String... args) {
    List<String> argv = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString()));
    argv.addAll(List.of(args));
    return run(argv.toArray(String[]::new));
  }

  private static Run run(String... argv) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new DoctorCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(argv);
    return new Run(exit, out.toString(), err.toString());
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> findings(String json) {
    Map<String, Object> doc = new KubernetesSerialization().unmarshal(json, Map.class);
    assertEquals(List.of("findings"), List.copyOf(doc.keySet()), json);
    return (List<Map<String, Object>>) doc.get("findings");
  }

  @Test
  void textSaysWhatBreaksAndTheFixAndExitsOne() {
    Run run = doctor("-n", "shop");
    assertEquals(1, run.exit(), run.err());
    List<String> lines = run.out().lines().toList();
    assertEquals(10 * 3 + 1, lines.size(), run.out());
    assertEquals(
        "DaemonSet shop/agents: claim data-rwo (ReadWriteOnce, ebs.csi.aws.com) is used by its pods"
            + " on 3 nodes",
        lines.get(0));
    assertEquals(
        List.of(
            "Deployment shop/ebs-rwx: claim data-ebs-rwx (ReadWriteMany, ebs.csi.aws.com) is used"
                + " by 2 replicas",
            "  breaks: ebs.csi.aws.com gives a filesystem volume to one node at a time: the claim"
                + " is not provisioned, or its volume does not attach to a second node",
            "  fix:    copy the data to a Mooring ReadWriteMany claim (mooring migrate) and use"
                + " that; or run 1 replica with strategy Recreate (or RollingUpdate maxSurge 0)"),
        lines.subList(3, 6));
    assertEquals("10 findings in namespace shop", lines.get(lines.size() - 1));
    assertEquals("", run.err());
  }

  @Test
  void jsonHasEveryFieldOfEveryFinding() {
    Run run = doctor("-n", "shop", "-o", "json");
    assertEquals(1, run.exit(), run.err());
    assertEquals(1, run.out().lines().count(), "one document on one line");
    List<Map<String, Object>> findings = findings(run.out());
    assertEquals(10, findings.size());
    Map<String, Object> stuck = new LinkedHashMap<>();
    stuck.put("kind", "Pod");
    stuck.put("namespace", "shop");
    stuck.put("name", "attach-fails");
    stuck.put("reason", "FAILED_ATTACH");
    // no "claim": the pod's claims are not held to one node (omitted, as Kubernetes omits nulls)
    stuck.put(
        "summary", "AttachVolume.Attach failed for volume \"pv-rwx\" : rpc error: code = Internal");
    stuck.put(
        "breaks", "the pod waits in ContainerCreating: its volume does not attach to its node");
    stuck.put(
        "fix",
        "see kubectl describe pod; a Mooring claim needs no attach (copy the data to a Mooring"
            + " ReadWriteMany claim (mooring migrate) and use that)");
    assertEquals(stuck, findings.get(5));
    assertEquals(List.copyOf(stuck.keySet()), List.copyOf(findings.get(5).keySet()));
  }

  @Test
  void allNamespaces() {
    Run run = doctor("-A", "-o", "json");
    assertEquals(1, run.exit(), run.err());
    assertEquals(11, findings(run.out()).size());
    assertEquals("other", findings(run.out()).get(0).get("namespace"));
  }

  @Test
  void nothingFoundPrintsOneLineAndExitsZero() {
    Run text = doctor(); // the context's namespace, apps: empty
    assertEquals(0, text.exit(), text.err());
    assertEquals("no single-attach problems in namespace apps\n", text.out());
    Run json = doctor("-o", "json");
    assertEquals(0, json.exit(), json.err());
    assertEquals(List.of(), findings(json.out()));
  }

  @Test
  void anUnreachableApiServerExitsTwoSayingSo() {
    Run run = doctor("--context", "elsewhere", "-n", "shop");
    assertEquals(2, run.exit());
    assertEquals("", run.out());
    assertEquals(
        "mooring doctor: cannot list deployments in namespace shop: the API server"
            + " http://127.0.0.1:1/ did not answer (ConnectException)\n",
        run.err());
  }

  @Test
  void aForbiddenReadExitsTwoNamingIt() {
    String denied =
        "persistentvolumes is forbidden: User \"dev\" cannot list resource \"persistentvolumes\""
            + " in API group \"\" at the cluster scope";
    server
        .expect()
        .get()
        .withPath("/api/v1/persistentvolumes")
        .andReturn(
            403,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Forbidden")
                .withCode(403)
                .withMessage(denied)
                .build())
        .once();
    Run run = doctor("-n", "shop");
    assertEquals(2, run.exit());
    assertEquals("", run.out());
    assertEquals(
        "mooring doctor: cannot list persistentvolumes: forbidden (403): " + denied + "\n",
        run.err());
  }

  @Test
  void aMissingKubeconfigOrContextExitsTwoSayingSo() {
    Run context = doctor("--context", "nope");
    assertEquals(2, context.exit());
    assertEquals("", context.out());
    assertEquals(
        "mooring doctor: context nope does not exist in " + kubeconfig + "\n", context.err());
    Run missing = run("--kubeconfig", dir.resolve("missing").toString());
    assertEquals(2, missing.exit());
    assertEquals(
        "mooring doctor: cannot read kubeconfig " + dir.resolve("missing") + "\n", missing.err());
  }
}
