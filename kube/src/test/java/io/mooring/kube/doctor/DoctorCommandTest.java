package io.mooring.kube.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.mooring.kube.CliRun;
import io.mooring.kube.MockKubeconfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /** The doctor on the mock server's kubeconfig. */
  private static CliRun doctor(String... args) {
    List<String> argv = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString()));
    argv.addAll(List.of(args));
    return run(argv.toArray(String[]::new));
  }

  private static CliRun run(String... argv) {
    return CliRun.of(new CommandLine(new DoctorCommand()), argv);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> findings(String json) {
    Map<String, Object> doc = new KubernetesSerialization().unmarshal(json, Map.class);
    assertEquals(List.of("findings"), List.copyOf(doc.keySet()), json);
    return (List<Map<String, Object>>) doc.get("findings");
  }

  @Test
  void textSaysWhatBreaksAndTheFixAndExitsOne() {
    CliRun run = doctor("-n", "shop");
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
    CliRun run = doctor("-n", "shop", "-o", "json");
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
    CliRun run = doctor("-A", "-o", "json");
    assertEquals(1, run.exit(), run.err());
    assertEquals(11, findings(run.out()).size());
    assertEquals("other", findings(run.out()).get(0).get("namespace"));
  }

  @Test
  void nothingFoundPrintsOneLineAndExitsZero() {
    CliRun text = doctor(); // the context's namespace, apps: empty
    assertEquals(0, text.exit(), text.err());
    assertEquals("no single-attach problems in namespace apps\n", text.out());
    CliRun json = doctor("-o", "json");
    assertEquals(0, json.exit(), json.err());
    assertEquals(List.of(), findings(json.out()));
  }

  @Test
  void anUnreachableApiServerExitsTwoSayingSo() {
    CliRun run = doctor("--context", "elsewhere", "-n", "shop");
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
    CliRun run = doctor("-n", "shop");
    assertEquals(2, run.exit());
    assertEquals("", run.out());
    assertEquals(
        "mooring doctor: cannot list persistentvolumes: forbidden (403): " + denied + "\n",
        run.err());
  }

  @Test
  void aMissingKubeconfigOrContextExitsTwoSayingSo() {
    CliRun context = doctor("--context", "nope");
    assertEquals(2, context.exit());
    assertEquals("", context.out());
    assertEquals(
        "mooring doctor: context nope does not exist in " + kubeconfig + "\n", context.err());
    CliRun missing = run("--kubeconfig", dir.resolve("missing").toString());
    assertEquals(2, missing.exit());
    assertEquals(
        "mooring doctor: cannot read kubeconfig " + dir.resolve("missing") + "\n", missing.err());
  }

  /** deploy/doctor's ClusterRole may list exactly what the doctor reads: no more, no less. */
  @Test
  void theInClusterRoleListsExactlyWhatItReads() throws Exception {
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {} // the seeding's
    assertEquals(1, doctor("-A").exit());
    Set<String> read = new TreeSet<>();
    for (RecordedRequest r; (r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null; ) {
      assertEquals("GET", r.getMethod(), r.getPath());
      Matcher m = RESOURCE.matcher(r.getPath());
      assertTrue(m.find(), r.getPath());
      read.add(Objects.requireNonNullElse(m.group(1), "") + "/" + m.group(2));
    }
    Set<String> allowed = new TreeSet<>();
    try (InputStream yaml = Files.newInputStream(DOCTOR_YAML)) {
      for (HasMetadata o : client.load(yaml).items()) {
        if (o instanceof ClusterRole role) {
          for (PolicyRule rule : role.getRules()) {
            assertEquals(List.of("list"), rule.getVerbs());
            rule.getApiGroups()
                .forEach(g -> rule.getResources().forEach(r -> allowed.add(g + "/" + r)));
          }
        }
      }
    }
    assertEquals(allowed, read);
  }

  /** {@code /api/v1/pods}, {@code /apis/apps/v1/namespaces/x/deployments}: group and resource. */
  private static final Pattern RESOURCE =
      Pattern.compile("^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/[^/]+)?/([^/?]+)");

  private static final Path DOCTOR_YAML = Path.of("../deploy/doctor/doctor.yaml");
}
