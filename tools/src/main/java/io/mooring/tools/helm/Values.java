package io.mooring.tools.helm;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The chart's values: each setting the templates read, with the overlays' value as its default,
 * collected while the templates are written, then printed as values.yaml.
 */
final class Values {

  /** The container that runs the Mooring image in both workloads. */
  static final String MOORING_CONTAINER = "mooring";

  private static final Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

  private String image;
  private final Map<String, String> images = new TreeMap<>();
  private final Map<String, Object> resources = new TreeMap<>();
  private final Map<String, String> switches = new TreeMap<>();

  /** The action for a container's image: the Mooring image, or a sidecar's by its name. */
  String image(String container, String reference) {
    if (MOORING_CONTAINER.equals(container)) {
      remember("the Mooring image", image, reference);
      image = reference;
      return "{{ printf \"%s:%s\" .Values.image.repository .Values.image.tag | printf \"%q\" }}";
    }
    String repository = reference.replaceFirst("[:@].*$", "");
    String name = repository.substring(repository.lastIndexOf('/') + 1);
    remember("image " + name, images.get(name), reference);
    images.put(name, reference);
    return "{{ index .Values.images " + JSON.toJson(name) + " | printf \"%q\" }}";
  }

  /**
   * The action for a generated ConfigMap's file (the backends file): the admin's, else the
   * overlay's example. Its default differs per backend, so it lives in the template.
   */
  String file(String backend, String file, String overlayContent) {
    if (!"backends.yaml".equals(file)) {
      throw new IllegalStateException("no chart value for the ConfigMap file " + file);
    }
    return "{{ if .Values.backendsFile }}{{ printf \"%q\" .Values.backendsFile }}{{ else }}"
        + JSON.toJson(overlayContent)
        + "{{ end }}";
  }

  /**
   * The index expression of a container's resources, {@code
   * resources.<backend>.<workload>.<container>} for an object that differs per backend, {@code
   * resources.<workload>.<container>} otherwise.
   */
  @SuppressWarnings("unchecked")
  String resources(String backend, String workload, String container, Map<String, Object> amounts) {
    List<String> path =
        backend == null ? List.of(workload, container) : List.of(backend, workload, container);
    Map<String, Object> at = resources;
    for (String step : path.subList(0, path.size() - 1)) {
      at = (Map<String, Object>) at.computeIfAbsent(step, k -> new TreeMap<String, Object>());
    }
    remember("resources of " + path, at.get(container), amounts);
    at.put(container, amounts);
    StringBuilder index = new StringBuilder("index .Values.resources");
    path.forEach(p -> index.append(' ').append(JSON.toJson(p)));
    return index.toString();
  }

  private static void remember(String what, Object before, Object now) {
    if (before != null && !before.equals(now)) {
      throw new IllegalStateException(
          what + " differs between manifests (" + before + ", " + now + "): make them agree");
    }
  }

  /** A switch (default off) for the optional part under deploy/{@code dir}. */
  void optional(String name, String dir) {
    switches.put(name, dir);
  }

  /** The Mooring image's tag: the chart's version and appVersion. */
  String tag() {
    if (image == null) {
      throw new IllegalStateException("no container named " + MOORING_CONTAINER + " in deploy/");
    }
    return image.substring(image.lastIndexOf(':') + 1);
  }

  /** values.yaml, documented. */
  String render(List<String> backends) {
    String tag = tag();
    StringBuilder out = new StringBuilder(Templates.HEADER);
    out.append("\n# Which storage the controller manages: ")
        .append(String.join(" or ", backends))
        .append(" (the objects of deploy/overlays/<backend>).\n")
        .append("backend: ")
        .append(JSON.toJson(backends.contains("cephfs") ? "cephfs" : backends.get(0)))
        .append(
            "\n\n"
                + "# The controller's backends file (deploy/README.md, \"The backends file\")."
                + " Empty: the overlay's\n"
                + "# example, whose placeholders are not a working cluster.\n")
        .append("backendsFile: \"\"\n")
        .append(
            "\n"
                + "# Create the release namespace, labelled for privileged pods (both plugins mount"
                + " FUSE file\n"
                + "# systems). Leave false with `helm install --create-namespace` and label it"
                + " yourself (deploy/README.md).\n")
        .append("createNamespace: false\n");
    switches.forEach(
        (name, dir) ->
            out.append("\n# deploy/")
                .append(dir)
                .append(" too (see its kustomization.yaml: it needs that API in the cluster).\n")
                .append(name)
                .append(": false\n"));
    out.append(
            "\n# The kubelet's root directory on the nodes (k0s: /var/lib/k0s/kubelet,"
                + " microk8s:\n# /var/snap/microk8s/common/var/lib/kubelet).\n")
        .append("kubeletDir: ")
        .append(JSON.toJson(Templates.KUBELET_DIR))
        .append(
            "\n\n# The Mooring image (both plugins), where you pushed the one built from the"
                + " Dockerfile.\nimage:\n")
        .append("  repository: ")
        .append(JSON.toJson(image.substring(0, image.length() - tag.length() - 1)))
        .append("\n  tag: ")
        .append(JSON.toJson(tag))
        .append("\n\n# The sidecars' images, by name.\nimages:\n");
    images.forEach(
        (k, v) -> out.append("  ").append(k).append(": ").append(JSON.toJson(v)).append('\n'));
    out.append(
        "\n# Requests and limits per workload and container; under a backend's name for the"
            + " workloads\n# that differ per backend.\nresources:\n");
    nested(resources, 2, out);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static void nested(Map<String, Object> m, int indent, StringBuilder out) {
    m.forEach(
        (k, v) -> {
          out.append(" ".repeat(indent)).append(k).append(':');
          if (v instanceof Map<?, ?> child) {
            out.append('\n');
            nested((Map<String, Object>) child, indent + 2, out);
          } else {
            out.append(' ').append(JSON.toJson(String.valueOf(v))).append('\n');
          }
        });
  }
}
