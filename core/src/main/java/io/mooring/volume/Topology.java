package io.mooring.volume;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Topology segments as CSI and Kubernetes use them: node label keys and values, e.g. {@code
 * topology.kubernetes.io/zone: eu-1a}. The node reports its own (NodeGetInfo); a backend may be
 * reachable from some only (its {@code topology:} in the backends file).
 */
public final class Topology {

  /** A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63. */
  private static final Pattern KEY =
      Pattern.compile(
          "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
              + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  /** A label value: at most 63, empty allowed. */
  private static final Pattern VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

  private Topology() {}

  /** Whether {@code key} is a label key (its prefix at most 253 characters). */
  public static boolean validKey(String key) {
    return key != null && KEY.matcher(key).matches() && key.indexOf('/') <= 253;
  }

  public static boolean validValue(String value) {
    return value != null && VALUE.matcher(value).matches();
  }

  /**
   * Whether a backend with {@code segments} is reachable from a place with {@code topology}: it
   * must have each of the backend's segments. A backend without segments is reachable from
   * everywhere.
   */
  public static boolean reachableFrom(Map<String, String> segments, Map<String, String> topology) {
    return segments.entrySet().stream()
        .allMatch(s -> s.getValue().equals(topology.get(s.getKey())));
  }
}
