package io.mooring.kube.migrate;

/**
 * A Deployment or StatefulSet whose pod template mounts {@code claim}: {@code volume} is the index
 * of that volume in the template's {@code spec.volumes}.
 */
record Workload(String kind, String name, int replicas, String claim, int volume) {

  String ref() {
    return kind + "/" + name;
  }

  /** The JSON patch that points the template's volume at {@code claim}. */
  String claimPatch(String claim) {
    return "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/volumes/%d/persistentVolumeClaim/claimName\",\"value\":\"%s\"}]"
        .formatted(volume, claim);
  }
}
