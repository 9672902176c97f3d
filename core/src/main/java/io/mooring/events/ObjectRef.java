package io.mooring.events;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A namespaced Kubernetes object (of API group core, version v1) that an Event is about: a Pod or a
 * PersistentVolumeClaim. Built only from names the API server would accept, since the values come
 * from requests (volume_context, CreateVolume parameters) that anyone who can write a
 * PersistentVolume can forge.
 *
 * @param uid empty when unknown (a claim named by the provisioner's parameters)
 */
public record ObjectRef(String kind, String namespace, String name, String uid) {

  public static final String POD = "Pod";
  public static final String CLAIM = "PersistentVolumeClaim";

  /** A DNS-1123 label: what a namespace's name must be. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** A DNS-1123 subdomain: what a pod's or claim's name must be. */
  private static final Pattern SUBDOMAIN =
      Pattern.compile(
          "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private static final Pattern UID = Pattern.compile("[A-Za-z0-9-]{0,64}");

  /**
   * The object, if {@code namespace}, {@code name} and {@code uid} are valid; nothing if any is
   * missing or not a name the API server takes.
   */
  public static Optional<ObjectRef> of(String kind, String namespace, String name, String uid) {
    if (namespace == null
        || name == null
        || !LABEL.matcher(namespace).matches()
        || !SUBDOMAIN.matcher(name).matches()
        || !UID.matcher(uid == null ? "" : uid).matches()) {
      return Optional.empty();
    }
    return Optional.of(new ObjectRef(kind, namespace, name, uid == null ? "" : uid));
  }

  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
