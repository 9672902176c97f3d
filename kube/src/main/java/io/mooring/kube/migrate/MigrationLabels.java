package io.mooring.kube.migrate;

import java.util.Map;

/**
 * The labels and annotations on everything {@code mooring migrate} creates: {@code kubectl get
 * pvc,job -l migrate.mooring.io/source=NAME} finds a migration's objects, and a rerun recognises
 * its own.
 */
final class MigrationLabels {

  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String SOURCE = "migrate.mooring.io/source";
  static final String TARGET = "migrate.mooring.io/target";

  /** On the target claim once the workload was scaled down: what to scale it back up to. */
  static final String WORKLOAD = "migrate.mooring.io/workload";

  static final String REPLICAS = "migrate.mooring.io/replicas";

  private MigrationLabels() {}

  static Map<String, String> of(String source, String target) {
    return Map.of(MANAGED_BY, "mooring", SOURCE, source, TARGET, target);
  }

  /**
   * Whether {@code labels} mark an object of the migration from {@code source} to {@code target}.
   */
  static boolean belongTo(Map<String, String> labels, String source, String target) {
    return labels != null && source.equals(labels.get(SOURCE)) && target.equals(labels.get(TARGET));
  }
}
