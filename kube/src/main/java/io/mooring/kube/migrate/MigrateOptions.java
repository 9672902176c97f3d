package io.mooring.kube.migrate;

import java.time.Duration;

/**
 * What the user asked for: copy claim {@code source} of {@code namespace} into a new claim {@code
 * target} of StorageClass {@code storageClass}, which {@code driver} must provision. {@code image}
 * (null: the installed controller's) runs the copy; {@code apply} false only prints the plan;
 * {@code switchWorkload} stops the workload for the copy and points it at the new claim; {@code
 * timeout} bounds each wait.
 */
public record MigrateOptions(
    String namespace,
    String source,
    String storageClass,
    String target,
    String driver,
    String image,
    boolean apply,
    boolean switchWorkload,
    Duration timeout) {

  /** The target claim's name when none is given. */
  public static String defaultTarget(String source) {
    return source + "-mooring";
  }
}
