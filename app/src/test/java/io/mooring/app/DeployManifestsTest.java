package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mooring.Version;
import io.mooring.controller.config.BackendConfig;
import io.mooring.controller.config.BackendsFile;
import io.mooring.controller.config.CephConfig;
import io.mooring.controller.config.GlusterConfig;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;

/**
 * Renders deploy/ (every overlay, the base and the examples) and checks what a cluster would be
 * given: the objects load into fabric8's typed model with no unknown field, the driver name and the
 * socket paths agree everywhere, the plugins' args parse with the real command line, the backends
 * file parses with the real parser and the Secrets it reads files from are mounted, every Secret a
 * StorageClass names exists, has the keys its reader needs and is readable by exactly who must read
 * it, every container is bounded and every image pinned, the RBAC is least-privilege, and the CRUD
 * mock API server accepts and returns every object.
 *
 * <p>Examples go with overlays by name: {@code examples/<overlay>} when it exists (CephFS), else
 * {@code examples} (GlusterFS).
 *
 * <p>Rendering uses {@code kubectl kustomize} when kubectl is on the PATH. Without it a small
 * fallback reads each kustomization.yaml itself and understands only what deploy/ uses: {@code
 * resources} (files and directories), {@code components} (a Component's resources and patches),
 * {@code namespace} (set on every namespaced object, as kustomize does; binding subjects are left
 * as written), {@code configMapGenerator} ({@code files}, {@code literals}, {@code namespace},
 * {@code options.labels}; the generated name gets no content-hash suffix), {@code patches} (only
 * {@code path:} to a strategic-merge patch of one object, merging the lists deploy/ patches by
 * their Kubernetes merge keys and replacing any other list) and {@code images} (newName/newTag).
 * Any other key fails the test and asks for kubectl rather than render something else than kubectl
 * would; where kubectl is installed, the two renderings are compared object by object. {@code
 * -Dmooring.deploy.renderer=fallback} forces the fallback.
 */
class DeployManifestsTest {

  private static final String DRIVER = "mooring.csi.io";
  private static final String NAMESPACE = "mooring";
  private static final Path DEPLOY = findDeployDir();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Map<Path, List<HasMetadata>> RENDERS = new ConcurrentHashMap<>();
  private static final Set<String> CLUSTER_SCOPED =
      Set.of(
          "Namespace",
          "CSIDriver",
          "StorageClass",
          "ClusterRole",
          "ClusterRoleBinding",
          "PersistentVolume",
          "PriorityClass",
          "VolumeAttributesClass");
  private static final Set<String> WRITE_VERBS =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  /**
   * What Mooring reads from an admin (provisioner, expand, adminSecretDir) and a node-stage Secret.
   */
  private static final Set<String> ADMIN_KEYS = Set.of("adminID", "adminKey");

  private static final Set<String> USER_KEYS = Set.of("userID", "userKey");
  private static final Pattern ENV_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  /** The mock server logs every request through java.util.logging; held so the level sticks. */
  private static final Logger MOCK_SERVER_LOG = quiet("io.fabric8.mockwebserver");

  // ---------------------------------------------------------------------------------------------
  // What is rendered

  static Stream<Path> overlays() throws IOException {
    try (Stream<Path> dirs = Files.list(DEPLOY.resolve("overlays"))) {
      List<Path> found =
          dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList();
      assertFalse(found.isEmpty(), "no overlay under " + DEPLOY.resolve("overlays"));
      return found.stream();
    }
  }

  /** examples and every examples/<name> with a kustomization (one per backend type). */
  static Stream<Path> examples() throws IOException {
    try (Stream<Path> dirs = Files.list(DEPLOY.resolve("examples"))) {
      List<Path> sub =
          dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList();
      return Stream.concat(Stream.of(DEPLOY.resolve("examples")), sub.stream());
    }
  }

  /** Everything that can be applied with -k: base, overlays, examples, doctor. */
  static Stream<Path> kustomizations() throws IOException {
    return Stream.concat(
        Stream.concat(Stream.of(DEPLOY.resolve("base"), DEPLOY.resolve("doctor")), examples()),
        overlays());
  }

  /**
   * The examples that run on an overlay: examples/<overlay name> if there is one, else examples.
   */
  private static Path examplesFor(Path overlay) {
    Path own = DEPLOY.resolve("examples").resolve(overlay.getFileName().toString());
    return Files.isRegularFile(own.resolve("kustomization.yaml"))
        ? own
        : DEPLOY.resolve("examples");
  }

  @ParameterizedTest
  @MethodSource("kustomizations")
  void everyObjectLoadsIntoTheTypedModelWithoutUnknownFields(Path dir) {
    List<HasMetadata> objects = render(dir);
    assertFalse(objects.isEmpty(), dir + " renders nothing");
    for (HasMetadata o : objects) {
      String where = describe(o);
      assertFalse(
          o.getClass().getName().contains("Generic"),
          where + ": no typed model for apiVersion " + o.getApiVersion() + " kind " + o.getKind());
      assertNotNull(o.getMetadata().getName(), where + ": no name");
      List<String> unknown = new ArrayList<>();
      collectUnknownFields(o, where, unknown, 0);
      assertEquals(List.of(), unknown, "fields the Kubernetes API does not know (typos?)");
    }
    Map<String, Long> counts =
        objects.stream()
            .collect(Collectors.groupingBy(DeployManifestsTest::describe, Collectors.counting()));
    counts.forEach((what, n) -> assertEquals(1L, n, dir + " renders " + what + " " + n + " times"));
  }

  @Test
  void fallbackRendererAgreesWithKubectl() throws IOException {
    Optional<Path> kubectl = kubectl();
    assumeTrue(
        kubectl.isPresent() && !forceFallback(),
        "kubectl is not on the PATH: nothing to compare the fallback with");
    for (Path dir : kustomizations().toList()) {
      List<HasMetadata> real = withoutHashes(render(dir));
      List<HasMetadata> fallback = toTyped(fallbackRender(dir));
      Set<String> realNames =
          real.stream()
              .map(DeployManifestsTest::describe)
              .collect(Collectors.toCollection(TreeSet::new));
      Set<String> fallbackNames =
          fallback.stream()
              .map(DeployManifestsTest::describe)
              .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(
          realNames,
          fallbackNames,
          dir + ": the fallback renders other objects than kubectl kustomize");
      Map<String, HasMetadata> byName =
          real.stream().collect(Collectors.toMap(DeployManifestsTest::describe, o -> o));
      for (HasMetadata o : fallback) {
        assertEquals(
            canonical(byName.get(describe(o))),
            canonical(o),
            dir + ": the fallback renders " + describe(o) + " otherwise than kubectl kustomize");
      }
    }
  }

  /**
   * kubectl's rendering without the content-hash suffixes of generated ConfigMaps, in their names
   * and wherever they are referenced.
   */
  private static List<HasMetadata> withoutHashes(List<HasMetadata> objects) {
    List<HasMetadata> out = new ArrayList<>();
    for (HasMetadata o : objects) {
      String json = SERIALIZATION.asJson(o);
      for (ConfigMap cm : all(objects, ConfigMap.class)) {
        String hashed = cm.getMetadata().getName();
        json =
            json.replace(
                "\"" + hashed + "\"", "\"" + hashed.replaceFirst("-[a-z0-9]{10}$", "") + "\"");
      }
      out.add((HasMetadata) SERIALIZATION.unmarshal(json));
    }
    return out;
  }

  /** YAML with every mapping's keys sorted: equal for equal objects, readable in a failure. */
  private static String canonical(HasMetadata o) {
    return new Yaml().dump(sortedKeys(SERIALIZATION.convertValue(o, Map.class)));
  }

  private static Object sortedKeys(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> sorted = new TreeMap<>();
      map.forEach((k, v) -> sorted.put(String.valueOf(k), sortedKeys(v)));
      return sorted;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(DeployManifestsTest::sortedKeys).toList();
    }
    return value;
  }

  // ---------------------------------------------------------------------------------------------
  // Names and paths that must agree

  @ParameterizedTest
  @MethodSource("overlays")
  void driverNameIsTheSameEverywhere(Path overlay) throws IOException {
    List<HasMetadata> objects = render(overlay);
    CSIDriver driver = only(objects, CSIDriver.class);
    assertEquals(DRIVER, driver.getMetadata().getName());
    Container controller = container(podSpec(only(objects, Deployment.class)), "mooring");
    Container node = container(podSpec(only(objects, DaemonSet.class)), "mooring");
    assertEquals(DRIVER, flag(controller, "--driver-name").orElseThrow());
    assertEquals(DRIVER, flag(node, "--driver-name").orElseThrow());
    assertEquals("/var/lib/kubelet/plugins/" + DRIVER, flag(node, "--state-dir").orElseThrow());
    Container registrar =
        container(podSpec(only(objects, DaemonSet.class)), "node-driver-registrar");
    assertEquals(
        "/var/lib/kubelet/plugins/" + DRIVER + "/csi.sock",
        flag(registrar, "--kubelet-registration-path").orElseThrow());
    for (Path examples : examples().toList()) {
      for (StorageClass sc : all(render(examples), StorageClass.class)) {
        assertEquals(DRIVER, sc.getProvisioner(), describe(sc));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void sidecarsTalkToThePluginSocketThroughTheSameVolume(Path overlay) {
    for (HasMetadata workload : workloads(render(overlay))) {
      PodSpec pod = podSpec(workload);
      Container plugin = container(pod, "mooring");
      String endpoint = flag(plugin, "--endpoint").orElseThrow();
      assertTrue(endpoint.startsWith("unix:///"), describe(workload) + ": endpoint " + endpoint);
      String socket = endpoint.substring("unix://".length());
      VolumePath pluginSide =
          volumePath(plugin, socket)
              .orElseThrow(
                  () ->
                      new AssertionError(
                          describe(workload) + ": " + socket + " is on no volume of the plugin"));
      int sidecars = 0;
      for (Container c : containers(pod)) {
        Optional<String> address = flag(c, "--csi-address");
        if (c == plugin || address.isEmpty()) {
          continue;
        }
        sidecars++;
        String where = describe(workload) + " container " + c.getName();
        assertEquals(socket, address.get(), where + ": --csi-address");
        assertEquals(
            Optional.of(pluginSide),
            volumePath(c, address.get()),
            where + ": reaches " + address.get() + " through another volume than the plugin");
      }
      assertTrue(
          sidecars >= 1,
          describe(workload) + ": expected sidecars on the socket, found " + sidecars);
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void registrarRegistersThePluginSocketAsTheHostSeesIt(Path overlay) {
    DaemonSet node = only(render(overlay), DaemonSet.class);
    PodSpec pod = podSpec(node);
    Container plugin = container(pod, "mooring");
    String socket = flag(plugin, "--endpoint").orElseThrow().substring("unix://".length());
    VolumePath onVolume = volumePath(plugin, socket).orElseThrow();
    String hostDir = volume(pod, onVolume.volume()).getHostPath().getPath();
    Container registrar = container(pod, "node-driver-registrar");
    assertEquals(
        join(hostDir, onVolume.relative()),
        flag(registrar, "--kubelet-registration-path").orElseThrow());
    VolumeMount registration =
        registrar.getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals("/registration"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        "/var/lib/kubelet/plugins_registry",
        volume(pod, registration.getName()).getHostPath().getPath());
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void pluginArgsParseWithTheRealCommandLine(Path overlay) {
    List<HasMetadata> objects = render(overlay);
    Main controller = parse(container(podSpec(only(objects, Deployment.class)), "mooring"));
    assertEquals(Main.Mode.controller, controller.mode);
    assertNotNull(controller.backends, "controller needs --backends");
    assertNotNull(controller.healthAddress, "the controller's probes need --health-address");
    Main node = parse(container(podSpec(only(objects, DaemonSet.class)), "mooring"));
    assertEquals(Main.Mode.node, node.mode);
    assertEquals("node-1", node.nodeId, "--node-id must come from NODE_NAME");
    assertTrue(node.healthInterval.compareTo(Duration.ofMinutes(1)) < 0);
    assertNotNull(node.healthAddress, "the node's probes need --health-address");
  }

  @ParameterizedTest
  @MethodSource("kustomizations")
  void argsOnlyReferenceDefinedEnvVars(Path dir) {
    for (HasMetadata workload : workloads(render(dir))) {
      for (Container c : containers(podSpec(workload))) {
        Set<String> defined = env(c).stream().map(EnvVar::getName).collect(Collectors.toSet());
        for (String arg : Stream.concat(c.getArgs().stream(), c.getCommand().stream()).toList()) {
          Matcher m = ENV_REF.matcher(arg);
          while (m.find()) {
            assertTrue(
                defined.contains(m.group(1)),
                describe(workload)
                    + " container "
                    + c.getName()
                    + ": "
                    + arg
                    + " names undefined env "
                    + m.group(1)
                    + " (the kubelet would pass it literally)");
          }
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void backendsConfigMapLoadsWithTheRealParser(Path overlay, @TempDir Path tmp) throws IOException {
    Map<String, BackendConfig> backends = backends(overlay, tmp);
    assertFalse(backends.isEmpty());
    String type = overlay.getFileName().toString();
    backends
        .values()
        .forEach(b -> assertEquals(type, b.type(), "overlay " + type + " configures " + b));
    for (StorageClass sc : all(render(examplesFor(overlay)), StorageClass.class)) {
      String backend = sc.getParameters().get("backend");
      if (backend != null) {
        assertTrue(
            backends.containsKey(backend),
            describe(sc)
                + " names backend "
                + backend
                + ", the overlay "
                + overlay.getFileName()
                + " has "
                + backends.keySet());
      }
    }
  }

  /**
   * The Secrets a backend reads from files (a CephFS adminSecretDir; a Gluster ssh key and its
   * known_hosts), each directory with the file names the backend reads.
   */
  static Map<String, Set<String>> secretDirs(Collection<BackendConfig> backends) {
    Map<String, Set<String>> dirs = new TreeMap<>();
    for (BackendConfig backend : backends) {
      if (backend instanceof CephConfig ceph && !ceph.adminSecretDir().isEmpty()) {
        dirs.computeIfAbsent(ceph.adminSecretDir(), d -> new TreeSet<>()).addAll(ADMIN_KEYS);
      }
      if (backend instanceof GlusterConfig gluster
          && gluster.management() instanceof GlusterConfig.Ssh ssh) {
        for (Path file : List.of(Path.of(ssh.keyFile()), Path.of(ssh.knownHostsFile()))) {
          dirs.computeIfAbsent(file.getParent().toString(), d -> new TreeSet<>())
              .add(file.getFileName().toString());
        }
      }
    }
    return dirs;
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void backendSecretsAreMountedReadOnlyWhereTheBackendsFileSays(Path overlay, @TempDir Path tmp)
      throws IOException {
    List<HasMetadata> objects = render(overlay);
    PodSpec pod = podSpec(only(objects, Deployment.class));
    Container plugin = container(pod, "mooring");
    Set<String> mounted = new TreeSet<>();
    for (Map.Entry<String, Set<String>> dir :
        secretDirs(backends(overlay, tmp).values()).entrySet()) {
      String where = "secret dir " + dir.getKey();
      VolumeMount mount =
          plugin.getVolumeMounts().stream()
              .filter(m -> m.getMountPath().replaceFirst("/+$", "").equals(dir.getKey()))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError(where + ": nothing is mounted there in the controller"));
      assertEquals(Boolean.TRUE, mount.getReadOnly(), where);
      assertNull(mount.getSubPath(), where + ": a subPath mount never sees the Secret updated");
      Volume volume = volume(pod, mount.getName());
      assertNotNull(volume.getSecret(), where + ": volume " + volume.getName() + " is no Secret");
      assertTrue(
          volume.getSecret().getItems().isEmpty(),
          where + ": the files must keep the Secret's key names");
      assertFalse(
          Boolean.TRUE.equals(volume.getSecret().getOptional()),
          where + ": a missing Secret must stop the pod");
      Integer mode = volume.getSecret().getDefaultMode();
      assertTrue(
          mode != null && (mode & 0077) == 0,
          where + ": defaultMode " + mode + " lets others read the key");
      Secret secret =
          secret(objects, NAMESPACE, volume.getSecret().getSecretName())
              .orElseThrow(
                  () ->
                      new AssertionError(
                          where
                              + ": Secret "
                              + volume.getSecret().getSecretName()
                              + " not rendered"));
      assertTrue(
          secretKeys(secret).containsAll(dir.getValue()),
          where
              + ": "
              + describe(secret)
              + " has "
              + secretKeys(secret)
              + ", the backends file reads "
              + dir.getValue());
      mounted.add(volume.getName());
    }
    for (HasMetadata workload : workloads(objects)) {
      for (Container c : containers(podSpec(workload))) {
        for (VolumeMount m : c.getVolumeMounts()) {
          assertTrue(
              c == plugin || !mounted.contains(m.getName()),
              describe(workload) + " container " + c.getName() + " mounts a backend's Secret");
        }
      }
    }
  }

  /**
   * The Secrets a StorageClass names exist, in the overlay or next to the StorageClass, with the
   * keys Mooring reads from them; external-provisioner and external-resizer may GET exactly the
   * provisioner and controller-expand Secrets (the kubelet reads node-stage Secrets itself).
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void storageClassSecretsExistAndOnlyTheSidecarsThatNeedThemMayReadThem(Path overlay) {
    List<HasMetadata> objects = new ArrayList<>(render(overlay));
    objects.addAll(render(examplesFor(overlay)));
    Set<String> needed = new TreeSet<>();
    for (StorageClass sc : all(objects, StorageClass.class)) {
      Map<String, String> parameters = sc.getParameters();
      Set<String> unknown = new TreeSet<>(parameters.keySet());
      unknown.removeIf(
          k -> k.equals("backend") || k.equals("onDelete") || k.startsWith("csi.storage.k8s.io/"));
      assertEquals(Set.of(), unknown, describe(sc) + ": parameters the controller rejects");
      for (String use : List.of("provisioner", "controller-expand", "node-stage")) {
        String name = parameters.get("csi.storage.k8s.io/" + use + "-secret-name");
        String namespace = parameters.get("csi.storage.k8s.io/" + use + "-secret-namespace");
        String where = describe(sc) + " " + use + " secret " + namespace + "/" + name;
        assertEquals(name == null, namespace == null, where + ": name and namespace go together");
        if (name == null) {
          continue;
        }
        Secret secret =
            secret(objects, namespace, name)
                .orElseThrow(() -> new AssertionError(where + ": not rendered"));
        Set<String> keys = secretKeys(secret);
        if (use.equals("node-stage")) {
          assertTrue(
              keys.containsAll(USER_KEYS) || keys.containsAll(ADMIN_KEYS), where + ": has " + keys);
        } else {
          assertTrue(keys.containsAll(ADMIN_KEYS), where + ": has " + keys);
          assertTrue(
              controllerMayGetSecret(objects, namespace, name),
              where + ": the sidecars may not GET it");
          needed.add(namespace + "/" + name);
        }
      }
    }
    for (Secret secret : all(objects, Secret.class)) {
      String id = secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
      assertEquals(
          needed.contains(id),
          controllerMayGetSecret(
              objects, secret.getMetadata().getNamespace(), secret.getMetadata().getName()),
          "mooring-controller may GET "
              + id
              + ": only if a StorageClass makes"
              + " the sidecars read it");
    }
  }

  @ParameterizedTest
  @MethodSource("kustomizations")
  void noContainerTakesASecretThroughItsEnvironment(Path dir) {
    for (HasMetadata workload : workloads(render(dir))) {
      for (Container c : containers(podSpec(workload))) {
        String where = describe(workload) + " container " + c.getName();
        for (EnvVar e : env(c)) {
          assertTrue(
              e.getValueFrom() == null || e.getValueFrom().getSecretKeyRef() == null,
              where
                  + ": env "
                  + e.getName()
                  + " from a Secret (child processes inherit it; mount the Secret)");
        }
        c.getEnvFrom().forEach(e -> assertNull(e.getSecretRef(), where + ": env from a Secret"));
      }
    }
  }

  /** The controller's backends file as the overlay mounts it, loaded with the real parser. */
  private static Map<String, BackendConfig> backends(Path overlay, Path tmp) throws IOException {
    List<HasMetadata> objects = render(overlay);
    PodSpec pod = podSpec(only(objects, Deployment.class));
    Container plugin = container(pod, "mooring");
    Path file = Path.of(flag(plugin, "--backends").orElseThrow());
    VolumeMount mount =
        plugin.getVolumeMounts().stream()
            .filter(m -> file.startsWith(m.getMountPath()))
            .max(Comparator.comparing(m -> m.getMountPath().length()))
            .orElseThrow(
                () ->
                    new AssertionError(
                        "--backends " + file + " is on no volume of the controller"));
    assertNotNull(
        volume(pod, mount.getName()).getConfigMap(), file + " is not on a ConfigMap volume");
    String configMapName = volume(pod, mount.getName()).getConfigMap().getName();
    ConfigMap configMap =
        all(objects, ConfigMap.class).stream()
            .filter(cm -> cm.getMetadata().getName().equals(configMapName))
            .findFirst()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "controller mounts ConfigMap " + configMapName + ", not rendered"));
    assertEquals(NAMESPACE, configMap.getMetadata().getNamespace());
    String key = Path.of(mount.getMountPath()).relativize(file).toString();
    String content = configMap.getData().get(key);
    assertNotNull(content, "ConfigMap " + configMapName + " has no key " + key);
    Path copy = tmp.resolve(overlay.getFileName() + "-" + key);
    Files.writeString(copy, content);
    return BackendsFile.load(copy);
  }

  // ---------------------------------------------------------------------------------------------
  // Pods

  @ParameterizedTest
  @MethodSource("kustomizations")
  void everyContainerHasCpuAndMemoryRequestsAndLimits(Path dir) {
    for (HasMetadata workload : workloads(render(dir))) {
      for (Container c : containers(podSpec(workload))) {
        String where = describe(workload) + " container " + c.getName();
        assertNotNull(c.getResources(), where + ": no resources");
        for (String resource : List.of("cpu", "memory")) {
          Quantity request = c.getResources().getRequests().get(resource);
          Quantity limit = c.getResources().getLimits().get(resource);
          assertNotNull(request, where + ": no " + resource + " request");
          assertNotNull(limit, where + ": no " + resource + " limit");
          assertTrue(
              request.getNumericalAmount().compareTo(limit.getNumericalAmount()) <= 0,
              where + ": " + resource + " request " + request + " above limit " + limit);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("kustomizations")
  void everyImageIsPinned(Path dir) {
    for (HasMetadata workload : workloads(render(dir))) {
      for (Container c : containers(podSpec(workload))) {
        String image = c.getImage();
        String where = describe(workload) + " container " + c.getName() + " image " + image;
        assertNotNull(image, where);
        if (image.contains("@sha256:")) {
          continue;
        }
        String tag = ImageRef.parse(image).tag();
        assertNotNull(tag, where + ": no tag");
        assertFalse(tag.isEmpty() || tag.equals("latest"), where + ": not pinned");
      }
    }
  }

  /**
   * One image, one tag: across every overlay, the base and the examples, no two containers name the
   * same image with different tags or digests, and deploy/README.md's "Sidecar images" table (where
   * the evidence that each tag exists is kept) names exactly the sidecar tags deployed.
   */
  @Test
  void everyImageHasOneTagEverywhereAndTheSidecarTableSaysWhich() throws IOException {
    Map<String, Set<String>> refsByImage = new TreeMap<>();
    Map<String, Set<String>> usedBy = new TreeMap<>();
    for (Path dir : kustomizations().toList()) {
      for (HasMetadata workload : workloads(render(dir))) {
        for (Container c : containers(podSpec(workload))) {
          ImageRef ref = ImageRef.parse(c.getImage());
          refsByImage.computeIfAbsent(ref.name(), k -> new TreeSet<>()).add(ref.version());
          usedBy
              .computeIfAbsent(ref.name() + "@" + ref.version(), k -> new TreeSet<>())
              .add(DEPLOY.relativize(dir) + ": " + describe(workload) + "/" + c.getName());
        }
      }
    }
    refsByImage.forEach(
        (image, versions) ->
            assertEquals(
                1,
                versions.size(),
                image
                    + " is pinned differently: "
                    + versions.stream()
                        .map(v -> v + " in " + usedBy.get(image + "@" + v))
                        .toList()));
    Map<String, String> deployedSidecars = new TreeMap<>();
    refsByImage.forEach(
        (image, versions) -> {
          if (image.startsWith(SIDECAR_REGISTRY)) {
            deployedSidecars.put(
                image.substring(SIDECAR_REGISTRY.length()), versions.iterator().next());
          }
        });
    assertEquals(
        deployedSidecars,
        sidecarTable(),
        "deploy/README.md \"Sidecar images\" must list each deployed sidecar with its tag");
  }

  /** Both plugins run the image of this build: its tag is the project version (CHANGELOG.md). */
  @ParameterizedTest
  @MethodSource("overlays")
  void pluginsRunTheImageOfThisVersion(Path overlay) {
    for (HasMetadata workload : workloads(render(overlay))) {
      Container plugin = container(podSpec(workload), "mooring");
      assertEquals(
          Version.get(),
          ImageRef.parse(plugin.getImage()).tag(),
          describe(workload) + " image " + plugin.getImage());
    }
  }

  private static final String SIDECAR_REGISTRY = "registry.k8s.io/sig-storage/";

  /** Sidecar name to tag, from the first two columns of deploy/README.md's "Sidecar images". */
  private static Map<String, String> sidecarTable() throws IOException {
    String readme = Files.readString(DEPLOY.resolve("README.md"));
    int start = readme.indexOf("### Sidecar images");
    assertTrue(start >= 0, "deploy/README.md has no \"### Sidecar images\" section");
    String section = readme.substring(start + 1);
    int end = section.indexOf("\n#");
    section = end < 0 ? section : section.substring(0, end);
    Map<String, String> table = new TreeMap<>();
    Matcher row = Pattern.compile("(?m)^\\| ([a-z0-9-]+) \\| (v[0-9][^ |]*) \\|").matcher(section);
    while (row.find()) {
      table.put(row.group(1), row.group(2));
    }
    return table;
  }

  /**
   * An image reference split as a registry would: name (with registry and path), and tag and
   * digest, either of which may be absent. A port in the registry host is not a tag.
   */
  record ImageRef(String name, String tag, String digest) {
    static ImageRef parse(String image) {
      String rest = image;
      String digest = null;
      int at = rest.indexOf('@');
      if (at >= 0) {
        digest = rest.substring(at + 1);
        rest = rest.substring(0, at);
      }
      int slash = rest.lastIndexOf('/');
      int colon = rest.indexOf(':', slash + 1);
      return colon < 0
          ? new ImageRef(rest, null, digest)
          : new ImageRef(rest.substring(0, colon), rest.substring(colon + 1), digest);
    }

    /** What pins it: the digest when there is one (it wins over the tag), else the tag. */
    String version() {
      return digest != null ? digest : String.valueOf(tag);
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void nodePluginIsPrivilegedAndPropagatesMountsBothWays(Path overlay) {
    PodSpec pod = podSpec(only(render(overlay), DaemonSet.class));
    Container plugin = container(pod, "mooring");
    assertEquals(Boolean.TRUE, plugin.getSecurityContext().getPrivileged());
    VolumeMount kubelet =
        plugin.getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals("/var/lib/kubelet"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("node plugin does not mount /var/lib/kubelet"));
    assertEquals("Bidirectional", kubelet.getMountPropagation());
    assertEquals("/var/lib/kubelet", volume(pod, kubelet.getName()).getHostPath().getPath());
    assertTrue(
        Path.of(flag(plugin, "--state-dir").orElseThrow()).startsWith(kubelet.getMountPath()),
        "state dir must be under the Bidirectional mount, or the FUSE clients' mounts never reach"
            + " the host");
    VolumeMount fuse =
        plugin.getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals("/dev/fuse"))
            .findFirst()
            .orElseThrow();
    assertEquals("CharDevice", volume(pod, fuse.getName()).getHostPath().getType());
    for (Container sidecar : containers(pod)) {
      if (sidecar != plugin) {
        assertTrue(
            sidecar.getSecurityContext() == null
                || !Boolean.TRUE.equals(sidecar.getSecurityContext().getPrivileged()),
            sidecar.getName() + " needs no privileges");
        sidecar
            .getVolumeMounts()
            .forEach(
                m ->
                    assertTrue(
                        m.getMountPropagation() == null || m.getMountPropagation().equals("None"),
                        sidecar.getName() + " needs no mount propagation"));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void nodePluginKeepsItsFuseClientsAcrossRolloutsAndShutdown(Path overlay) {
    DaemonSet node = only(render(overlay), DaemonSet.class);
    PodSpec pod = podSpec(node);
    assertEquals(
        "OnDelete",
        node.getSpec().getUpdateStrategy().getType(),
        "a rolling update would restart every node plugin and its FUSE clients");
    for (Container c : containers(pod)) {
      assertTrue(
          c.getLifecycle() == null || c.getLifecycle().getPreStop() == null,
          c.getName() + ": no preStop hook (nothing may unmount on shutdown)");
    }
    assertNotNull(pod.getTerminationGracePeriodSeconds());
    assertTrue(
        pod.getTolerations().stream()
            .anyMatch(t -> "Exists".equals(t.getOperator()) && t.getKey() == null),
        "node plugin must tolerate every taint to run on every node");
    Container plugin = container(pod, "mooring");
    EnvVar nodeName =
        env(plugin).stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst().orElseThrow();
    assertEquals("spec.nodeName", nodeName.getValueFrom().getFieldRef().getFieldPath());
    assertEquals(Optional.of("$(NODE_NAME)"), flag(plugin, "--node-id"));
  }

  /**
   * Liveness asks only whether the plugin answers CSI (its own /livez); the backends' health is
   * readiness (/readyz, with the reason). Nothing goes through the livenessprobe sidecar: its
   * /healthz fails on Probe's ready=false as well, so a storage outage would restart-loop the
   * plugin.
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void livenessAsksOnlyWhetherThePluginServesAndReadinessCarriesTheBackends(Path overlay) {
    for (HasMetadata workload : workloads(render(overlay))) {
      PodSpec pod = podSpec(workload);
      String where = describe(workload);
      Container plugin = container(pod, "mooring");
      String health =
          flag(plugin, "--health-address")
              .orElseThrow(() -> new AssertionError(where + ": no --health-address"));
      assertEquals(
          "$(POD_IP):" + port(health),
          health,
          where + ": health endpoints on the pod's address only");
      EnvVar podIp =
          env(plugin).stream().filter(e -> e.getName().equals("POD_IP")).findFirst().orElseThrow();
      assertEquals("status.podIP", podIp.getValueFrom().getFieldRef().getFieldPath());
      Probe liveness = plugin.getLivenessProbe();
      Probe readiness = plugin.getReadinessProbe();
      assertNotNull(liveness, where + ": plugin without a liveness probe");
      assertNotNull(readiness, where + ": plugin without a readiness probe");
      assertEquals(
          "/livez",
          liveness.getHttpGet().getPath(),
          where + ": liveness must not ask for readiness");
      assertEquals("/readyz", readiness.getHttpGet().getPath(), where);
      for (Probe probe : List.of(liveness, readiness)) {
        assertEquals(port(health), probePort(plugin, probe), where + ": probe port");
        assertNull(probe.getHttpGet().getHost(), where + ": the kubelet probes the pod's address");
      }
      assertTrue(
          liveness.getFailureThreshold() * liveness.getPeriodSeconds() >= 30,
          where + ": liveness restarts the plugin after less than 30 s without an answer");
      for (Container c : containers(pod)) {
        assertFalse(
            c.getImage().contains("/livenessprobe:"),
            where
                + ": livenessprobe sidecar "
                + c.getName()
                + " (its /healthz fails on ready=false: a backend outage would look like a dead"
                + " plugin)");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void metricsAndHealthPortsAreAnnouncedAndDistinct(Path overlay) {
    List<HasMetadata> workloads = workloads(render(overlay));
    Map<Integer, String> hostPorts = new HashMap<>();
    for (HasMetadata workload : workloads) {
      PodSpec pod = podSpec(workload);
      String where = describe(workload);
      Container plugin = container(pod, "mooring");
      int metricsPort = port(flag(plugin, "--metrics-address").orElseThrow());
      Map<String, String> annotations = podTemplate(workload).getMetadata().getAnnotations();
      assertEquals("true", annotations.get("prometheus.io/scrape"));
      assertEquals(Integer.toString(metricsPort), annotations.get("prometheus.io/port"));
      if (Boolean.TRUE.equals(pod.getHostNetwork())) {
        List<Integer> listens = new ArrayList<>();
        for (Container c : containers(pod)) {
          flag(c, "--http-endpoint").ifPresent(e -> listens.add(port(e)));
          flag(c, "--metrics-address").ifPresent(e -> listens.add(port(e)));
          flag(c, "--health-address").ifPresent(e -> listens.add(port(e)));
        }
        for (int p : listens) {
          String previous = hostPorts.put(p, where);
          assertNull(previous, "host port " + p + " used by " + previous + " and " + where);
        }
      }
    }
  }

  /**
   * Volumes are bind mounts of one FUSE client per backend: the kubelet must neither chown the
   * shared tree for each pod's fsGroup nor ask for a per-pod SELinux context, which a bind mount of
   * a shared superblock cannot take (the node refuses context= flags: node's MountFlagsTest). Both
   * are spelled out, not left to defaults that change (SELinuxMount is on by default from 1.37).
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void csiDriverLeavesOwnershipAndSelinuxLabelsAlone(Path overlay) {
    CSIDriver driver = only(render(overlay), CSIDriver.class);
    assertEquals("None", driver.getSpec().getFsGroupPolicy());
    assertEquals(Boolean.FALSE, driver.getSpec().getSeLinuxMount(), "seLinuxMount set to false");
  }

  /**
   * Every HTTP listener of the plugins and sidecars is bound to the pod's address (the node's, on
   * the host network), never to all interfaces; every one that serves metrics is a named container
   * port and a port of a headless metrics Service that selects exactly its pods, so each replica
   * and each node is a target of its own.
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void metricsListenOnThePodAddressAndAServiceNamesEveryOne(Path overlay) {
    List<HasMetadata> objects = render(overlay);
    List<Service> services = all(objects, Service.class);
    for (HasMetadata workload : workloads(objects)) {
      PodTemplateSpec template = podTemplate(workload);
      List<Service> mine =
          services.stream()
              .filter(
                  s ->
                      template
                          .getMetadata()
                          .getLabels()
                          .entrySet()
                          .containsAll(s.getSpec().getSelector().entrySet()))
              .toList();
      assertEquals(1, mine.size(), describe(workload) + ": metrics Services " + mine);
      Service service = mine.get(0);
      assertEquals("None", service.getSpec().getClusterIP(), "headless: every pod a target");
      Map<String, Integer> servicePorts = new TreeMap<>();
      service
          .getSpec()
          .getPorts()
          .forEach(p -> servicePorts.put(p.getTargetPort().getStrVal(), p.getPort()));
      Map<String, Integer> metricsPorts = new TreeMap<>();
      for (Container c : containers(podSpec(workload))) {
        String where = describe(workload) + " container " + c.getName();
        for (String flag : List.of("--metrics-address", "--http-endpoint", "--health-address")) {
          Optional<String> address = flag(c, flag);
          if (address.isEmpty()) {
            continue;
          }
          assertEquals(
              "$(POD_IP):" + port(address.get()),
              address.get(),
              where + ": " + flag + " on the pod's address only");
          EnvVar podIp =
              env(c).stream()
                  .filter(e -> e.getName().equals("POD_IP"))
                  .findFirst()
                  .orElseThrow(() -> new AssertionError(where + ": no POD_IP"));
          assertEquals("status.podIP", podIp.getValueFrom().getFieldRef().getFieldPath());
          boolean servesMetrics =
              flag.equals("--metrics-address")
                  || (flag.equals("--http-endpoint")
                      && !c.getImage().contains("/csi-node-driver-registrar:"));
          if (servesMetrics) {
            ContainerPort declared =
                c.getPorts().stream()
                    .filter(p -> p.getContainerPort() == port(address.get()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(where + ": metrics port not declared"));
            metricsPorts.put(declared.getName(), declared.getContainerPort());
          }
        }
      }
      assertEquals(metricsPorts, servicePorts, describe(service) + " names every metrics port");
    }
  }

  /** The optional ServiceMonitor scrapes every port of both metrics Services, in every overlay. */
  @Test
  @SuppressWarnings("unchecked")
  void serviceMonitorScrapesEveryMetricsPort() throws IOException {
    List<Map<String, Object>> docs =
        kubectl().isPresent() && !forceFallback()
            ? kubectlRender(kubectl().get(), DEPLOY.resolve("servicemonitor"))
            : fallbackRender(DEPLOY.resolve("servicemonitor"));
    assertEquals(1, docs.size());
    Map<String, Object> monitor = docs.get(0);
    assertEquals("ServiceMonitor", monitor.get("kind"));
    assertEquals(NAMESPACE, ((Map<String, Object>) monitor.get("metadata")).get("namespace"));
    Map<String, Object> spec = (Map<String, Object>) monitor.get("spec");
    Map<String, String> selector =
        (Map<String, String>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
    Set<String> scraped = new TreeSet<>();
    ((List<Map<String, Object>>) spec.get("endpoints"))
        .forEach(e -> scraped.add((String) e.get("port")));
    Set<String> offered = new TreeSet<>();
    for (Path overlay : overlays().toList()) {
      for (Service service : all(render(overlay), Service.class)) {
        assertTrue(
            service.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()),
            describe(service) + " is not selected by the ServiceMonitor");
        service.getSpec().getPorts().forEach(p -> offered.add(p.getName()));
      }
    }
    assertEquals(offered, scraped, "ServiceMonitor endpoints vs the Services' ports");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void noAttacherAndASnapshotterEverywhere(Path overlay) {
    List<HasMetadata> objects = render(overlay);
    CSIDriver driver = only(objects, CSIDriver.class);
    assertEquals(Boolean.FALSE, driver.getSpec().getAttachRequired());
    assertEquals(List.of("Persistent"), driver.getSpec().getVolumeLifecycleModes());
    int snapshotters = 0;
    for (HasMetadata workload : workloads(objects)) {
      for (Container c : containers(podSpec(workload))) {
        assertFalse(
            c.getImage().contains("csi-attacher"), describe(workload) + ": " + c.getImage());
        if (c.getImage().contains("csi-snapshotter")) {
          snapshotters++;
          assertTrue(
              c.getArgs().contains("--leader-election"), describe(workload) + ": " + c.getArgs());
        }
      }
    }
    // both backends have snapshots (GlusterFS's are copies)
    assertEquals(1, snapshotters, overlay + ": snapshotter sidecars");
    List<PolicyRule> rules = rulesOf(objects, "mooring-controller");
    assertTrue(allows(rules, "snapshot.storage.k8s.io", "volumesnapshotcontents/status", "patch"));
    assertTrue(allows(rules, "snapshot.storage.k8s.io", "volumesnapshots", "get"));
    assertTrue(
        allows(
            rules, "groupsnapshot.storage.k8s.io", "volumegroupsnapshotcontents/status", "patch"));
    assertFalse(
        allows(rules, "snapshot.storage.k8s.io", "volumesnapshots", "update"),
        "only snapshot-controller writes VolumeSnapshots");
  }

  /**
   * The snapshot examples (kinds fabric8's model here does not have: read as plain YAML) name the
   * driver, the class, the example's claim and StorageClass, and ask for at least its size.
   */
  @Test
  @SuppressWarnings("unchecked")
  void snapshotExamplesNameWhatTheCephfsExampleMakes() throws IOException {
    Path dir = DEPLOY.resolve("examples/cephfs/snapshots");
    Map<String, Map<String, Object>> byKindAndName = new TreeMap<>();
    for (Object resource :
        (List<Object>)
            loadAll(Files.readString(dir.resolve("kustomization.yaml"))).get(0).get("resources")) {
      for (Map<String, Object> doc : loadAll(Files.readString(dir.resolve((String) resource)))) {
        Map<String, Object> meta = (Map<String, Object>) doc.get("metadata");
        byKindAndName.put(doc.get("kind") + "/" + meta.get("name"), doc);
      }
    }
    List<HasMetadata> example = render(DEPLOY.resolve("examples/cephfs"));
    PersistentVolumeClaim source = only(example, PersistentVolumeClaim.class);
    String storageClass = only(example, StorageClass.class).getMetadata().getName();

    Map<String, Object> group =
        (Map<String, Object>)
            byKindAndName.get("VolumeGroupSnapshot/shared-data-group").get("spec");
    assertEquals("mooring-cephfs", group.get("volumeGroupSnapshotClassName"));
    assertEquals(
        DRIVER, byKindAndName.get("VolumeGroupSnapshotClass/mooring-cephfs").get("driver"));
    Map<String, String> selected =
        (Map<String, String>)
            ((Map<String, Object>) ((Map<String, Object>) group.get("source")).get("selector"))
                .get("matchLabels");
    assertTrue(
        source.getMetadata().getLabels().entrySet().containsAll(selected.entrySet()),
        "the group selects the example's claim");
    Map<String, Object> snapshotClass = byKindAndName.get("VolumeSnapshotClass/mooring-cephfs");
    assertEquals(DRIVER, snapshotClass.get("driver"));
    assertEquals(
        "mooring-ceph-admin",
        ((Map<String, Object>) snapshotClass.get("parameters"))
            .get("csi.storage.k8s.io/snapshotter-secret-name"));
    Map<String, Object> snapshot =
        (Map<String, Object>)
            byKindAndName.get("VolumeSnapshot/shared-data-cephfs-snap").get("spec");
    assertEquals("mooring-cephfs", snapshot.get("volumeSnapshotClassName"));
    assertEquals(
        source.getMetadata().getName(),
        ((Map<String, Object>) snapshot.get("source")).get("persistentVolumeClaimName"));

    Map<String, String> dataSources =
        Map.of(
            "PersistentVolumeClaim/shared-data-cephfs-restored",
            "VolumeSnapshot/shared-data-cephfs-snap",
            "PersistentVolumeClaim/shared-data-cephfs-clone",
            "PersistentVolumeClaim/" + source.getMetadata().getName());
    dataSources.forEach(
        (claimName, from) -> {
          PersistentVolumeClaim claim =
              SERIALIZATION.convertValue(byKindAndName.get(claimName), PersistentVolumeClaim.class);
          assertEquals(storageClass, claim.getSpec().getStorageClassName(), claimName);
          assertEquals(List.of("ReadWriteMany"), claim.getSpec().getAccessModes(), claimName);
          var ref = claim.getSpec().getDataSource();
          assertEquals(from, ref.getKind() + "/" + ref.getName(), claimName);
          assertEquals(
              from.startsWith("VolumeSnapshot") ? "snapshot.storage.k8s.io" : null,
              ref.getApiGroup(),
              claimName);
          assertTrue(
              Quantity.getAmountInBytes(claim.getSpec().getResources().getRequests().get("storage"))
                      .compareTo(
                          Quantity.getAmountInBytes(
                              source.getSpec().getResources().getRequests().get("storage")))
                  >= 0,
              claimName + " asks for less than its source holds");
        });

    // the read-only view of the snapshot: its own class, like the example's but backingSnapshot
    StorageClass viewClass =
        SERIALIZATION.convertValue(
            byKindAndName.get("StorageClass/mooring-cephfs-snapshot-view"), StorageClass.class);
    StorageClass exampleClass = only(example, StorageClass.class);
    assertEquals(DRIVER, viewClass.getProvisioner());
    assertEquals("true", viewClass.getParameters().get("backingSnapshot"));
    for (String key :
        List.of(
            "backend",
            "csi.storage.k8s.io/provisioner-secret-name",
            "csi.storage.k8s.io/node-stage-secret-name")) {
      assertEquals(exampleClass.getParameters().get(key), viewClass.getParameters().get(key), key);
    }
    PersistentVolumeClaim view =
        SERIALIZATION.convertValue(
            byKindAndName.get("PersistentVolumeClaim/shared-data-cephfs-snapshot-view"),
            PersistentVolumeClaim.class);
    assertEquals(viewClass.getMetadata().getName(), view.getSpec().getStorageClassName());
    assertEquals(List.of("ReadOnlyMany"), view.getSpec().getAccessModes(), "readers only");
    assertEquals(
        "VolumeSnapshot/shared-data-cephfs-snap",
        view.getSpec().getDataSource().getKind() + "/" + view.getSpec().getDataSource().getName());
  }

  // ---------------------------------------------------------------------------------------------
  // RBAC

  @ParameterizedTest
  @MethodSource("overlays")
  void rbacIsLeastPrivilegePerServiceAccount(Path overlay) {
    List<HasMetadata> objects = render(overlay);
    for (HasMetadata workload : workloads(objects)) {
      String sa = podSpec(workload).getServiceAccountName();
      assertTrue(
          all(objects, ServiceAccount.class).stream()
              .anyMatch(s -> s.getMetadata().getName().equals(sa)),
          describe(workload) + " uses ServiceAccount " + sa + ", not rendered");
    }
    List<PolicyRule> controller = rulesOf(objects, "mooring-controller");
    assertFalse(controller.isEmpty());
    for (PolicyRule rule : controller) {
      for (List<String> field :
          List.of(rule.getVerbs(), rule.getResources(), rule.getApiGroups())) {
        assertFalse(field.stream().anyMatch(s -> s.contains("*")), "wildcard in " + rule);
      }
      if (rule.getResources().contains("secrets")) {
        assertTrue(
            rule.getVerbs().stream().noneMatch(WRITE_VERBS::contains), "secrets write in " + rule);
      }
    }
    assertTrue(allows(controller, "", "persistentvolumes", "create"));
    assertTrue(allows(controller, "", "persistentvolumes", "delete"));
    assertTrue(allows(controller, "", "persistentvolumeclaims/status", "patch"));
    assertTrue(allows(controller, "", "events", "create"));
    assertTrue(allows(controller, "storage.k8s.io", "storageclasses", "watch"));
    assertFalse(
        allows(controller, "storage.k8s.io", "volumeattachments", "get"),
        "attachRequired is false");
    List<PolicyRule> namespaced = new ArrayList<>();
    for (NamespacedRule r : namespacedRulesOf(objects, "mooring-controller")) {
      assertEquals(
          NAMESPACE,
          r.namespace(),
          "mooring-controller has rights in another namespace: " + r.rule());
      for (List<String> field :
          List.of(r.rule().getVerbs(), r.rule().getResources(), r.rule().getApiGroups())) {
        assertFalse(field.stream().anyMatch(s -> s.contains("*")), "wildcard in " + r.rule());
      }
      namespaced.add(r.rule());
    }
    // Leader election only in the controller's own namespace.
    assertTrue(allows(namespaced, "coordination.k8s.io", "leases", "update"));
    assertFalse(
        allows(controller, "coordination.k8s.io", "leases", "update"),
        "leases belong in a namespaced Role");
    // Secrets: never cluster-wide; in a Role, GET of named Secrets only (the sidecars read the ones
    // a StorageClass names with one GET each; they neither list nor watch).
    for (ClusterRole role : all(objects, ClusterRole.class)) {
      role.getRules()
          .forEach(
              rule ->
                  assertFalse(
                      rule.getResources().contains("secrets"),
                      describe(role) + " grants secrets cluster-wide: " + rule));
    }
    for (Role role : all(objects, Role.class)) {
      for (PolicyRule rule : role.getRules()) {
        if (rule.getResources().contains("secrets")) {
          assertEquals(NAMESPACE, role.getMetadata().getNamespace(), describe(role));
          assertEquals(List.of("get"), rule.getVerbs(), describe(role) + ": " + rule);
          assertFalse(
              rule.getResourceNames().isEmpty(),
              describe(role) + " lets read every Secret of the namespace");
        }
      }
    }
    // The node plugin writes Events on pods and claims (create, patch for repeats), nothing else.
    List<PolicyRule> node = rulesOf(objects, "mooring-node");
    assertEquals(1, node.size(), node.toString());
    assertEquals(List.of(""), node.get(0).getApiGroups());
    assertEquals(List.of("events"), node.get(0).getResources());
    assertEquals(List.of("create", "patch"), node.get(0).getVerbs());
    assertTrue(
        all(objects, RoleBinding.class).stream()
            .noneMatch(b -> boundTo(b.getSubjects(), "mooring-node")));
    // Both write Events with their token; the kubelet tells the node which pod a volume is for.
    for (HasMetadata workload : workloads(objects)) {
      assertNotEquals(
          Boolean.FALSE,
          podSpec(workload).getAutomountServiceAccountToken(),
          describe(workload) + " gets no token for its Events");
    }
    assertTrue(allows(controller, "", "events", "patch"));
    assertEquals(Boolean.TRUE, only(objects, CSIDriver.class).getSpec().getPodInfoOnMount());
  }

  // ---------------------------------------------------------------------------------------------
  // Examples

  @ParameterizedTest
  @MethodSource("examples")
  void exampleAppSharesAReadWriteManyVolumeThroughRollouts(Path examples) {
    List<HasMetadata> objects = render(examples);
    Deployment app = only(objects, Deployment.class);
    assertEquals("RollingUpdate", app.getSpec().getStrategy().getType());
    assertEquals(1, app.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal());
    assertEquals(0, app.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
    assertTrue(app.getSpec().getReplicas() >= 2);
    PodSpec pod = podSpec(app);
    Volume data =
        pod.getVolumes().stream()
            .filter(v -> v.getPersistentVolumeClaim() != null)
            .findFirst()
            .orElseThrow();
    for (Container c : containers(pod)) {
      for (VolumeMount m : c.getVolumeMounts()) {
        if (m.getName().equals(data.getName())) {
          assertEquals(
              "HostToContainer",
              m.getMountPropagation(),
              c.getName()
                  + ": healed FUSE mounts reach a running container only with HostToContainer");
        }
      }
    }
    PersistentVolumeClaim claim =
        all(objects, PersistentVolumeClaim.class).stream()
            .filter(
                p ->
                    p.getMetadata()
                        .getName()
                        .equals(data.getPersistentVolumeClaim().getClaimName()))
            .findFirst()
            .orElseThrow();
    assertEquals(List.of("ReadWriteMany"), claim.getSpec().getAccessModes());
    StorageClass sc = only(objects, StorageClass.class);
    assertEquals(sc.getMetadata().getName(), claim.getSpec().getStorageClassName());
    assertEquals(Boolean.TRUE, sc.getAllowVolumeExpansion());
    assertEquals("Delete", sc.getReclaimPolicy());
    assertEquals("Immediate", sc.getVolumeBindingMode());
    assertTrue(Set.of("delete", "retain", "archive").contains(sc.getParameters().get("onDelete")));
  }

  // ---------------------------------------------------------------------------------------------
  // The API server's view

  /** The CRUD mock API server: does a Kubernetes API accept these objects and give them back? */
  @Nested
  @EnableKubernetesMockClient(crud = true)
  class ApiServer {

    /** Injected by the mock server extension. */
    KubernetesClient client;

    @ParameterizedTest
    @MethodSource("io.mooring.app.DeployManifestsTest#overlays")
    void acceptsAndReturnsEveryObject(Path overlay) {
      List<HasMetadata> objects = new ArrayList<>(render(overlay));
      List<HasMetadata> examples = render(examplesFor(overlay));
      objects.addAll(examples);
      objects.sort((a, b) -> Boolean.compare(!(a instanceof Namespace), !(b instanceof Namespace)));
      for (HasMetadata o : objects) {
        HasMetadata copy = SERIALIZATION.clone(o);
        if (copy instanceof Namespaced && copy.getMetadata().getNamespace() == null) {
          copy.getMetadata().setNamespace("default");
        }
        client.resource(copy).createOr(existing -> existing.update());
        HasMetadata back = client.resource(copy).get();
        assertNotNull(back, describe(o) + " not returned by the API server");
        back.getMetadata().setResourceVersion(null);
        back.getMetadata().setUid(null);
        back.getMetadata().setCreationTimestamp(null);
        back.getMetadata().setGeneration(null);
        assertEquals(copy, back, describe(o) + " changed on its way through the API server");
      }
      assertEquals(
          DRIVER,
          client.storage().v1().csiDrivers().withName(DRIVER).get().getMetadata().getName());
      assertEquals(
          "None",
          client.storage().v1().csiDrivers().withName(DRIVER).get().getSpec().getFsGroupPolicy());
      assertEquals(
          List.of("mooring-node"),
          names(client.apps().daemonSets().inNamespace(NAMESPACE).list().getItems()));
      assertEquals(
          List.of("mooring-controller"),
          names(client.apps().deployments().inNamespace(NAMESPACE).list().getItems()));
      assertTrue(
          names(client.storage().v1().storageClasses().list().getItems())
              .containsAll(names(all(examples, StorageClass.class))));
      List<Secret> secrets = new ArrayList<>(all(render(overlay), Secret.class));
      secrets.addAll(all(examples, Secret.class));
      for (Secret secret : secrets) {
        Secret stored =
            client
                .secrets()
                .inNamespace(secret.getMetadata().getNamespace())
                .withName(secret.getMetadata().getName())
                .get();
        assertNotNull(stored, describe(secret));
        assertEquals(secretKeys(secret), secretKeys(stored), describe(secret));
      }
      assertTrue(
          names(client.configMaps().inNamespace(NAMESPACE).list().getItems()).stream()
              .anyMatch(n -> n.startsWith("mooring-backends")));
      DaemonSet stored =
          client.apps().daemonSets().inNamespace(NAMESPACE).withName("mooring-node").get();
      VolumeMount kubelet =
          container(stored.getSpec().getTemplate().getSpec(), "mooring").getVolumeMounts().stream()
              .filter(m -> m.getMountPath().equals("/var/lib/kubelet"))
              .findFirst()
              .orElseThrow();
      assertEquals("Bidirectional", kubelet.getMountPropagation());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering

  private static List<HasMetadata> render(Path dir) {
    return RENDERS.computeIfAbsent(
        dir.toAbsolutePath().normalize(),
        d -> {
          Optional<Path> kubectl = forceFallback() ? Optional.empty() : kubectl();
          List<Map<String, Object>> docs =
              kubectl.isPresent() ? kubectlRender(kubectl.get(), d) : fallbackRender(d);
          return List.copyOf(toTyped(docs));
        });
  }

  private static boolean forceFallback() {
    return "fallback".equals(System.getProperty("mooring.deploy.renderer"));
  }

  private static Optional<Path> kubectl() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Stream.of(path.split(java.io.File.pathSeparator))
        .filter(s -> !s.isEmpty())
        .map(s -> Path.of(s, "kubectl"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  private static List<Map<String, Object>> kubectlRender(Path kubectl, Path dir) {
    try {
      Path out = Files.createTempFile("kustomize", ".yaml");
      Path err = Files.createTempFile("kustomize", ".err");
      try {
        Process p =
            new ProcessBuilder(kubectl.toString(), "kustomize", dir.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
          fail("kubectl kustomize " + dir + " did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + ": " + Files.readString(err));
        return loadAll(Files.readString(out));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run kubectl: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The subset of kustomize that deploy/ uses; see the class comment. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> fallbackRender(Path dir) {
    Map<String, Object> k = loadAll(read(dir.resolve("kustomization.yaml"))).get(0);
    Set<String> unknown = new TreeSet<>(k.keySet());
    unknown.removeAll(
        Set.of(
            "apiVersion",
            "kind",
            "namespace",
            "resources",
            "components",
            "configMapGenerator",
            "patches",
            "images"));
    assertEquals(
        Set.of(),
        unknown,
        dir
            + "/kustomization.yaml uses what the fallback renderer does not apply;"
            + " install kubectl to test it");
    List<Map<String, Object>> docs = new ArrayList<>();
    for (String resource : (List<String>) k.getOrDefault("resources", List.of())) {
      Path p = dir.resolve(resource).normalize();
      docs.addAll(Files.isDirectory(p) ? fallbackRender(p) : loadAll(read(p)));
    }
    // a Component adds its resources and patches what is there so far (its own and the parent's)
    for (String component : (List<String>) k.getOrDefault("components", List.of())) {
      Path c = dir.resolve(component).normalize();
      Map<String, Object> ck = loadAll(read(c.resolve("kustomization.yaml"))).get(0);
      assertEquals("Component", ck.get("kind"), c + " is no kustomize Component");
      assertTrue(
          Set.of("apiVersion", "kind", "resources", "patches").containsAll(ck.keySet()),
          c + "/kustomization.yaml uses what the fallback renderer does not apply: " + ck.keySet());
      for (String resource : (List<String>) ck.getOrDefault("resources", List.of())) {
        docs.addAll(loadAll(read(c.resolve(resource))));
      }
      applyPatches(docs, c, (List<Map<String, Object>>) ck.getOrDefault("patches", List.of()));
    }
    for (Map<String, Object> generator :
        (List<Map<String, Object>>) k.getOrDefault("configMapGenerator", List.of())) {
      Set<String> keys = new TreeSet<>(generator.keySet());
      keys.removeAll(Set.of("name", "namespace", "files", "literals", "options"));
      assertEquals(Set.of(), keys, dir + ": configMapGenerator keys the fallback does not apply");
      Map<String, Object> data = new LinkedHashMap<>();
      for (String file : (List<String>) generator.getOrDefault("files", List.of())) {
        int eq = file.indexOf('=');
        Path source = dir.resolve(eq < 0 ? file : file.substring(eq + 1));
        data.put(eq < 0 ? source.getFileName().toString() : file.substring(0, eq), read(source));
      }
      for (String literal : (List<String>) generator.getOrDefault("literals", List.of())) {
        data.put(
            literal.substring(0, literal.indexOf('=')),
            literal.substring(literal.indexOf('=') + 1));
      }
      Map<String, Object> metadata = new LinkedHashMap<>();
      metadata.put("name", generator.get("name"));
      if (generator.containsKey("namespace")) {
        metadata.put("namespace", generator.get("namespace"));
      }
      Map<String, Object> options =
          (Map<String, Object>) generator.getOrDefault("options", Map.of());
      assertTrue(
          Set.of("labels").containsAll(options.keySet()),
          dir + ": generator options " + options.keySet());
      if (options.containsKey("labels")) {
        metadata.put("labels", options.get("labels"));
      }
      docs.add(
          new LinkedHashMap<>(
              Map.of("apiVersion", "v1", "kind", "ConfigMap", "metadata", metadata, "data", data)));
    }
    applyPatches(docs, dir, (List<Map<String, Object>>) k.getOrDefault("patches", List.of()));
    Object namespace = k.get("namespace");
    for (Map<String, Object> doc : docs) {
      Map<String, Object> metadata = (Map<String, Object>) doc.get("metadata");
      if (namespace != null && !CLUSTER_SCOPED.contains((String) doc.get("kind"))) {
        metadata.put("namespace", namespace);
      }
    }
    for (Map<String, Object> image :
        (List<Map<String, Object>>) k.getOrDefault("images", List.of())) {
      for (Map<String, Object> doc : docs) {
        for (Map<String, Object> c : podContainers(doc)) {
          String ref = (String) c.get("image");
          String name = ref.replaceFirst("@.*$", "").replaceFirst(":[^:/]*$", "");
          if (name.equals(image.get("name"))) {
            String newName = (String) image.getOrDefault("newName", name);
            String tag =
                image.containsKey("newTag")
                    ? String.valueOf(image.get("newTag"))
                    : ref.substring(name.length()).replaceFirst("^:", "");
            c.put("image", tag.isEmpty() ? newName : newName + ":" + tag);
          }
        }
      }
    }
    return docs;
  }

  /** Strategic-merge patches ({@code path:} only), each of one object in {@code docs}. */
  @SuppressWarnings("unchecked")
  private static void applyPatches(
      List<Map<String, Object>> docs, Path dir, List<Map<String, Object>> patches) {
    for (Map<String, Object> entry : patches) {
      assertEquals(
          Set.of("path"),
          entry.keySet(),
          dir + ": patches other than {path: <strategic-merge patch>}" + " need kubectl");
      for (Map<String, Object> patch : loadAll(read(dir.resolve((String) entry.get("path"))))) {
        Map<String, Object> id = (Map<String, Object>) patch.get("metadata");
        List<Map<String, Object>> targets =
            docs.stream()
                .filter(
                    d ->
                        Objects.equals(d.get("kind"), patch.get("kind"))
                            && Objects.equals(
                                ((Map<String, Object>) d.get("metadata")).get("name"),
                                id.get("name"))
                            && (!id.containsKey("namespace")
                                || Objects.equals(
                                    ((Map<String, Object>) d.get("metadata")).get("namespace"),
                                    id.get("namespace"))))
                .toList();
        assertEquals(
            1,
            targets.size(),
            dir + ": patch " + entry.get("path") + " matches " + targets.size() + " objects");
        strategicMerge(targets.get(0), patch, dir + "/" + entry.get("path"));
      }
    }
  }

  /** Lists that deploy/ patches, by their strategic-merge keys (as in the Kubernetes API types). */
  private static final Map<String, String> MERGE_KEYS =
      Map.of(
          "containers",
          "name",
          "initContainers",
          "name",
          "volumes",
          "name",
          "volumeMounts",
          "mountPath",
          "env",
          "name",
          "ports",
          "containerPort");

  /**
   * Strategic merge as kustomize does it for what deploy/ patches: mappings merge, null deletes,
   * lists in {@link #MERGE_KEYS} merge item by item (the patch's items first, in its order, then
   * the others, as kustomize puts them), other lists and scalars are replaced. {@code $patch} and
   * other directives need kubectl.
   */
  @SuppressWarnings("unchecked")
  private static void strategicMerge(
      Map<String, Object> target, Map<String, Object> patch, String where) {
    for (Map.Entry<String, Object> e : patch.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      Object current = target.get(key);
      assertFalse(
          key.startsWith("$"), where + ": strategic-merge directive " + key + " needs kubectl");
      if (value == null) {
        target.remove(key);
      } else if (value instanceof Map<?, ?> v && current instanceof Map<?, ?> c) {
        strategicMerge((Map<String, Object>) c, (Map<String, Object>) v, where);
      } else if (value instanceof List<?> v
          && current instanceof List<?> c
          && MERGE_KEYS.containsKey(key)) {
        // A Service's ports merge by port, a container's by containerPort.
        String mergeKey =
            key.equals("ports")
                    && ((List<Map<String, Object>>) v).stream().allMatch(i -> i.containsKey("port"))
                ? "port"
                : MERGE_KEYS.get(key);
        List<Map<String, Object>> merged = new ArrayList<>();
        List<Map<String, Object>> existing = new ArrayList<>((List<Map<String, Object>>) c);
        for (Map<String, Object> item : (List<Map<String, Object>>) v) {
          assertTrue(
              item.containsKey(mergeKey), where + ": an item of " + key + " without " + mergeKey);
          Optional<Map<String, Object>> same =
              existing.stream()
                  .filter(x -> Objects.equals(x.get(mergeKey), item.get(mergeKey)))
                  .findFirst();
          if (same.isPresent()) {
            strategicMerge(same.get(), item, where);
            existing.remove(same.get());
            merged.add(same.get());
          } else {
            merged.add(item);
          }
        }
        merged.addAll(existing);
        target.put(key, merged);
      } else {
        target.put(key, value);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> podContainers(Map<String, Object> doc) {
    Object spec = doc.get("spec");
    if (!(spec instanceof Map<?, ?> s)
        || !(s.get("template") instanceof Map<?, ?> template)
        || !(template.get("spec") instanceof Map<?, ?> podSpec)) {
      return List.of();
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (String field : List.of("initContainers", "containers")) {
      if (podSpec.get(field) instanceof List<?> list) {
        out.addAll((List<Map<String, Object>>) list);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> loadAll(String yaml) {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
      if (doc != null) {
        docs.add((Map<String, Object>) doc);
      }
    }
    return docs;
  }

  private static List<HasMetadata> toTyped(List<Map<String, Object>> docs) {
    List<HasMetadata> objects = new ArrayList<>();
    for (Map<String, Object> doc : docs) {
      Object typed = SERIALIZATION.unmarshal(SERIALIZATION.asJson(doc));
      assertTrue(typed instanceof HasMetadata, "not a Kubernetes object: " + doc.get("kind"));
      objects.add((HasMetadata) typed);
    }
    return objects;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static Logger quiet(String name) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(Level.WARNING);
    return logger;
  }

  private static Path findDeployDir() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("deploy/base/kustomization.yaml"))) {
        return p.resolve("deploy");
      }
    }
    throw new IllegalStateException(
        "no deploy/base/kustomization.yaml above " + Path.of("").toAbsolutePath());
  }

  // ---------------------------------------------------------------------------------------------
  // Typed-model helpers

  /**
   * Fields that fabric8 did not map to a model property land in additionalProperties: for the
   * built-in kinds that means the API server would reject or drop them.
   */
  private static void collectUnknownFields(Object o, String path, List<String> out, int depth) {
    if (o == null || depth > 40) {
      return;
    }
    if (o instanceof Map<?, ?> map) {
      map.forEach((k, v) -> collectUnknownFields(v, path + "." + k, out, depth + 1));
      return;
    }
    if (o instanceof Collection<?> list) {
      int i = 0;
      for (Object item : list) {
        collectUnknownFields(item, path + "[" + i++ + "]", out, depth + 1);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0
          || Modifier.isStatic(m.getModifiers())
          || m.getDeclaringClass() == Object.class
          || !(m.getName().startsWith("get") && m.getName().length() > 3)) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(o);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (m.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          out.add(path + ": " + extra.keySet());
        }
      } else {
        String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
        collectUnknownFields(value, path + "." + field, out, depth + 1);
      }
    }
  }

  private static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    List<T> found = all(objects, type);
    assertEquals(
        1, found.size(), "expected one " + type.getSimpleName() + ", found " + found.size());
    return found.get(0);
  }

  private static List<HasMetadata> workloads(List<HasMetadata> objects) {
    return objects.stream()
        .filter(
            o ->
                o instanceof Deployment
                    || o instanceof DaemonSet
                    || o instanceof StatefulSet
                    || o instanceof Job)
        .toList();
  }

  private static PodTemplateSpec podTemplate(HasMetadata workload) {
    if (workload instanceof Deployment d) {
      return d.getSpec().getTemplate();
    }
    if (workload instanceof DaemonSet d) {
      return d.getSpec().getTemplate();
    }
    if (workload instanceof StatefulSet s) {
      return s.getSpec().getTemplate();
    }
    if (workload instanceof Job j) {
      return j.getSpec().getTemplate();
    }
    throw new IllegalArgumentException(describe(workload));
  }

  private static PodSpec podSpec(HasMetadata workload) {
    return podTemplate(workload).getSpec();
  }

  private static List<Container> containers(PodSpec pod) {
    List<Container> all = new ArrayList<>(pod.getInitContainers());
    all.addAll(pod.getContainers());
    return all;
  }

  private static Container container(PodSpec pod, String name) {
    return containers(pod).stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container " + name));
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  private static List<EnvVar> env(Container c) {
    return c.getEnv() == null ? List.of() : c.getEnv();
  }

  /**
   * The value of {@code --name=value} or {@code --name value}, with literal env values substituted.
   */
  private static Optional<String> flag(Container c, String name) {
    List<String> args = c.getArgs();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String value = null;
      if (arg.startsWith(name + "=")) {
        value = arg.substring(name.length() + 1);
      } else if (arg.equals(name) && i + 1 < args.size()) {
        value = args.get(i + 1);
      }
      if (value != null) {
        return Optional.of(
            substitute(
                c, value, e -> e.getValue() != null ? e.getValue() : "$(" + e.getName() + ")"));
      }
    }
    return Optional.empty();
  }

  private static String substitute(Container c, String s, Function<EnvVar, String> valueOf) {
    Map<String, String> values = new HashMap<>();
    env(c).forEach(e -> values.put(e.getName(), valueOf.apply(e)));
    Matcher m = ENV_REF.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          out, Matcher.quoteReplacement(values.getOrDefault(m.group(1), m.group())));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * The plugin's command line as the kubelet would pass it (NODE_NAME = node-1), parsed by picocli.
   */
  private static Main parse(Container plugin) {
    List<String> args =
        plugin.getArgs().stream()
            .map(
                a ->
                    substitute(
                        plugin,
                        a,
                        e ->
                            e.getValue() != null
                                ? e.getValue()
                                : e.getName().equals("NODE_NAME")
                                    ? "node-1"
                                    : "$(" + e.getName() + ")"))
            .toList();
    String[] argv = args.toArray(String[]::new);
    CommandLine cli = Main.commandLine(argv);
    assertTrue(cli.getSubcommands().isEmpty(), "a plugin's command line loads no admin command");
    cli.parseArgs(argv);
    return cli.getCommand();
  }

  private record VolumePath(String volume, String relative) {}

  /** Which volume (and path inside it) the container reaches {@code path} through. */
  private static Optional<VolumePath> volumePath(Container c, String path) {
    VolumeMount best = null;
    for (VolumeMount m : c.getVolumeMounts()) {
      String mp = m.getMountPath().replaceFirst("/+$", "");
      if ((path.equals(mp) || path.startsWith(mp + "/"))
          && (best == null || mp.length() > best.getMountPath().replaceFirst("/+$", "").length())) {
        best = m;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    String rest =
        path.substring(best.getMountPath().replaceFirst("/+$", "").length())
            .replaceFirst("^/+", "");
    String sub = best.getSubPath() == null ? "" : best.getSubPath();
    return Optional.of(new VolumePath(best.getName(), join(sub, rest)));
  }

  private static String join(String a, String b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return a.replaceFirst("/+$", "") + "/" + b.replaceFirst("^/+", "");
  }

  /** The port a probe reaches: a number, or the name of one of the container's ports. */
  private static int probePort(Container c, Probe probe) {
    var port = probe.getHttpGet().getPort();
    if (port.getStrVal() == null) {
      return port.getIntVal();
    }
    return c.getPorts().stream()
        .filter(p -> port.getStrVal().equals(p.getName()))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    c.getName() + ": probe names no port of the container: " + port.getStrVal()))
        .getContainerPort();
  }

  /** The port of {@code host:port} or {@code :port}. */
  private static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  private static List<PolicyRule> rulesOf(List<HasMetadata> objects, String serviceAccount) {
    List<PolicyRule> rules = new ArrayList<>();
    for (ClusterRoleBinding binding : all(objects, ClusterRoleBinding.class)) {
      if (boundTo(binding.getSubjects(), serviceAccount)) {
        ClusterRole role =
            all(objects, ClusterRole.class).stream()
                .filter(r -> r.getMetadata().getName().equals(binding.getRoleRef().getName()))
                .findFirst()
                .orElseThrow(
                    () ->
                        new AssertionError(
                            "binding to missing ClusterRole " + binding.getRoleRef().getName()));
        rules.addAll(role.getRules());
      }
    }
    return rules;
  }

  private record NamespacedRule(PolicyRule rule, String namespace) {}

  /** The rules of the Roles bound to the ServiceAccount, with the namespace each applies in. */
  private static List<NamespacedRule> namespacedRulesOf(
      List<HasMetadata> objects, String serviceAccount) {
    List<NamespacedRule> rules = new ArrayList<>();
    for (RoleBinding binding : all(objects, RoleBinding.class)) {
      if (boundTo(binding.getSubjects(), serviceAccount)) {
        assertEquals(
            "Role", binding.getRoleRef().getKind(), describe(binding) + ": binds a ClusterRole");
        Role role =
            all(objects, Role.class).stream()
                .filter(
                    r ->
                        r.getMetadata().getName().equals(binding.getRoleRef().getName())
                            && Objects.equals(
                                r.getMetadata().getNamespace(),
                                binding.getMetadata().getNamespace()))
                .findFirst()
                .orElseThrow(
                    () ->
                        new AssertionError(
                            describe(binding)
                                + ": binds missing Role "
                                + binding.getRoleRef().getName()));
        role.getRules()
            .forEach(r -> rules.add(new NamespacedRule(r, role.getMetadata().getNamespace())));
      }
    }
    return rules;
  }

  /**
   * Whether mooring-controller (its sidecars) may GET this Secret, through any Role or ClusterRole.
   */
  private static boolean controllerMayGetSecret(
      List<HasMetadata> objects, String namespace, String name) {
    List<PolicyRule> rules = new ArrayList<>(rulesOf(objects, "mooring-controller"));
    namespacedRulesOf(objects, "mooring-controller").stream()
        .filter(r -> r.namespace().equals(namespace))
        .forEach(r -> rules.add(r.rule()));
    return rules.stream()
        .anyMatch(
            r ->
                r.getApiGroups().contains("")
                    && r.getResources().contains("secrets")
                    && r.getVerbs().contains("get")
                    && (r.getResourceNames().isEmpty() || r.getResourceNames().contains(name)));
  }

  private static Optional<Secret> secret(List<HasMetadata> objects, String namespace, String name) {
    return all(objects, Secret.class).stream()
        .filter(
            s ->
                s.getMetadata().getName().equals(name)
                    && Objects.equals(s.getMetadata().getNamespace(), namespace))
        .findFirst();
  }

  /** The keys of data and stringData. */
  private static Set<String> secretKeys(Secret secret) {
    Set<String> keys = new TreeSet<>();
    Optional.ofNullable(secret.getData()).ifPresent(d -> keys.addAll(d.keySet()));
    Optional.ofNullable(secret.getStringData()).ifPresent(d -> keys.addAll(d.keySet()));
    return keys;
  }

  private static boolean boundTo(List<Subject> subjects, String serviceAccount) {
    return subjects.stream()
        .anyMatch(
            s ->
                "ServiceAccount".equals(s.getKind())
                    && serviceAccount.equals(s.getName())
                    && NAMESPACE.equals(s.getNamespace()));
  }

  private static boolean allows(
      List<PolicyRule> rules, String group, String resource, String verb) {
    return rules.stream()
        .anyMatch(
            r ->
                r.getApiGroups().contains(group)
                    && r.getResources().contains(resource)
                    && r.getVerbs().contains(verb));
  }

  private static List<String> names(List<? extends HasMetadata> objects) {
    return objects.stream().map(o -> o.getMetadata().getName()).sorted().toList();
  }

  private static String describe(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return o.getKind() + " " + (ns == null ? "" : ns + "/") + o.getMetadata().getName();
  }

  /** kubectl appends a content hash to generated ConfigMaps; the fallback does not. */
  private static String describeWithoutHash(HasMetadata o) {
    String d = describe(o);
    return o instanceof ConfigMap ? d.replaceFirst("-[a-z0-9]{10}$", "") : d;
  }
}
