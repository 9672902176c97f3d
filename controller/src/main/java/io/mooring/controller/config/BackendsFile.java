package io.mooring.controller.config;

import io.mooring.volume.CephContext;
import io.mooring.volume.GlusterContext;
import io.mooring.volume.Topology;
import io.mooring.volume.VolumeId;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the backends file (YAML, usually a ConfigMap):
 *
 * <pre>
 * backends:
 *   - name: gluster-a
 *     type: glusterfs
 *     servers: [gluster1.example, gluster2.example]
 *     volume: shared
 *     basePath: /mooring
 *     management: ssh            # or local (the controller runs on a Gluster server)
 *     ssh:
 *       user: root
 *       port: 22
 *       keyFile: /etc/mooring/gluster-ssh/id_ed25519
 *       knownHostsFile: /etc/mooring/gluster-ssh/known_hosts
 *     # management: local only: glusterdSocket: /run/glusterd.socket
 *     topology:                  # optional: only nodes with these labels reach it
 *       topology.kubernetes.io/zone: eu-1a
 * </pre>
 *
 * Strict: unknown keys, duplicate names and unsafe values are errors, reported with the backend's
 * position so an admin can fix the ConfigMap at once.
 */
public final class BackendsFile {

  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]_-]{1,253}");
  private static final Pattern CEPH_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern MOUNT_OPTIONS = Pattern.compile("[A-Za-z0-9_.=,/:-]{0,512}");
  private static final Pattern BASE_PATH = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+");
  private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

  private BackendsFile() {}

  public static Map<String, BackendConfig> load(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(reader, file.toString());
    }
  }

  public static Map<String, BackendConfig> parse(String yaml) {
    return parse(new StringReader(yaml), "<string>");
  }

  private static Map<String, BackendConfig> parse(Reader reader, String source) {
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
    }
    Map<String, Object> top = map(root, source);
    requireOnly(top, Set.of("backends"), source);
    Object list = top.get("backends");
    if (!(list instanceof List<?> entries)) {
      throw new IllegalArgumentException(source + ": 'backends' must be a list");
    }
    Map<String, BackendConfig> out = new LinkedHashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = source + ": backends[" + i + "]";
      BackendConfig backend = backend(map(entries.get(i), where), where);
      if (out.putIfAbsent(backend.name(), backend) != null) {
        throw new IllegalArgumentException(where + ": duplicate backend name " + backend.name());
      }
    }
    return Map.copyOf(out);
  }

  private static BackendConfig backend(Map<String, Object> entry, String where) {
    String type = string(entry, "type", where);
    if (GlusterContext.TYPE.equals(type)) {
      return gluster(entry, where);
    }
    if (CephContext.TYPE.equals(type)) {
      return ceph(entry, where);
    }
    throw new IllegalArgumentException(
        where
            + ": unknown type '"
            + type
            + "' (known: "
            + GlusterContext.TYPE
            + ", "
            + CephContext.TYPE
            + ")");
  }

  private static GlusterConfig gluster(Map<String, Object> entry, String where) {
    requireOnly(
        entry,
        Set.of(
            "name",
            "type",
            "servers",
            "volume",
            "basePath",
            "management",
            "ssh",
            "glusterdSocket",
            "topology"),
        where);
    String name = matching(string(entry, "name", where), VolumeId.BACKEND, "name", where);
    List<String> servers = hosts(entry, "servers", where);
    String volume =
        matching(string(entry, "volume", where), GlusterContext.VOLUME_NAME, "volume", where);
    Object base = entry.getOrDefault("basePath", GlusterConfig.DEFAULT_BASE_PATH);
    String basePath = matching(String.valueOf(base), BASE_PATH, "basePath", where);
    if (basePath.contains("/../") || basePath.endsWith("/..") || basePath.contains("/./")) {
      throw new IllegalArgumentException(
          where + ": basePath must not contain '.' or '..' elements");
    }
    return new GlusterConfig(
        name, servers, volume, basePath, management(entry, where), topology(entry, where));
  }

  /** No default guessed from the addresses: a local CLI must be asked for (management: local). */
  private static GlusterConfig.Management management(Map<String, Object> entry, String where) {
    String mode = String.valueOf(entry.getOrDefault("management", "ssh"));
    if (mode.equals("local")) {
      if (entry.containsKey("ssh")) {
        throw new IllegalArgumentException(where + ": 'ssh' is only for management: ssh");
      }
      return new GlusterConfig.Local(
          path(entry, "glusterdSocket", GlusterConfig.Local.DEFAULT_SOCKET, where));
    }
    if (!mode.equals("ssh")) {
      throw new IllegalArgumentException(where + ": 'management' must be ssh or local");
    }
    if (entry.containsKey("glusterdSocket")) {
      throw new IllegalArgumentException(
          where + ": 'glusterdSocket' is only for management: local");
    }
    if (!entry.containsKey("ssh")) {
      throw new IllegalArgumentException(
          where
              + ": 'ssh' (keyFile, knownHostsFile) is required for management: ssh;"
              + " or set management: local when the controller runs on a Gluster server");
    }
    String at = where + ".ssh";
    Map<String, Object> ssh = map(entry.get("ssh"), at);
    requireOnly(ssh, Set.of("user", "port", "keyFile", "knownHostsFile"), at);
    String user =
        matching(
            String.valueOf(ssh.getOrDefault("user", GlusterConfig.Ssh.DEFAULT_USER)),
            USER,
            "user",
            at);
    Object port = ssh.getOrDefault("port", GlusterConfig.Ssh.DEFAULT_PORT);
    if (!(port instanceof Integer p) || p < 1 || p > 65535) {
      throw new IllegalArgumentException(at + ": 'port' must be a number from 1 to 65535");
    }
    return new GlusterConfig.Ssh(
        user, p, path(ssh, "keyFile", null, at), path(ssh, "knownHostsFile", null, at));
  }

  /** An absolute path without '.' or '..' elements; required when there is no default. */
  private static String path(Map<String, Object> node, String key, String fallback, String where) {
    Object value = node.get(key);
    if (value == null && fallback == null) {
      throw new IllegalArgumentException(where + ": '" + key + "' is required");
    }
    return matching(String.valueOf(value == null ? fallback : value), BASE_PATH, key, where);
  }

  private static CephConfig ceph(Map<String, Object> entry, String where) {
    requireOnly(
        entry,
        Set.of(
            "name",
            "type",
            "monitors",
            "fsName",
            "subvolumeGroup",
            "mounter",
            "fuseMountOptions",
            "kernelMountOptions",
            "adminSecretDir",
            "topology"),
        where);
    String name = matching(string(entry, "name", where), VolumeId.BACKEND, "name", where);
    List<String> monitors = hosts(entry, "monitors", where);
    String fsName = matching(string(entry, "fsName", where), CEPH_NAME, "fsName", where);
    String group =
        matching(
            String.valueOf(entry.getOrDefault("subvolumeGroup", CephConfig.DEFAULT_GROUP)),
            CEPH_NAME,
            "subvolumeGroup",
            where);
    String mounter = String.valueOf(entry.getOrDefault("mounter", ""));
    if (!Set.of("", "fuse", "kernel").contains(mounter)) {
      throw new IllegalArgumentException(
          where + ": 'mounter' must be fuse or kernel (or left out to detect)");
    }
    String fuseOptions =
        matching(
            String.valueOf(entry.getOrDefault("fuseMountOptions", "")),
            MOUNT_OPTIONS,
            "fuseMountOptions",
            where);
    String kernelOptions =
        matching(
            String.valueOf(entry.getOrDefault("kernelMountOptions", "")),
            MOUNT_OPTIONS,
            "kernelMountOptions",
            where);
    // Refused here rather than at every NodeStageVolume: the node plugin mounts with ceph-fuse
    // only.
    if (mounter.equals("kernel") || !kernelOptions.isEmpty()) {
      throw new IllegalArgumentException(
          where
              + ": the kernel CephFS client (mounter: kernel, kernelMountOptions) is not supported"
              + " yet: Mooring mounts CephFS with ceph-fuse; leave mounter out or set it to fuse");
    }
    Object secretDir = entry.get("adminSecretDir");
    String adminSecretDir =
        secretDir == null
            ? ""
            : matching(String.valueOf(secretDir), BASE_PATH, "adminSecretDir", where);
    return new CephConfig(
        name,
        monitors,
        fsName,
        group,
        mounter,
        fuseOptions,
        kernelOptions,
        adminSecretDir,
        topology(entry, where));
  }

  /**
   * {@code topology:}, node label keys and the values a node must have to reach the backend; none
   * when left out.
   */
  private static Map<String, String> topology(Map<String, Object> entry, String where) {
    if (!entry.containsKey("topology")) {
      return Map.of();
    }
    String at = where + ".topology";
    Map<String, String> out = new TreeMap<>();
    map(entry.get("topology"), at)
        .forEach(
            (key, value) -> {
              if (!Topology.validKey(key) || !Topology.validValue(String.valueOf(value))) {
                throw new IllegalArgumentException(
                    at
                        + ": '"
                        + key
                        + ": "
                        + value
                        + "' is not a node label key and value (e.g."
                        + " topology.kubernetes.io/zone: eu-1a)");
              }
              out.put(key, String.valueOf(value));
            });
    if (out.isEmpty()) {
      throw new IllegalArgumentException(at + ": leave it out rather than empty");
    }
    return out;
  }

  private static List<String> hosts(Map<String, Object> entry, String key, String where) {
    Object raw = entry.get(key);
    if (!(raw instanceof List<?> hosts) || hosts.isEmpty()) {
      throw new IllegalArgumentException(
          where + ": '" + key + "' must be a non-empty list of hosts");
    }
    List<String> out = new ArrayList<>();
    for (Object host : hosts) {
      out.add(matching(String.valueOf(host), HOST, key, where));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node, String where) {
    if (!(node instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(where + ": expected a mapping");
    }
    return (Map<String, Object>) node;
  }

  private static void requireOnly(Map<String, Object> node, Set<String> known, String where) {
    Set<String> unknown = new TreeSet<>(node.keySet());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          where + ": unknown keys " + unknown + " (known: " + new TreeSet<>(known) + ")");
    }
  }

  private static String string(Map<String, Object> node, String key, String where) {
    Object value = node.get(key);
    if (value == null || String.valueOf(value).isBlank()) {
      throw new IllegalArgumentException(where + ": '" + key + "' is required");
    }
    return String.valueOf(value);
  }

  private static String matching(String value, Pattern pattern, String key, String where) {
    if (!pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(
          where
              + ": '"
              + key
              + "' value '"
              + value
              + "' is not allowed (must match "
              + pattern
              + ")");
    }
    return value;
  }
}
